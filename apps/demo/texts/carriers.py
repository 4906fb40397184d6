"""The carriers, and what they send: each stage of a journey in the carrier's own words."""

from apps.shipments.models import DelayReason, ShipmentStatus

S = ShipmentStatus

# code, name, country, tracking page, hours in transit without a scan before a parcel is "stuck"
CARRIERS = (
    (
        "cj-logistics",
        "CJ대한통운",
        "KR",
        "https://trace.cjlogistics.com/next/tracking.html?wblNo={tracking_number}",
        48,
    ),
    (
        "hanjin",
        "한진택배",
        "KR",
        "https://www.hanjin.com/kor/CMS/DeliveryMgr/WaybillResult.do?mCode=MN038"
        "&wblnum={tracking_number}&schLang=KR",
        48,
    ),
    (
        "epost",
        "우체국택배",
        "KR",
        "https://service.epost.go.kr/trace.RetrieveDomRigiTraceList.comm?sid1={tracking_number}",
        72,
    ),
    (
        "dhl",
        "DHL Express",
        "DE",
        "https://www.dhl.com/kr-en/home/tracking/tracking-express.html"
        "?submit=1&tracking-id={tracking_number}",
        72,
    ),
)
STALE_HOURS = {code: hours for code, _, _, _, hours in CARRIERS}

# The carriers' own words: stage → (raw status, raw substatus, our status, message).
_KR_STAGES = {
    "pending": ("주문접수", "", S.PENDING, "쇼핑몰에서 주문을 접수했습니다"),
    "preparing": ("상품준비중", "", S.PENDING, "판매자가 상품을 준비하고 있습니다"),
    "label": ("집화처리", "", S.INFO_RECEIVED, "택배 기사님이 상품을 인수했습니다"),
    "depart": ("간선상차", "", S.IN_TRANSIT, "터미널에서 간선 차량에 실었습니다"),
    "hub": ("이동중", "", S.IN_TRANSIT, "허브 터미널에서 분류하고 있습니다"),
    "arrive": ("간선하차", "", S.IN_TRANSIT, "배송지 터미널에 도착했습니다"),
    "ofd": ("배송출발", "", S.OUT_FOR_DELIVERY, "배송 기사님이 배송을 시작했습니다"),
    "delivered": ("배달완료", "", S.DELIVERED, "고객님의 상품이 배달 완료되었습니다"),
    "attempt": (
        "미배달",
        "수취인부재",
        S.ATTEMPT_FAILED,
        "받는 분이 안 계셔서 배달하지 못했습니다",
    ),
    "pickup_point": (
        "보관",
        "편의점보관",
        S.AVAILABLE_FOR_PICKUP,
        "가까운 편의점에 보관 중입니다. 방문해 찾아가 주세요",
    ),
    "returned": ("반송", "", S.RETURNED, "보내는 분께 반송되었습니다"),
    "refused": ("반송", "수취거부", S.RETURNED, "받는 분이 수령을 거부해 반송되었습니다"),
    "lost": ("분실", "분실확인", S.LOST, "운송 중 분실이 확인되었습니다"),
}
_KR_RENAMES = {
    "hanjin": {"label": "집하", "delivered": "배송완료"},
    "epost": {
        "label": "접수",
        "depart": "발송",
        "hub": "도착",
        "arrive": "도착",
        "ofd": "배달준비",
    },
}
_KR_DELAYS = {
    DelayReason.SORTING_ERROR: (
        "오분류",
        "재분류",
        S.IN_TRANSIT,
        "분류 오류로 다른 터미널에 도착해 다시 보냅니다",
    ),
    DelayReason.CAPACITY: (
        "배송지연",
        "물량증가",
        S.IN_TRANSIT,
        "물량 증가로 배송이 늦어지고 있습니다",
    ),
    DelayReason.VEHICLE: (
        "배송지연",
        "차량고장",
        S.IN_TRANSIT,
        "간선 차량 고장으로 터미널 도착이 늦어지고 있습니다",
    ),
    DelayReason.WEATHER: (
        "배송지연",
        "기상악화",
        S.IN_TRANSIT,
        "기상 악화로 선박 운항이 중단되어 배송이 늦어집니다",
    ),
    DelayReason.FORCE_MAJEURE: (
        "배송지연",
        "배송중단",
        S.IN_TRANSIT,
        "지역 택배 파업으로 배송이 중단되었습니다",
    ),
    DelayReason.DAMAGED: (
        "사고접수",
        "파손",
        S.EXCEPTION,
        "운송 중 파손이 확인되어 사고 처리 중입니다",
    ),
    DelayReason.WRONG_ADDRESS: (
        "미배달",
        "주소불명",
        S.EXCEPTION,
        "주소 불명으로 배달하지 못했습니다",
    ),
}
_DHL_STAGES = {
    "pending": ("Pending", "Pending_001", S.PENDING, "Order confirmed by the shop"),
    "preparing": ("Pending", "Pending_002", S.PENDING, "Shipment is being prepared for pickup"),
    "label": ("InfoReceived", "InfoReceived_001", S.INFO_RECEIVED, "Shipment information received"),
    "pickup": ("InTransit", "InTransit_002", S.IN_TRANSIT, "Shipment picked up"),
    "depart": ("InTransit", "InTransit_007", S.IN_TRANSIT, "Departed from DHL facility"),
    "gateway": ("InTransit", "InTransit_003", S.IN_TRANSIT, "Arrived at DHL gateway"),
    "cleared": ("InTransit", "InTransit_009", S.IN_TRANSIT, "Customs clearance completed"),
    "arrive": ("InTransit", "InTransit_003", S.IN_TRANSIT, "Arrived at DHL delivery facility"),
    "ofd": (
        "OutForDelivery",
        "OutForDelivery_001",
        S.OUT_FOR_DELIVERY,
        "Shipment is out with courier for delivery",
    ),
    "delivered": ("Delivered", "Delivered_001", S.DELIVERED, "Delivered - signed for by receiver"),
    "attempt": (
        "AttemptFail",
        "AttemptFail_001",
        S.ATTEMPT_FAILED,
        "Recipient not available; delivery will be attempted again",
    ),
    "pickup_point": (
        "AvailableForPickup",
        "AvailableForPickup_001",
        S.AVAILABLE_FOR_PICKUP,
        "Awaiting collection at a DHL ServicePoint",
    ),
    "refused": ("Exception", "Exception_010", S.RETURNED, "Refused by receiver; returning"),
    "customs": ("Exception", "Exception_004", S.EXCEPTION, "Clearance delay: held by customs"),
}


def vocabulary(carrier: str, stage: str, reason: str = "") -> tuple[str, str, str, str]:
    """(raw status, raw substatus, canonical status, message) as the carrier would send them."""
    if carrier == "dhl":
        return _DHL_STAGES[stage]
    if stage == "delay":
        return _KR_DELAYS[reason]
    raw, substatus, status, message = _KR_STAGES[stage]
    return _KR_RENAMES.get(carrier, {}).get(stage, raw), substatus, status, message
