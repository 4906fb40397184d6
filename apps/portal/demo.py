"""Demo data for `manage.py seed_demo`: a month of parcels, delays, complaints and amends.

Deterministic: every choice comes from a `random.Random` seeded with a constant, and every time is
placed relative to an anchor, the start of today, so the demo always looks current. Idempotent:
rows are found by natural keys (username, carrier code, customer contact, carrier + tracking
number + order reference, carrier event id, customer + ticket subject, rule name, budget period)
and only missing ones are written, all in one transaction; a row's children (tracking history,
conversation, survey) are written only together with it. Secrets (webhook secrets, ticket tokens,
voucher codes, survey nonces) come from `secrets`: they are the only values that differ.

Like the portal and the admin this is a face, so it composes every app. Tracking histories are
folded into shipments by the shipments service that ingestion uses (`history_apply`), event by
event at the time each arrived, with the promise watch's flags (`delay_mark`) in between, so
status, delay flag, reason and size follow the same rules as live data. Tickets are opened and
moved by the ticket services, so SLA clocks and timelines are right. Compensation and surveys have
no services yet: their rows are written here directly, keeping the models' invariants.
"""

import base64
import random
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from apps.accounts.roles import AGENTS, MANAGERS
from apps.compensation.models import (
    ActionKind,
    Budget,
    CompensationRule,
    Offer,
    OfferEvent,
    OfferStatus,
    Preset,
    Voucher,
)
from apps.core.money import money_format
from apps.core.tokens import reference_generate
from apps.feedback.models import Survey, SurveyResponse
from apps.shipments.models import (
    Carrier,
    Channel,
    Customer,
    DelayReason,
    EstimateRevision,
    Fault,
    PromiseType,
    ServiceLevel,
    Shipment,
    ShipmentStatus,
    TrackingEvent,
)
from apps.shipments.services import delay_mark, delay_measure, history_apply
from apps.tickets.models import (
    MessageAuthor,
    Ticket,
    TicketCategory,
    TicketEvent,
    TicketEventKind,
    TicketPriority,
    TicketStatus,
)
from apps.tickets.services import ticket_link_reissue, ticket_open, ticket_reply, ticket_transition

SEED = 20240917
SHIPMENT_COUNT = 320
# Published in the README and printed by the command: demo logins are not secret.
DEMO_PASSWORDS = {"agent": "agent-demo-pass", "manager": "manager-demo-pass"}
# username, first name, last name, language, role, on duty
DEMO_USERS = (
    ("agent", "Jieun", "Park", "ko", AGENTS, True),
    ("manager", "Daniel", "Choi", "en", MANAGERS, False),
)
OFFER_ANSWER_DAYS = 14
SURVEY_DELAY = timedelta(hours=2)
SURVEY_VALID = timedelta(days=7)
BUDGET_AMOUNT = Decimal("2000000")
# The promise watch runs every few minutes: it flags a delay a little after the fact.
WATCH_LAG = timedelta(minutes=10)

S = ShipmentStatus

# --- reference data ------------------------------------------------------------------------------

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

KO_FAMILY = (
    ("김", "Kim"),
    ("이", "Lee"),
    ("박", "Park"),
    ("최", "Choi"),
    ("정", "Jung"),
    ("강", "Kang"),
    ("조", "Cho"),
    ("윤", "Yoon"),
    ("장", "Jang"),
    ("임", "Lim"),
    ("한", "Han"),
    ("오", "Oh"),
    ("서", "Seo"),
    ("신", "Shin"),
    ("권", "Kwon"),
    ("황", "Hwang"),
    ("안", "Ahn"),
    ("송", "Song"),
    ("류", "Ryu"),
    ("홍", "Hong"),
)
KO_GIVEN = (
    ("민준", "minjun"),
    ("서연", "seoyeon"),
    ("서윤", "seoyun"),
    ("지우", "jiwoo"),
    ("도윤", "doyun"),
    ("하준", "hajun"),
    ("지민", "jimin"),
    ("예준", "yejun"),
    ("수아", "sua"),
    ("하은", "haeun"),
    ("시우", "siwoo"),
    ("지호", "jiho"),
    ("주원", "juwon"),
    ("지유", "jiyu"),
    ("채원", "chaewon"),
    ("은우", "eunwoo"),
    ("유진", "yujin"),
    ("현우", "hyunwoo"),
    ("민서", "minseo"),
    ("수빈", "subin"),
    ("예은", "yeeun"),
    ("지훈", "jihoon"),
    ("소율", "soyul"),
    ("건우", "gunwoo"),
    ("다은", "daeun"),
    ("준서", "junseo"),
    ("윤서", "yunseo"),
    ("우진", "woojin"),
)
EN_FIRST = (
    "Emma",
    "James",
    "Olivia",
    "Liam",
    "Sophie",
    "Noah",
    "Chloe",
    "Daniel",
    "Grace",
    "Lucas",
    "Mia",
    "Ethan",
    "Hannah",
    "Oliver",
    "Isla",
    "Jack",
    "Amelia",
    "Ryan",
    "Zoe",
    "Samuel",
)
EN_LAST = (
    "Wilson",
    "Carter",
    "Brown",
    "Walker",
    "Martin",
    "Bennett",
    "Davies",
    "Hughes",
    "Turner",
    "Meyer",
    "Clarke",
    "Evans",
    "Foster",
    "Harris",
    "Nguyen",
    "Patel",
    "Schmidt",
    "Taylor",
)

# Korean name, English name, postal code, delivery branch, promised days (islands: 3), weight
KR_PLACES = (
    ("서울 강남구", "Gangnam-gu, Seoul", "06236", "서울강남", 2, 9),
    ("서울 마포구", "Mapo-gu, Seoul", "04038", "서울마포", 2, 7),
    ("서울 송파구", "Songpa-gu, Seoul", "05551", "서울송파", 2, 7),
    ("서울 노원구", "Nowon-gu, Seoul", "01695", "서울노원", 2, 5),
    ("서울 용산구", "Yongsan-gu, Seoul", "04386", "서울용산", 2, 4),
    ("부산 해운대구", "Haeundae-gu, Busan", "48094", "부산해운대", 2, 6),
    ("인천 연수구", "Yeonsu-gu, Incheon", "21990", "인천연수", 2, 5),
    ("대구 수성구", "Suseong-gu, Daegu", "42100", "대구수성", 2, 4),
    ("대전 유성구", "Yuseong-gu, Daejeon", "34126", "대전유성", 2, 4),
    ("광주 서구", "Seo-gu, Gwangju", "61947", "광주서구", 2, 3),
    ("울산 남구", "Nam-gu, Ulsan", "44677", "울산남구", 2, 2),
    ("수원 영통구", "Yeongtong-gu, Suwon", "16690", "수원영통", 2, 5),
    ("성남 분당구", "Bundang-gu, Seongnam", "13561", "성남분당", 2, 5),
    ("고양 일산동구", "Ilsandong-gu, Goyang", "10403", "고양일산", 2, 4),
    ("세종", "Sejong", "30151", "세종", 2, 2),
    ("전주 완산구", "Wansan-gu, Jeonju", "55101", "전주완산", 2, 2),
    ("청주 흥덕구", "Heungdeok-gu, Cheongju", "28501", "청주흥덕", 2, 2),
    ("창원 성산구", "Seongsan-gu, Changwon", "51497", "창원성산", 2, 2),
    ("춘천", "Chuncheon", "24341", "춘천", 2, 1),
    ("강릉", "Gangneung", "25474", "강릉", 2, 1),
    ("제주 제주시", "Jeju-si, Jeju", "63122", "제주", 3, 2),
    ("서귀포", "Seogwipo, Jeju", "63565", "서귀포", 3, 1),
    ("울릉군", "Ulleung-gun", "40200", "울릉", 3, 1),
)
KR_ORIGINS = ("경기이천", "경기용인", "경기김포", "경기광주")
KR_HUBS = ("곤지암Hub", "대전Hub", "옥천Hub", "청원Hub", "군포Hub", "부산Hub")
DHL_ORIGINS = (
    "LEIPZIG - GERMANY",
    "HONG KONG - HONG KONG SAR, CHINA",
    "CINCINNATI HUB - USA",
    "TOKYO - JAPAN",
)
# DHL exports to customers abroad: facility, city, postal code, country, time zone
DHL_ABROAD = (
    ("TOKYO - JAPAN", "Tokyo", "150-0002", "JP", "Asia/Tokyo"),
    ("NEW YORK - USA", "New York", "10001", "US", "America/New_York"),
    ("BERLIN - GERMANY", "Berlin", "10115", "DE", "Europe/Berlin"),
    ("SINGAPORE - SINGAPORE", "Singapore", "018956", "SG", "Asia/Singapore"),
    ("LONDON - UNITED KINGDOM", "London", "EC1A 1BB", "GB", "Europe/London"),
)

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


REASON_TEXT = {
    "ko": {
        "sorting_error": "택배사 분류 오류",
        "capacity": "택배 물량 급증",
        "vehicle": "운송 차량 고장",
        "lost": "운송 중 분실",
        "damaged": "운송 중 파손",
        "retailer": "판매자 출고 지연",
        "not_home": "받는 분 부재",
        "wrong_address": "주소 오류",
        "customs": "통관 지연",
        "weather": "기상 악화",
        "force_majeure": "파업으로 인한 배송 중단",
        "no_scan": "택배사 스캔 누락",
        "window_passed": "터미널 적체",
        "estimate_late": "택배사 도착 예정일 변경",
        "unknown": "택배사 사정",
    },
    "en": {
        "sorting_error": "a sorting error at the carrier",
        "capacity": "a surge in parcel volume",
        "vehicle": "a vehicle breakdown",
        "lost": "loss in transit",
        "damaged": "damage in transit",
        "retailer": "late dispatch by the shop",
        "not_home": "nobody being home",
        "wrong_address": "an address problem",
        "customs": "customs clearance",
        "weather": "bad weather",
        "force_majeure": "a strike stopping deliveries",
        "no_scan": "a gap in the carrier's scans",
        "window_passed": "a backlog at the terminal",
        "estimate_late": "a later estimate from the carrier",
        "unknown": "the carrier",
    },
}
ITEMS = {
    "ko": (
        "겨울 코트",
        "생일 선물",
        "유산균",
        "운동화",
        "커피 원두",
        "노트북 거치대",
        "전기밥솥",
        "한우 선물세트",
        "아기 물티슈",
    ),
    "en": (
        "winter coat",
        "birthday present",
        "running shoes",
        "coffee beans",
        "laptop stand",
        "skincare set",
        "rice cooker",
        "phone case",
    ),
}

# Conversations, by language. Placeholders: name, item, tn, order, carrier, date, eta, reason,
# status. Subjects carry the tracking number so a customer's tickets stay apart.
TEXTS = {
    "ko": {
        "open": {
            "late": (
                (
                    "택배가 아직 도착하지 않았어요 ({tn})",
                    "안녕하세요. {date}까지 온다던 주문 상품({item})이 아직 안 왔습니다. "
                    "{carrier} 운송장 {tn}을 조회해 보면 며칠째 그대로예요. "
                    "언제 받을 수 있을까요?",
                ),
                (
                    "배송 지연 문의 ({tn})",
                    "{carrier} {tn} 배송이 너무 늦어지고 있어요. "
                    "{item} 급하게 필요한 건데 확인 부탁드립니다.",
                ),
                (
                    "언제 도착하나요? ({tn})",
                    "주문한 지 일주일이 다 되어 가는데 아직 배송 중으로만 나옵니다. "
                    "운송장 번호는 {tn}입니다.",
                ),
            ),
            "lost": (
                (
                    "택배 분실 문의 ({tn})",
                    "{carrier}에서 운송장 {tn} 상품이 분실되었다는 연락을 받았습니다. "
                    "다시 보내 주시거나 환불 부탁드립니다.",
                ),
            ),
            "damaged": (
                (
                    "상품 파손 연락을 받았어요 ({tn})",
                    "택배사에서 운송 중 상품({item})이 파손되었다고 연락이 왔습니다. "
                    "다시 보내 주실 수 있나요?",
                ),
            ),
            "failed_delivery": (
                (
                    "재배송 요청 ({tn})",
                    "집에 있었는데 부재중으로 처리됐어요. "
                    "저녁 7시 이후에는 꼭 받을 수 있으니 재배송 부탁드립니다.",
                ),
                (
                    "부재중 처리 문의 ({tn})",
                    "초인종 소리도 못 들었는데 미배달로 나옵니다. 문 앞에 두고 가 주셔도 됩니다.",
                ),
            ),
            "wrong_address": (
                (
                    "주소 오류로 배송이 안 됐어요 ({tn})",
                    "주문할 때 동·호수를 빠뜨렸더니 주소 불명으로 나옵니다. "
                    "올바른 주소로 다시 보내 주세요.",
                ),
            ),
            "not_received": (
                (
                    "배달완료인데 받지 못했어요 ({tn})",
                    "조회하면 배달완료로 나오는데 문 앞에도 경비실에도 없습니다. 확인 부탁드려요.",
                ),
            ),
            "pickup_point": (
                (
                    "편의점 보관 상품 수령 문의 ({tn})",
                    "택배가 편의점에 보관 중이라고 하는데 어느 편의점인지 모르겠어요.",
                ),
            ),
            "refund": (
                (
                    "반품 환불 문의 ({tn})",
                    "수취 거부한 상품이 반송되었다고 나오는데 환불은 언제 되나요?",
                ),
            ),
            "where": (
                (
                    "배송 조회 문의 ({tn})",
                    "발송됐다고 하는데 {date}까지 받을 수 있을까요? 선물이라 날짜가 중요해요.",
                ),
            ),
            "not_shipped": (
                (
                    "언제 발송되나요? ({order})",
                    "주문번호 {order} 상품이 아직 상품준비중으로 나옵니다. "
                    "언제 발송되는지 알려 주세요.",
                ),
            ),
            "other": (
                (
                    "배송 문의 ({tn})",
                    "운송장 {tn} 관련해서 문의드립니다. 지금 어떤 상태인지 알려 주세요.",
                ),
            ),
        },
        "proactive": (
            "배송 지연 안내 ({tn})",
            "{name}, {carrier} 운송장 {tn} 택배가 늦어지고 있어 먼저 알려 드립니다. "
            "사유: {reason}. 새 예상 도착: {eta}. 불편을 드려 죄송합니다. "
            "이 메시지에 답장하시면 상담원이 도와 드립니다.",
        ),
        "proactive_reply": (
            "알려 주셔서 감사합니다. 그럼 언제쯤 받을 수 있을까요?",
            "미리 연락 주셔서 다행이네요. 늦어진 만큼 보상이 있나요?",
        ),
        "reply": {
            "late": "{name}, 불편을 드려 죄송합니다. {carrier}에 확인해 보니 "
            "지연 사유는 '{reason}'이며, 지금 예상 도착은 {eta}입니다. "
            "진행 상황을 계속 확인해 알려 드리겠습니다.",
            "lost": "{name}, 정말 죄송합니다. {carrier}에서 분실로 확인되어 "
            "판매처에 같은 상품을 다시 보내도록 요청했습니다. "
            "보상 내용은 따로 안내해 드리겠습니다.",
            "damaged": "{name}, 불편을 드려 죄송합니다. 파손 건은 {carrier}에 "
            "사고 접수했고, 새 상품을 다시 보내 드리겠습니다.",
            "failed_delivery": "{name}, 불편을 드려 죄송합니다. {carrier} 담당 기사님께 "
            "재배송을 요청하고 받으실 수 있는 시간을 전해 두었습니다.",
            "wrong_address": "{name}, 알려 주셔서 감사합니다. {carrier}에 주소 정정을 "
            "요청했고, 반송되면 올바른 주소로 다시 보내 드리겠습니다.",
            "other": "{name}, 문의 감사합니다. {carrier}에 확인해 보니 "
            "지금 '{status}' 상태이고 예상 도착은 {eta}입니다.",
            "general": "{name}, 문의 감사합니다. 요청하신 내용 확인해서 처리해 드리겠습니다.",
        },
        "question": {
            "late": "정확히 확인하려고 합니다. 상품을 받으실 다른 연락처가 있으면 알려 주시겠어요?",
            "lost": "다시 보낼 주소가 주문하신 주소와 같은지 확인 부탁드립니다.",
            "damaged": "파손된 상자와 상품 사진을 이 메시지에 답장으로 보내 주시겠어요?",
            "failed_delivery": "재배송을 원하시는 날짜와 공동현관 출입 방법을 알려 주세요.",
            "wrong_address": "도로명 주소와 동·호수, 우편번호를 정확히 알려 주세요.",
            "other": "주문하신 분 성함과 주문번호를 알려 주시겠어요?",
            "general": "주문하신 분 성함과 주문번호를 알려 주시겠어요?",
        },
        "resolve": {
            "late": "택배가 배달 완료된 것을 확인했습니다. 늦어진 데 대한 보상은 "
            "택배 표준약관에 따라 따로 안내해 드렸습니다. 다시 한번 죄송합니다.",
            "late_moving": "{carrier}에 확인해 보니 택배가 다시 움직이고 있고 "
            "{eta} 도착 예정입니다. 늦어진 데 대한 보상은 "
            "택배 표준약관에 따라 따로 안내해 드렸습니다.",
            "lost": "같은 상품을 새 운송장으로 보냈습니다. "
            "새 운송장 번호는 문자로 보내 드렸습니다.",
            "damaged": "새 상품을 보냈습니다. 파손된 상품은 돌려보내지 않으셔도 됩니다.",
            "failed_delivery": "재배송이 완료된 것을 확인했습니다. 이용해 주셔서 감사합니다.",
            "wrong_address": "올바른 주소로 다시 보냈습니다. 내일 도착할 예정입니다.",
            "other": "요청하신 내용 처리되었습니다. 더 궁금한 점이 있으면 이 링크로 답장해 주세요.",
            "general": "요청하신 내용 처리되었습니다. "
            "더 궁금한 점이 있으면 이 링크로 답장해 주세요.",
        },
        "answer": (
            "네, 주문한 주소 그대로 보내 주시면 됩니다.",
            "사진 보내 드렸습니다. 확인 부탁드려요.",
            "평일 저녁 7시 이후에 집에 있습니다. 공동현관은 경비실을 호출하시면 됩니다.",
            "네, 같은 번호로 연락 주시면 됩니다.",
        ),
        "nudge": (
            "아직도 도착하지 않았어요. 언제쯤 오나요?",
            "답변 기다리고 있습니다. 확인 부탁드려요.",
            "혹시 보상은 어떻게 되나요?",
        ),
        "reopen": "아직 상품을 받지 못했어요. 다시 확인 부탁드립니다.",
        "note": (
            "택배사 고객센터 통화: 터미널 적체로 1~2일 더 늦어질 수 있다고 함.",
            "택배 표준약관 보상 대상. 오퍼 상태 확인할 것.",
            "같은 고객의 두 번째 지연 건. 매니저에게 굿윌 쿠폰 검토 요청.",
            "담당 기사님과 통화함. 내일 오전에 먼저 배송하기로 함.",
        ),
        "no_parcel": (
            "다음 주문 배송지 변경 문의",
            "안녕하세요. 이사를 해서 앞으로는 새 주소로 받고 싶습니다. 어떻게 바꾸나요?",
        ),
        "status": {
            "pending": "주문 접수",
            "info_received": "집화 완료",
            "in_transit": "배송 중",
            "out_for_delivery": "배송 출발",
            "attempt_failed": "배달 실패",
            "available_for_pickup": "보관 중(방문 수령)",
            "delivered": "배달 완료",
            "exception": "배송 문제 발생",
            "returned": "반송",
            "lost": "분실",
        },
    },
    "en": {
        "open": {
            "late": (
                (
                    "My parcel is late ({tn})",
                    "Hi, my {item} was supposed to arrive by {date} but it still hasn't. Tracking "
                    "{tn} with {carrier} hasn't moved for days. When will it arrive?",
                ),
                (
                    "Where is my order? ({tn})",
                    "The {carrier} tracking for {tn} has said 'in transit' for days. "
                    "Could you check what is going on? I need the {item} soon.",
                ),
            ),
            "lost": (
                (
                    "Parcel reported lost ({tn})",
                    "{carrier} told me parcel {tn} was lost. What happens now? I'd like a "
                    "replacement or a refund.",
                ),
            ),
            "damaged": (
                (
                    "Carrier says my parcel was damaged ({tn})",
                    "I got a message that my {item} was damaged in transit. Can you send a "
                    "new one?",
                ),
            ),
            "failed_delivery": (
                (
                    "Please redeliver ({tn})",
                    "The courier marked me as not at home, but I was in all day. Please send it "
                    "again; I'm home after 6 pm.",
                ),
                (
                    "Missed delivery ({tn})",
                    "Tracking says delivery failed, nobody rang. You can leave it at the door.",
                ),
            ),
            "wrong_address": (
                (
                    "Problem with my address ({tn})",
                    "I forgot my apartment number when ordering and the parcel is stuck "
                    "with an address problem. Please send it to the right address.",
                ),
            ),
            "not_received": (
                (
                    "Marked delivered but not received ({tn})",
                    "Tracking says delivered, but there's nothing at my door or with the "
                    "building manager. Can you check?",
                ),
            ),
            "pickup_point": (
                (
                    "Where do I collect my parcel? ({tn})",
                    "Tracking says my parcel is waiting at a pickup point, but which one?",
                ),
            ),
            "refund": (
                (
                    "Refund after refusing the parcel ({tn})",
                    "I refused the parcel and it went back. When do I get my refund?",
                ),
            ),
            "where": (
                (
                    "Will it arrive in time? ({tn})",
                    "It was shipped yesterday. Will it arrive by {date}? It's a present.",
                ),
            ),
            "not_shipped": (
                (
                    "When will my order ship? ({order})",
                    "Order {order} still says 'preparing'. When will it ship?",
                ),
            ),
            "other": (
                (
                    "Question about my parcel ({tn})",
                    "I have a question about parcel {tn}. What is its status?",
                ),
            ),
        },
        "proactive": (
            "Your parcel is delayed ({tn})",
            "Hi {name}, your {carrier} parcel {tn} is delayed because of {reason}. "
            "New estimate: {eta}. We're sorry for the wait; reply here and an agent "
            "will help.",
        ),
        "proactive_reply": (
            "Thanks for telling me. When will it arrive then?",
            "Good to know in advance. Is there any compensation for the delay?",
        ),
        "reply": {
            "late": "Hi {name}, I'm sorry for the wait. I checked with {carrier}: the delay is "
            "due to {reason}, and it is now expected {eta}. I'll keep an eye on it and "
            "update you here.",
            "lost": "Hi {name}, I'm very sorry. {carrier} confirmed the parcel is lost, so I've "
            "asked the shop to send the same item again. I'll follow up about "
            "compensation separately.",
            "damaged": "Hi {name}, sorry about this. I've filed a damage claim with {carrier} and "
            "we'll send you a new one.",
            "failed_delivery": "Hi {name}, sorry for the trouble. I've asked {carrier}'s driver "
            "to try again and passed on when you're home.",
            "wrong_address": "Hi {name}, thanks for letting us know. I've asked {carrier} to "
            "correct the address; if it comes back we'll resend it.",
            "other": "Hi {name}, thanks for asking. {carrier} shows it as '{status}', expected "
            "{eta}.",
            "general": "Hi {name}, thanks for your message. I'll look into it and get back to you.",
        },
        "question": {
            "late": "To check properly: is there another phone number we can give the courier?",
            "lost": "Can you confirm we should resend to the same address as your order?",
            "damaged": "Could you reply with a photo of the box and the item?",
            "failed_delivery": "Which day suits you for redelivery, and how does the courier get "
            "into the building?",
            "wrong_address": "Please send the full street address with apartment number and "
            "postal code.",
            "other": "Could you tell me the name on the order and the order number?",
            "general": "Could you tell me the name on the order and the order number?",
        },
        "resolve": {
            "late": "I can see it has now been delivered. Compensation under the standard parcel "
            "terms has been offered separately. Sorry again for the delay.",
            "late_moving": "{carrier} confirmed it is moving again and expected {eta}. "
            "Compensation under the standard parcel terms has been offered "
            "separately.",
            "lost": "We've sent the same item again with a new tracking number, texted to you.",
            "damaged": "A new item is on its way; no need to send the damaged one back.",
            "failed_delivery": "The redelivery went through. Thanks for your patience.",
            "wrong_address": "We've resent it to the right address; it should arrive tomorrow.",
            "other": "All done. If anything else comes up, just reply to this link.",
            "general": "All done. If anything else comes up, just reply to this link.",
        },
        "answer": (
            "Yes, the same address as the order.",
            "I've sent the photos.",
            "I'm home on weekdays after 7 pm; the building code is at the entrance.",
            "Yes, the same number is fine.",
        ),
        "nudge": (
            "Still nothing. When will it come?",
            "Any update on this, please?",
            "Is there any compensation for this?",
        ),
        "reopen": "I still haven't received it. Could you check again?",
        "note": (
            "Called the carrier: backlog at the terminal, 1-2 more days expected.",
            "Eligible under the standard parcel terms; check the offer status.",
            "Second delay for this customer; asked a manager about a goodwill coupon.",
            "Spoke to the driver: first drop tomorrow morning.",
        ),
        "no_parcel": (
            "Receipt for my last order",
            "Hi, could you send me a receipt for my last order? I need it for my "
            "company's expenses.",
        ),
    },
}

# CSAT, NPS, comment in Korean, comment in English
SURVEY_ANSWERS = (
    (5, 10, "빠르게 처리해 주셔서 감사합니다.", "Quick and friendly, thank you."),
    (4, 8, "", ""),
    (
        2,
        3,
        "보상이 너무 적어요. 일주일이나 늦었는데요.",
        "Too little compensation for a week's delay.",
    ),
    (5, 9, "먼저 연락 주셔서 좋았어요.", "Loved that you told me before I had to ask."),
    (3, 6, "", ""),
    (
        1,
        0,
        "분실된 걸 제가 문의하고 나서야 알았습니다.",
        "Nobody told me it was lost until I asked.",
    ),
    (5, 10, "", ""),
    (
        4,
        7,
        "상담원은 친절했지만 택배는 결국 늦게 왔네요.",
        "Kind agent, but the parcel was still late.",
    ),
    (5, None, "", ""),
    (2, 5, "답변이 하루 넘게 걸렸어요.", "It took more than a day to get an answer."),
    (4, 9, "", ""),
)

# --- plans: what the demo holds, computed from the seed alone ------------------------------------


@dataclass(eq=False)
class CustomerPlan:
    name: str
    email: str
    phone: str
    language: str
    channel: str
    since: datetime
    # How messages address them: Korean, the full name with 고객님; English, the first name.
    address: str
    time_zone: str = "Asia/Seoul"
    abroad: tuple | None = None


@dataclass(eq=False)
class EventPlan:
    stage: str
    at: datetime
    location: str = ""
    reason: str = ""
    message: str = ""
    estimate: tuple[datetime, datetime] | None = None


@dataclass(eq=False)
class MarkPlan:
    """A delay flagged by the promise watch or by an agent rather than by a carrier event."""

    at: datetime
    reason: str
    prediction: tuple[datetime, datetime] | None = None


@dataclass(eq=False)
class ShipmentPlan:
    kind: str
    carrier: str
    tracking_number: str
    order_reference: str
    customer: CustomerPlan
    ordered_at: datetime
    city: str
    postal_code: str
    country: str
    time_zone: str
    service_level: str
    promise_type: str
    fee: Decimal
    order_value: Decimal
    promised_start: datetime
    promised_end: datetime
    events: list[EventPlan]
    marks: list[MarkPlan]
    offers: tuple = ()


@dataclass(eq=False)
class TicketPlan:
    customer: CustomerPlan
    shipment: ShipmentPlan | None
    category: str
    topic: str
    subject: str = ""
    body: str = ""
    created: datetime | None = None
    proactive: bool = False
    priority: int | None = None
    status: str = ""
    variant: str = ""


@dataclass
class DemoResult:
    anchor: datetime
    counts: dict[str, int]
    created: dict[str, int]
    ticket_reference: str
    ticket_link: str


class _Clock:
    """Times relative to the anchor (the start of today); scans never later than just before it."""

    def __init__(self, anchor: datetime, rng: random.Random):
        self.anchor = anchor
        self.rng = rng
        self.limit = anchor - timedelta(minutes=30)

    def at(self, day: int, hour: int, minute: int | None = None) -> datetime:
        if minute is None:
            minute = self.rng.randrange(60)
        return self.anchor + timedelta(days=day, hours=hour, minutes=minute)

    def between(self, day: int, first_hour: int, last_hour: int) -> datetime:
        return self.at(day, self.rng.randint(first_hour, last_hour))

    def day_end(self, day: int) -> datetime:
        return self.at(day, 23, 59)


def _plan_customers(rng: random.Random, clock: _Clock) -> list[CustomerPlan]:
    """120 Korean- and 80 English-speaking customers in Korea, and a few abroad (DHL exports)."""
    customers = []
    for n in range(200):
        if n % 5 < 3:
            family, family_latin = rng.choice(KO_FAMILY)
            given, given_latin = rng.choice(KO_GIVEN)
            name, language, address = family + given, "ko", f"{family + given} 고객님"
            local = f"{given_latin}.{family_latin.lower()}"
            channel = rng.choices([Channel.SMS, Channel.BOTH, Channel.EMAIL], [4, 3, 3])[0]
        else:
            first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
            name, language, address = f"{first} {last}", "en", first
            local = f"{first}.{last}".lower()
            channel = rng.choices([Channel.EMAIL, Channel.BOTH, Channel.SMS], [7, 2, 1])[0]
        phone = f"+8210{rng.randrange(2000, 10000)}{rng.randrange(10000):04d}"
        email = f"{local}{n + 1}@example.{rng.choice(['com', 'net', 'kr'])}"
        if channel == Channel.SMS and rng.random() < 0.5:
            email = ""  # some customers only ever gave a phone number
        elif channel == Channel.EMAIL and rng.random() < 0.3:
            phone = ""
        customers.append(
            CustomerPlan(
                name=name,
                email=email,
                phone=phone,
                language=language,
                channel=channel,
                since=clock.at(-rng.randint(40, 700), rng.randint(8, 23)),
                address=address,
            )
        )
    for n, abroad in enumerate(DHL_ABROAD):
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        customers.append(
            CustomerPlan(
                name=f"{first} {last}",
                email=f"{first}.{last}.{abroad[3]}{n + 1}@example.com".lower(),
                phone="",
                language="en",
                channel=Channel.EMAIL,
                address=first,
                since=clock.at(-rng.randint(40, 400), 12),
                time_zone=abroad[4],
                abroad=abroad,
            )
        )
    return customers


# --- shipments and their tracking histories ------------------------------------------------------

# (reason, scenario, options, offers). Offers name a rule (or a manual kind) and the status the
# offer reached; between them they cover every offer status.
DELAYED = (
    (DelayReason.SORTING_ERROR, "transit_event", {}, (("kr_late", "issued"),)),
    (DelayReason.SORTING_ERROR, "transit_event", {}, (("kr_late", "approved"),)),
    (DelayReason.SORTING_ERROR, "transit_event", {"p": -11}, (("kr_late", "rejected"),)),
    (
        DelayReason.SORTING_ERROR,
        "transit_event",
        {"p": -12, "service": ServiceLevel.EXPRESS, "promise": PromiseType.GUARANTEED},
        (("guarantee", "issued"), ("kr_late", "proposed")),
    ),
    (DelayReason.CAPACITY, "delivered_late", {}, (("kr_late", "accepted"),)),
    (
        DelayReason.CAPACITY,
        "delivered_late",
        {},
        (("kr_late", "accepted"), ("goodwill", "declined")),
    ),
    (
        DelayReason.CAPACITY,
        "transit_event",
        {"promise": PromiseType.NEEDED_BY},
        (("needed_by", "accepted"),),
    ),
    (DelayReason.CAPACITY, "transit_event", {}, ()),
    (DelayReason.CAPACITY, "transit_event", {}, ()),
    (DelayReason.VEHICLE, "transit_event", {"p": -12}, (("kr_late", "proposed"),)),
    (DelayReason.VEHICLE, "transit_event", {}, ()),
    (DelayReason.WEATHER, "island_transit", {}, ()),
    (DelayReason.WEATHER, "island_transit", {}, ()),
    (DelayReason.WEATHER, "delivered_late", {"p": -24, "island": True}, (("goodwill", "expired"),)),
    (DelayReason.CUSTOMS, "customs", {}, ()),
    (DelayReason.CUSTOMS, "customs", {}, ()),
    (DelayReason.CUSTOMS, "customs", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NOT_HOME, "attempts", {}, ()),
    (DelayReason.NO_SCAN, "stalled", {"p": -12}, (("kr_late", "proposed"),)),
    (DelayReason.NO_SCAN, "stalled", {}, (("manual_coupon", "rejected"),)),
    (DelayReason.NO_SCAN, "stalled", {}, ()),
    (DelayReason.WINDOW_PASSED, "delivered_late", {"p": -25}, (("kr_late", "expired"),)),
    (DelayReason.WINDOW_PASSED, "delivered_late", {}, (("kr_late", "issued"),)),
    (DelayReason.WINDOW_PASSED, "transit_window", {}, ()),
    (DelayReason.WINDOW_PASSED, "transit_window", {}, ()),
    (DelayReason.WINDOW_PASSED, "transit_window", {}, ()),
    (DelayReason.ESTIMATE_LATE, "estimate", {"p": -1}, ()),
    (DelayReason.ESTIMATE_LATE, "estimate", {"p": -2}, ()),
    (DelayReason.ESTIMATE_LATE, "estimate", {"p": -1}, ()),
    (DelayReason.LOST, "lost", {}, (("manual_credit", "proposed"),)),
    (DelayReason.LOST, "lost", {}, (("manual_refund", "accepted"),)),
    (DelayReason.DAMAGED, "damaged", {}, (("manual_refund", "issued"),)),
    (DelayReason.RETAILER, "retailer", {"p": -8}, (("goodwill", "accepted"),)),
    (DelayReason.WRONG_ADDRESS, "wrong_address", {}, ()),
    (DelayReason.FORCE_MAJEURE, "transit_event", {}, ()),
)
# Parcels without a delay, besides the delivered ones that make up the rest.
ON_TIME = {
    "pending": 5,
    "info_received": 7,
    "in_transit": 38,
    "out_for_delivery": 12,
    "attempt_failed": 4,
    "pickup_point": 6,
    "refused": 2,
    "abroad": len(DHL_ABROAD),
}
# How many parcels that are fine still get a ticket, by what the customer asks about.
ON_TIME_TICKETS = {
    "delivered": 3,
    "in_transit": 2,
    "attempt_failed": 2,
    "pickup_point": 1,
    "refused": 1,
    "pending": 1,
}
# Where a scenario's parcel stands when nothing went wrong: (pickup day, or None for "random").
_ON_TIME_PICKUP = {
    "in_transit": None,
    "out_for_delivery": -2,
    "attempt_failed": -2,
    "pickup_point": -2,
    "info_received": -1,
    "pending": 0,
}


def _plan_shipments(rng: random.Random, clock: _Clock, customers: list) -> list[ShipmentPlan]:
    scenarios = [(kind, reason, options, offers) for reason, kind, options, offers in DELAYED]
    for kind, count in ON_TIME.items():
        scenarios += [(kind, "", {}, ())] * count
    scenarios += [("delivered", "", {}, ())] * (SHIPMENT_COUNT - len(scenarios))
    rng.shuffle(scenarios)

    at_home = [c for c in customers if c.abroad is None]
    abroad = [c for c in customers if c.abroad is not None]
    # Every customer gets a parcel; the rest go to customers who order again.
    owners = list(at_home)
    rng.shuffle(owners)
    owners += [rng.choice(at_home) for _ in range(len(scenarios) - len(owners))]

    builder = _Builder(rng, clock)
    taken: set[str] = set()
    plans = []
    for index, (kind, reason, options, offers) in enumerate(scenarios):
        customer = abroad.pop() if kind == "abroad" else owners[index]
        carrier = _carrier_for(rng, kind)
        plan = builder.shipment(
            kind=kind, reason=reason, options=options, carrier=carrier, customer=customer
        )
        plan.tracking_number = _tracking_number(rng, carrier, taken)
        plan.order_reference = f"ORD-{240001 + index * 7 + rng.randrange(7)}"
        plan.offers = offers
        plans.append(plan)

    # Carriers recycle tracking numbers: an old delivered CJ parcel shares its number with a
    # current one, told apart by the order reference.
    old = next(
        pl
        for pl in plans
        if pl.carrier == "cj-logistics"
        and pl.kind == "delivered"
        and pl.promised_end < clock.anchor - timedelta(days=25)
    )
    new = next(
        pl for pl in reversed(plans) if pl.carrier == "cj-logistics" and pl.kind == "in_transit"
    )
    new.tracking_number = old.tracking_number
    return plans


def _carrier_for(rng: random.Random, kind: str) -> str:
    if kind in ("customs", "abroad"):
        return "dhl"
    if kind == "stalled":
        return rng.choice(["cj-logistics", "hanjin"])
    if kind == "island_transit":
        return rng.choice(["cj-logistics", "epost"])
    if kind in (
        "delivered",
        "in_transit",
        "out_for_delivery",
        "attempt_failed",
        "pickup_point",
        "info_received",
        "pending",
    ):
        return rng.choices(["cj-logistics", "hanjin", "epost", "dhl"], [40, 22, 23, 15])[0]
    return rng.choices(["cj-logistics", "hanjin", "epost"], [45, 25, 30])[0]


def _tracking_number(rng: random.Random, carrier: str, taken: set) -> str:
    """CJ and Hanjin use 12 digits, the post office 13, DHL Express 10."""
    prefix, digits = {
        "cj-logistics": ("6", 11),
        "hanjin": ("5", 11),
        "epost": ("60", 11),
        "dhl": ("", 10),
    }[carrier]
    while True:
        number = prefix + f"{rng.randrange(10**digits):0{digits}d}"
        if number not in taken:
            taken.add(number)
            return number


class _Builder:
    """One shipment's promise and tracking history for a scenario, in the carrier's own words."""

    def __init__(self, rng: random.Random, clock: _Clock):
        self.rng, self.clock = rng, clock

    def shipment(self, *, kind, reason, options, carrier, customer) -> ShipmentPlan:
        rng = self.rng
        island = options.get("island", kind == "island_transit")
        if kind == "delivered":
            island = None  # any place; islands take longer and are promised a day more
        places = [pl for pl in KR_PLACES if island is None or (pl[4] == 3) == island]
        city_ko, city_en, postal, branch, promise_days, _ = rng.choices(
            places, [pl[5] for pl in places]
        )[0]
        city = city_ko if customer.language == "ko" else city_en
        service = options.get("service", ServiceLevel.STANDARD)
        if carrier == "dhl":
            service = ServiceLevel.EXPRESS
        elif kind == "delivered" and promise_days == 2:
            service = rng.choices(
                [ServiceLevel.STANDARD, ServiceLevel.EXPRESS, ServiceLevel.SAME_DAY], [82, 13, 5]
            )[0]
            if service == ServiceLevel.SAME_DAY and carrier != "cj-logistics":
                service = ServiceLevel.STANDARD
        if service == ServiceLevel.EXPRESS and carrier != "dhl":
            promise_days = 1
        promise = options.get("promise")
        if promise is None:
            promise = PromiseType.ESTIMATED
            if service != ServiceLevel.STANDARD and carrier != "dhl" and rng.random() < 0.5:
                promise = PromiseType.GUARANTEED
            elif kind == "delivered" and rng.random() < 0.05:
                promise = PromiseType.NEEDED_BY
        if carrier == "dhl":
            fee = Decimal(rng.randrange(280, 460) * 100)
            order_value = Decimal(rng.randrange(80, 600) * 1000)
        else:
            fee = Decimal({"cj-logistics": 3000, "hanjin": 3000, "epost": 4000}[carrier])
            fee = {ServiceLevel.EXPRESS: Decimal(5000), ServiceLevel.SAME_DAY: Decimal(6000)}.get(
                service, fee
            )
            order_value = Decimal(rng.randrange(9, 350) * 1000)

        plan = ShipmentPlan(
            kind=kind,
            carrier=carrier,
            tracking_number="",
            order_reference="",
            customer=customer,
            ordered_at=self.clock.anchor,
            city=city,
            postal_code=postal,
            country="KR",
            time_zone="Asia/Seoul",
            service_level=service,
            promise_type=promise,
            fee=fee,
            order_value=order_value,
            promised_start=self.clock.anchor,
            promised_end=self.clock.anchor,
            events=[],
            marks=[],
        )
        if carrier == "dhl":
            self._dhl(plan, kind, options.get("p"), city_ko, city_en)
        else:
            self._korean(
                plan,
                kind,
                reason,
                options.get("p"),
                promise_days,
                branch,
                service == ServiceLevel.SAME_DAY,
                island,
            )
        _in_order(plan.events, self.clock)
        first = plan.events[0]
        plan.ordered_at = first.at - timedelta(
            minutes=5 if first.stage == "pending" else rng.randint(240, 1200)
        )
        return plan

    def _korean(self, plan, kind, reason, p, promise_days, branch, same_day, island):
        rng, c = self.rng, self.clock
        transit = 1
        if kind == "delivered":
            transit = (
                rng.randint(2, 3)
                if island
                else (1 if promise_days == 1 or rng.random() < 0.7 else 2)
            )
        elif kind == "delivered_late":
            transit = promise_days + rng.randint(4, 6)
        if p is None:
            p = {
                "delivered": rng.randint(-33, -2 - transit),
                "in_transit": rng.choice([-1, -2]),
                "refused": rng.randint(-20, -8),
                "transit_event": rng.randint(-11, -6),
                "delivered_late": rng.randint(-25, -9),
                "transit_window": rng.randint(-9, -6),
                "island_transit": rng.randint(-9, -7),
                "stalled": rng.randint(-10, -6),
                "attempts": rng.randint(-8, -5),
                "lost": rng.randint(-25, -14),
                "damaged": rng.randint(-9, -5),
                "wrong_address": rng.randint(-20, -10),
            }.get(kind, _ON_TIME_PICKUP.get(kind))
        # Korean standard parcel terms: without a stated date, 2 days from pickup (3 for islands).
        if same_day:
            plan.promised_start, plan.promised_end = c.at(p, 0, 0), c.day_end(p)
        else:
            plan.promised_start, plan.promised_end = c.at(p + 1, 0, 0), c.day_end(p + promise_days)

        origin, hub = rng.choice(KR_ORIGINS), rng.choice(KR_HUBS)
        E = EventPlan
        if same_day:
            path = [
                E("label", c.between(p, 9, 9), f"{origin} 집배점"),
                E("depart", c.between(p, 11, 11), f"{origin} 터미널"),
                E("arrive", c.between(p, 13, 13), f"{branch} 터미널"),
                E("ofd", c.between(p, 15, 15), branch),
                E("delivered", c.between(p, 18, 20), plan.city),
            ]
        else:
            path = (
                [E("pending", c.between(p - 1, 9, 21), "온라인 쇼핑몰")]
                if rng.random() < 0.35
                else []
            )
            path += [
                E("label", c.between(p, 14, 17), f"{origin} 집배점"),
                E("depart", c.between(p, 19, 21), f"{origin} 터미널"),
            ]
            if rng.random() < 0.5:
                path.append(E("hub", c.between(p + 1, 0, 1), hub))
            path += [
                E("arrive", c.between(p + transit, 3, 5), f"{branch} 터미널"),
                E("ofd", c.between(p + transit, 7, 9), branch),
                E("delivered", c.between(p + transit, 11, 19), plan.city),
            ]
        head = [e for e in path if e.stage in ("pending", "label", "depart")]
        later = c.at(-1, rng.randint(4, 15))
        today_to_tomorrow = (c.at(0, 9, 0), c.at(1, 21, 0))
        prediction = (c.at(p + promise_days + 1, 9, 0), c.day_end(p + promise_days + 2))
        window_mark = MarkPlan(plan.promised_end + WATCH_LAG, DelayReason.WINDOW_PASSED, prediction)

        if kind == "delivered":
            events = path
            if not same_day and rng.random() < 0.25:
                events = [e for e in events if e.stage != "depart"]
        elif kind == "in_transit":
            events = head if p == -1 else _upto(path, "arrive")
        elif kind == "out_for_delivery":
            events = _upto(path, "arrive") + [E("ofd", c.between(-1, 15, 19), branch)]
        elif kind == "attempt_failed":
            events = _upto(path, "ofd") + [E("attempt", c.between(-1, 13, 19), branch)]
        elif kind == "pickup_point":
            events = _upto(path, "ofd") + [
                E("pickup_point", c.between(-1, 13, 19), f"{branch} 편의점")
            ]
        elif kind == "pending":
            events = [
                E("pending", c.between(-1, 8, 13), "온라인 쇼핑몰"),
                E("preparing", c.between(-1, 14, 21), "온라인 쇼핑몰"),
            ]
        elif kind == "info_received":
            events = [
                E("pending", c.between(-1, 8, 11), "온라인 쇼핑몰"),
                E("label", c.between(-1, 14, 18), f"{origin} 집배점"),
            ]
        elif kind == "refused":
            events = _upto(path, "ofd") + [E("refused", c.between(p + transit, 12, 18), branch)]
        elif kind == "transit_event":
            where = (
                rng.choice([h for h in KR_HUBS if h != hub])
                if reason == DelayReason.SORTING_ERROR
                else hub
            )
            events = head + [E("delay", c.between(p + 1, 6, 13), where, reason)]
            days = sorted(rng.sample(range(p + 2, 0), k=min(2, -(p + 2))))
            events += [E("hub", c.between(day, 2, 20), rng.choice(KR_HUBS)) for day in days]
            events[-1].estimate = today_to_tomorrow
            if plan.promise_type == PromiseType.NEEDED_BY:
                events[-1].estimate = (c.at(0, 9, 0), c.day_end(0))
        elif kind == "island_transit":
            port = "포항항" if branch == "울릉" else rng.choice(["목포항", "완도항"])
            events = head + [
                E("delay", c.between(p + 1, 8, 11), port, reason),
                E(
                    "delay",
                    c.between(p + 3, 9, 11),
                    port,
                    reason,
                    "기상 악화로 선박 운항이 계속 중단되고 있습니다",
                ),
                E("hub", later, f"{branch} 터미널", estimate=today_to_tomorrow),
            ]
        elif kind == "delivered_late":
            tail = [e for e in path if e.stage in ("arrive", "ofd", "delivered")]
            tail[0].estimate = (c.at(p + transit, 9, 0), c.day_end(p + transit))
            if reason == DelayReason.WINDOW_PASSED:
                events = head + [E("hub", c.between(p + 1, 1, 2), hub)] + tail
                plan.marks.append(window_mark)
            elif island:
                port = "포항항" if branch == "울릉" else rng.choice(["목포항", "완도항"])
                events = (
                    head
                    + [
                        E("delay", c.between(p + 1, 8, 11), port, reason),
                        E(
                            "delay",
                            c.between(p + 2, 9, 11),
                            port,
                            reason,
                            "기상 악화로 선박 운항이 계속 중단되고 있습니다",
                        ),
                    ]
                    + tail
                )
            else:
                events = head + [E("delay", c.between(p + 1, 6, 13), hub, reason)] + tail
        elif kind == "transit_window":
            events = head + [
                E("hub", c.between(p + 1, 1, 2), hub),
                E("hub", c.between(p + 2, 4, 6), rng.choice(KR_HUBS)),
                E("arrive", later, f"{branch} 터미널", estimate=today_to_tomorrow),
            ]
            plan.marks.append(window_mark)
        elif kind == "stalled":
            # Nothing after the line haul left: the watch flags it once the carrier's
            # no-scan limit passes, before the promised window ends.
            events = head
            plan.marks.append(
                MarkPlan(
                    head[-1].at + timedelta(hours=STALE_HOURS[plan.carrier]) + WATCH_LAG,
                    DelayReason.NO_SCAN,
                    (c.at(0, 9, 0), c.day_end(2)),
                )
            )
        elif kind == "estimate":
            events = head if p == -1 else _upto(path, "arrive")
            events[-1].estimate = (
                c.at(p + promise_days + 1, 9, 0),
                c.at(p + promise_days + 1, 21, 0),
            )
        elif kind == "attempts":
            events = [e for e in _upto(path, "ofd") if e.stage not in ("pending", "hub")] + [
                E("attempt", c.between(p + transit, 14, 19), branch, reason),
                E("ofd", c.between(p + transit + 1, 8, 9), branch),
                E("attempt", c.between(p + transit + 1, 15, 19), branch, reason),
            ]
        elif kind == "lost":
            events = head + [
                E("hub", c.between(p + 1, 1, 3), hub),
                E("lost", c.between(p + 2, 10, 17), hub, reason),
            ]
        elif kind == "damaged":
            events = head + [
                E("hub", c.between(p + 1, 1, 3), hub),
                E("delay", c.between(p + 1, 10, 16), hub, reason),
            ]
        elif kind == "retailer":
            # The shop handed the parcel over days late: an agent flagged it, then it moved.
            events = [
                E("pending", c.between(p - 1, 9, 12), "온라인 쇼핑몰"),
                E(
                    "preparing",
                    c.between(p, 10, 12),
                    "온라인 쇼핑몰",
                    message="판매자가 상품 입고를 기다리고 있습니다",
                ),
                E("label", c.between(-2, 14, 16), f"{origin} 집배점"),
                E("depart", c.between(-2, 19, 21), f"{origin} 터미널"),
                E(
                    "arrive",
                    c.between(-1, 3, 5),
                    f"{branch} 터미널",
                    estimate=(c.at(0, 9, 0), c.day_end(0)),
                ),
            ]
            plan.marks.append(MarkPlan(c.at(p + 2, 11, 0), DelayReason.RETAILER))
        elif kind == "wrong_address":
            events = _upto(path, "ofd") + [
                E("delay", c.between(p + transit, 13, 17), branch, reason),
                E("returned", c.between(p + transit + 3, 10, 15), branch),
            ]
        else:
            raise ValueError(f"no Korean journey for {kind}")
        plan.events = events

    def _dhl(self, plan, kind, p, city_ko, city_en):
        rng, c = self.rng, self.clock
        if plan.customer.abroad:
            local, plan.city, plan.postal_code, plan.country, plan.time_zone = plan.customer.abroad
            origin, gateway = "SEOUL - KOREA, REPUBLIC OF", local
        else:
            origin, gateway = rng.choice(DHL_ORIGINS), "INCHEON - KOREA, REPUBLIC OF"
            town = city_en.split(",")[-1].strip().upper()
            local = f"{town} - KOREA, REPUBLIC OF"
        if p is None:
            p = {
                "delivered": rng.randint(-33, -3),
                "abroad": rng.randint(-30, -4),
                "customs": rng.randint(-10, -6),
                "in_transit": rng.choice([-1, -2]),
                "out_for_delivery": -3,
                "attempt_failed": -3,
                "pickup_point": -3,
                "info_received": -1,
                "pending": 0,
                "refused": rng.randint(-20, -8),
            }[kind]
        plan.promised_start, plan.promised_end = c.at(p + 2, 0, 0), c.day_end(p + 3)
        E = EventPlan
        path = [E("label", c.between(p - 1, 10, 20), origin)] if rng.random() < 0.7 else []
        path += [
            E("pickup", c.between(p, 10, 13), origin),
            E("depart", c.between(p, 20, 22), origin),
            E("gateway", c.between(p + 1, 15, 18), gateway),
            E("cleared", c.between(p + 1, 21, 22), gateway),
            E("arrive", c.between(p + 2, 5, 6), local),
            E("ofd", c.between(p + 2, 8, 9), local),
            E("delivered", c.between(p + 2, 11, 18), plan.city),
        ]
        if kind in ("delivered", "abroad"):
            events = path
        elif kind == "in_transit":
            events = _upto(path, "depart" if p == -1 else "cleared")
        elif kind == "out_for_delivery":
            events = _upto(path, "arrive") + [E("ofd", c.between(-1, 15, 19), local)]
        elif kind in ("attempt_failed", "pickup_point"):
            stage = "attempt" if kind == "attempt_failed" else "pickup_point"
            events = _upto(path, "ofd") + [E(stage, c.between(-1, 13, 19), local)]
        elif kind == "pending":
            events = [
                E("pending", c.between(-1, 8, 14), origin),
                E("preparing", c.between(-1, 15, 21), origin),
            ]
        elif kind == "info_received":
            events = [
                E("pending", c.between(-1, 8, 12), origin),
                E("label", c.between(-1, 14, 20), origin),
            ]
        elif kind == "customs":
            events = _upto(path, "gateway") + [
                E("customs", c.between(p + 1, 21, 22), gateway, DelayReason.CUSTOMS),
                E(
                    "customs",
                    c.between(p + 3, 10, 16),
                    gateway,
                    DelayReason.CUSTOMS,
                    "Awaiting documents and duty payment from the receiver",
                    estimate=(c.at(1, 9, 0), c.at(3, 18, 0)),
                ),
            ]
        elif kind == "refused":
            events = _upto(path, "ofd") + [E("refused", path[-1].at, local)]
        else:
            raise ValueError(f"no DHL journey for {kind}")
        plan.events = events


def _upto(events: list, stage: str) -> list:
    for n, event in enumerate(events):
        if event.stage == stage:
            return events[: n + 1]
    raise ValueError(f"no {stage} in the journey")


def _in_order(events: list, clock: _Clock) -> None:
    """Strictly increasing times, all before the anchor (a scan is never in the future)."""
    previous = None
    for event in events:
        event.at = min(event.at, clock.limit)
        if previous is not None and event.at <= previous:
            event.at = previous + timedelta(minutes=7)
        previous = event.at
    if previous > clock.anchor - timedelta(minutes=10):
        raise ValueError("a demo scan would land after the anchor")


# --- writes: people, carriers, customers, shipments ----------------------------------------------


def _users_ensure() -> dict:
    """The demo logins, given the printed passwords on every run so they always work."""
    user_model = get_user_model()
    users = {}
    for username, first, last, language, role, on_duty in DEMO_USERS:
        user, _ = user_model.objects.get_or_create(username=username)
        user.first_name, user.last_name = first, last
        user.email = f"{username}@delaydesk.example"
        user.preferred_language, user.is_staff, user.is_on_duty = language, True, on_duty
        user.set_password(DEMO_PASSWORDS[username])
        user.save()
        user.groups.add(Group.objects.get(name=role))
        users[username] = user
    return users


def _carriers_ensure(created: dict) -> dict:
    carriers = {}
    for code, name, country, template, stale_hours in CARRIERS:
        carrier, was_created = Carrier.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "country": country,
                "tracking_url_template": template,
                "stale_after_hours": stale_hours,
            },
        )
        if not carrier.webhook_secret:
            # Standard Webhooks form, random on purpose: no two installations share a secret.
            carrier.webhook_secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
            carrier.save(update_fields=["webhook_secret", "updated_at"])
        created["carriers"] += was_created
        carriers[code] = carrier
    return carriers


def _customers_ensure(plans: list, created: dict) -> dict:
    """CustomerPlan → Customer, found by (name, email, phone)."""
    emails = [pl.email for pl in plans if pl.email]
    phones = [pl.phone for pl in plans if not pl.email]
    found = {}
    for row in Customer.objects.filter(Q(email__in=emails) | Q(email="", phone__in=phones)):
        found.setdefault((row.name, row.email, row.phone), row)
    result, fresh = {}, []
    for plan in plans:
        row = found.get((plan.name, plan.email, plan.phone))
        if row is None:
            row = Customer(
                name=plan.name,
                email=plan.email,
                phone=plan.phone,
                language=plan.language,
                time_zone=plan.time_zone,
                channel=plan.channel,
                created_at=plan.since,
            )
            fresh.append(row)
        result[plan] = row
    Customer.objects.bulk_create(fresh, batch_size=500)
    created["customers"] += len(fresh)
    return result


def _shipments_ensure(plans, carriers, customers, clock, created) -> dict:
    """ShipmentPlan → Shipment. A new shipment comes with its whole tracking history."""
    existing = {
        (row.carrier_id, row.tracking_number, row.order_reference): row
        for row in Shipment.objects.select_related("carrier").filter(
            order_reference__in=[pl.order_reference for pl in plans]
        )
    }
    rng = random.Random(f"{SEED}-event-ids")  # noqa: S311 - demo data, not secrets
    taken: dict[str, set] = {code: set() for code in carriers}
    result, fresh, events, revisions = {}, [], [], []
    for plan in plans:
        carrier = carriers[plan.carrier]
        # Drawn for every plan, new or not, so each parcel keeps its event ids.
        ids = [_event_id(rng, plan.carrier, taken[plan.carrier]) for _ in plan.events]
        row = existing.get((carrier.pk, plan.tracking_number, plan.order_reference))
        if row is not None:
            result[plan] = row
            continue
        shipment = Shipment(
            carrier=carrier,
            tracking_number=plan.tracking_number,
            order_reference=plan.order_reference,
            customer=customers[plan.customer],
            service_level=plan.service_level,
            destination_city=plan.city,
            destination_postal_code=plan.postal_code,
            destination_country=plan.country,
            destination_time_zone=plan.time_zone,
            shipping_fee=plan.fee,
            order_value=plan.order_value,
            promise_type=plan.promise_type,
            promised_start=plan.promised_start,
            promised_end=plan.promised_end,
            created_at=plan.ordered_at,
        )
        rows = [
            _event_row(carrier, shipment, plan, event, event_id)
            for event, event_id in zip(plan.events, ids, strict=True)
        ]
        _history_fold(shipment, rows, plan.marks, clock, revisions)
        fresh.append(shipment)
        events += rows
        result[plan] = shipment
    Shipment.objects.bulk_create(fresh, batch_size=500)
    TrackingEvent.objects.bulk_create(events, batch_size=1000)
    EstimateRevision.objects.bulk_create(revisions, batch_size=1000)
    created["shipments"] += len(fresh)
    created["tracking events"] += len(events)
    return result


def _event_id(rng: random.Random, carrier: str, taken: set) -> str:
    while True:
        event_id = (
            f"evt_{rng.getrandbits(64):016x}"
            if carrier == "dhl"
            else str(rng.randrange(10**13, 10**14))
        )
        if event_id not in taken:
            taken.add(event_id)
            return event_id


def _event_row(
    carrier, shipment, plan: ShipmentPlan, event: EventPlan, event_id: str
) -> TrackingEvent:
    raw_status, raw_substatus, status, message = vocabulary(plan.carrier, event.stage, event.reason)
    # Scans reach us one to nine minutes after they happen.
    received = event.at + timedelta(minutes=1 + int(event_id[-6:], 16) % 9)
    return TrackingEvent(
        carrier=carrier,
        shipment=shipment,
        tracking_number=plan.tracking_number,
        carrier_event_id=event_id,
        raw_status=raw_status,
        raw_substatus=raw_substatus,
        status=status,
        delay_reason=event.reason,
        message=(event.message or message)[:300],
        location=event.location,
        occurred_at=event.at,
        received_at=received,
        estimate_start=event.estimate[0] if event.estimate else None,
        estimate_end=event.estimate[1] if event.estimate else None,
        payload={"source": "demo", "tag": raw_status, "subtag": raw_substatus},
    )


def _history_fold(shipment, events, marks, clock, revisions) -> None:
    """Replay the history as it happened: each event folded in when it arrived, and the promise
    watch (or an agent) flagging a delay at its moment, so the shipment ends where live data
    would. At pickup the carrier's estimate is the promised window."""
    timeline = sorted(
        [(event.received_at, 0, event) for event in events]
        + [(mark.at, 1, mark) for mark in marks],
        key=lambda entry: entry[:2],
    )
    for moment, is_mark, item in timeline:
        if is_mark:
            flagged = not shipment.is_final and delay_mark(
                shipment=shipment, reason=item.reason, now=moment
            )
            if flagged and item.prediction:
                shipment.estimate_start, shipment.estimate_end = item.prediction
                shipment.estimate_source = EstimateRevision.Source.PREDICTION
                revisions.append(
                    EstimateRevision(
                        shipment=shipment,
                        estimate_start=item.prediction[0],
                        estimate_end=item.prediction[1],
                        source=EstimateRevision.Source.PREDICTION,
                        reason=f"Predicted after the delay was flagged ({item.reason})",
                        created_at=moment,
                    )
                )
            continue
        if shipment.estimate_end is None and item.status != S.PENDING:
            shipment.estimate_start = shipment.promised_start
            shipment.estimate_end = shipment.promised_end
            shipment.estimate_source = EstimateRevision.Source.CARRIER
            revisions.append(
                EstimateRevision(
                    shipment=shipment,
                    estimate_start=shipment.promised_start,
                    estimate_end=shipment.promised_end,
                    source=EstimateRevision.Source.CARRIER,
                    reason="Carrier's estimate at pickup",
                    created_at=moment,
                )
            )
        history_apply(shipment=shipment, events=[item], now=moment, revisions=revisions, stages=[])
    if shipment.is_delayed and not shipment.is_final:
        # The promise watch re-measures open delays: as of the anchor.
        delay_measure(shipment=shipment, now=clock.anchor)


def _unmatched_ensure(
    rng: random.Random, clock: _Clock, carriers: dict, plans: list, created: dict
) -> None:
    """Events for numbers we do not know (digits swapped at the shop) for agents to resolve."""
    rows = []
    for n, stage in enumerate(("depart", "arrive", "ofd", "delivered", "label", "depart")):
        plan = plans[rng.randrange(len(plans))]
        digits = list(plan.tracking_number)
        i = rng.randrange(len(digits) - 1)
        digits[i], digits[i + 1] = digits[i + 1], digits[i]
        number = "".join(digits)
        if number == plan.tracking_number:
            number = number[:-1] + str((int(number[-1]) + 1) % 10)
        raw_status, raw_substatus, status, message = vocabulary(plan.carrier, stage)
        occurred = min(clock.at(-rng.randint(0, 2), rng.randint(0, 20)), clock.limit)
        rows.append(
            TrackingEvent(
                carrier=carriers[plan.carrier],
                shipment=None,
                tracking_number=number,
                carrier_event_id=f"demo-unmatched-{n + 1:02d}-{number}",
                raw_status=raw_status,
                raw_substatus=raw_substatus,
                status=status,
                message=message,
                occurred_at=occurred,
                received_at=occurred + timedelta(minutes=3),
                payload={"source": "demo"},
            )
        )
    existing = set(
        TrackingEvent.objects.filter(
            carrier_event_id__in=[row.carrier_event_id for row in rows]
        ).values_list("carrier_id", "carrier_event_id")
    )
    fresh = [row for row in rows if (row.carrier_id, row.carrier_event_id) not in existing]
    TrackingEvent.objects.bulk_create(fresh)
    created["tracking events"] += len(fresh)


# --- compensation rules and budgets --------------------------------------------------------------


def _rules_ensure(created: dict) -> dict:
    """The presets, found by name. Korean standard parcel terms: Fair Trade Commission model
    terms for parcel delivery (공정거래위원회 택배표준약관), article 22."""
    no_fault_of_carrier = [Fault.FORCE_MAJEURE, Fault.CONSIGNEE]
    specs = {
        "needed_by": {
            "name": "Korean standard parcel terms — needed on a date",
            "preset": Preset.KR_STANDARD_NEEDED_BY,
            "priority": 5,
            "description": "택배표준약관 제22조: 특정 일시에 쓸 물건(명절 선물 등)이 "
            "늦으면 운임의 200%. Goods needed on a date: 200% of the fare.",
            "min_hours_late": 1,
            "promise_types": [PromiseType.NEEDED_BY],
            "exempt_faults": no_fault_of_carrier,
            "action": ActionKind.FARE_FORMULA,
            "rate": Decimal("2.00"),
            "cap_fare_multiple": Decimal("2.00"),
            "approval_threshold": Decimal("10000"),
        },
        "kr_late": {
            "name": "Korean standard parcel terms — late",
            "preset": Preset.KR_STANDARD_LATE,
            "priority": 10,
            "description": "택배표준약관 제22조: 늦은 날 수 × 운임 × 50%, 운임의 200% 한도. "
            "Days late × fare × 50%, capped at 200% of the fare; e.g. fare "
            "₩3,000, 2 days late → ₩3,000.",
            "min_business_days_late": 1,
            "exempt_faults": no_fault_of_carrier,
            "action": ActionKind.FARE_FORMULA,
            "rate": Decimal("0.50"),
            "cap_fare_multiple": Decimal("2.00"),
            "approval_threshold": Decimal("5000"),
        },
        "guarantee": {
            "name": "Retail guarantee — shipping fee refund",
            "preset": Preset.RETAIL_GUARANTEE,
            "priority": 20,
            "stacking_group": "guarantee",
            "description": "A missed guaranteed date refunds the whole shipping fee.",
            "min_hours_late": 1,
            "promise_types": [PromiseType.GUARANTEED],
            "action": ActionKind.SHIPPING_REFUND,
            "percent": Decimal("100"),
            "approval_threshold": Decimal("10000"),
        },
        "goodwill_1": {
            "name": "Goodwill coupon — a day late",
            "preset": Preset.GOODWILL,
            "priority": 50,
            "stacking_group": "goodwill",
            "description": "₩2,000 off a next order of ₩20,000 or more.",
            "min_hours_late": 24,
            "max_hours_late": 71,
            "max_previous_grants": 2,
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("2000"),
            "coupon_min_order": Decimal("20000"),
            "valid_days": 30,
            "approval_threshold": Decimal("5000"),
        },
        "goodwill": {
            "name": "Goodwill coupon — three days late or more",
            "preset": Preset.GOODWILL,
            "priority": 51,
            "stacking_group": "goodwill",
            "description": "₩5,000 off a next order of ₩30,000 or more.",
            "min_hours_late": 72,
            "max_previous_grants": 2,
            "action": ActionKind.FIXED_COUPON,
            "amount": Decimal("5000"),
            "coupon_min_order": Decimal("30000"),
            "valid_days": 30,
            "approval_threshold": Decimal("5000"),
        },
    }
    rules = {}
    for key, spec in specs.items():
        name = spec.pop("name")
        rule, was_created = CompensationRule.objects.get_or_create(name=name, defaults=spec)
        created["compensation rules"] += was_created
        rules[key] = rule
    return rules


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _budgets_ensure(clock: _Clock, created: dict) -> dict:
    """Last month's and this month's general budget; an offer lands in the one of its date."""
    this_month = _month_start(timezone.localtime(clock.anchor).date())
    last_month = _month_start(this_month - timedelta(days=1))
    budgets = {}
    for start, end in (
        (last_month, this_month - timedelta(days=1)),
        (this_month, _month_start(this_month + timedelta(days=31)) - timedelta(days=1)),
    ):
        budget, was_created = Budget.objects.get_or_create(
            period_start=start,
            currency="KRW",
            carrier=None,
            defaults={
                "name": f"Compensation {start:%Y-%m}",
                "period_end": end,
                "amount": BUDGET_AMOUNT,
            },
        )
        created["budgets"] += was_created
        budgets[start] = budget
    return budgets


def _budgets_settle(budgets: dict) -> None:
    """Reserved = proposed + approved offers; spent = issued + accepted."""
    for budget in budgets.values():
        totals = budget.offers.aggregate(
            reserved=Sum(
                "amount", filter=Q(status__in=[OfferStatus.PROPOSED, OfferStatus.APPROVED])
            ),
            spent=Sum("amount", filter=Q(status__in=[OfferStatus.ISSUED, OfferStatus.ACCEPTED])),
        )
        budget.reserved = totals["reserved"] or Decimal(0)
        budget.spent = totals["spent"] or Decimal(0)
        budget.save(update_fields=["reserved", "spent", "updated_at"])


# --- tickets and surveys -------------------------------------------------------------------------


def _day_text(language: str, moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.month}월 {local.day}일" if language == "ko" else f"{local.day} {local:%b}"


def _window_text(language: str, start: datetime, end: datetime) -> str:
    first, last = _day_text(language, start), _day_text(language, end)
    if first == last:
        return first
    return f"{first}~{last}" if language == "ko" else f"{first} – {last}"


def _fill(template: str, plan: TicketPlan, shipment: Shipment | None, item: str = "") -> str:
    language = plan.customer.language
    values = dict.fromkeys(("order", "tn", "carrier", "date", "eta", "reason", "status"), "")
    values.update(name=plan.customer.address, item=item)
    if shipment is not None:
        values.update(
            order=shipment.order_reference,
            tn=shipment.tracking_number,
            carrier=shipment.carrier.name,
            date=_day_text(language, shipment.promised_end),
            eta=_window_text(
                language,
                shipment.estimate_start or shipment.promised_start,
                shipment.estimate_end or shipment.promised_end,
            ),
            reason=REASON_TEXT[language].get(shipment.delay_reason, ""),
            status=(
                TEXTS["ko"]["status"][shipment.status]
                if language == "ko"
                else str(shipment.get_status_display()).lower()
            ),
        )
    return template.format(**values)


def _plan_tickets(rng: random.Random, clock: _Clock, plans: list, shipments: dict) -> list:
    """About 45 tickets: most on late parcels, some on parcels that are fine, two on none."""
    tickets = []
    proactive_left = 4
    for plan in plans:
        shipment = shipments[plan]
        if not shipment.delay_reason:
            continue
        if shipment.delay_reason == DelayReason.ESTIMATE_LATE and rng.random() < 0.5:
            continue
        proactive = proactive_left > 0 and shipment.is_delayed and rng.random() < 0.25
        proactive_left -= proactive
        lag = (
            timedelta(minutes=rng.randint(5, 40))
            if proactive
            else timedelta(hours=rng.randint(2, 30))
        )
        category = {
            DelayReason.LOST: TicketCategory.LOST,
            DelayReason.DAMAGED: TicketCategory.DAMAGED,
            DelayReason.NOT_HOME: TicketCategory.FAILED_DELIVERY,
            DelayReason.WRONG_ADDRESS: TicketCategory.WRONG_ADDRESS,
        }.get(shipment.delay_reason, TicketCategory.LATE)
        tickets.append(
            TicketPlan(
                customer=plan.customer,
                shipment=plan,
                category=category,
                topic=category,
                created=shipment.delay_detected_at + lag,
                proactive=proactive,
            )
        )
    wanted = dict(ON_TIME_TICKETS)
    topics = {
        "delivered": ("not_received", TicketCategory.LOST),
        "in_transit": ("where", TicketCategory.OTHER),
        "attempt_failed": ("failed_delivery", TicketCategory.FAILED_DELIVERY),
        "pickup_point": ("pickup_point", TicketCategory.OTHER),
        "refused": ("refund", TicketCategory.OTHER),
        "pending": ("not_shipped", TicketCategory.LATE),
    }
    for plan in plans:
        shipment = shipments[plan]
        if shipment.delay_reason or not wanted.get(plan.kind):
            continue
        wanted[plan.kind] -= 1
        topic, category = topics[plan.kind]
        tickets.append(
            TicketPlan(
                customer=plan.customer,
                shipment=plan,
                category=category,
                topic=topic,
                created=shipment.last_event_at + timedelta(hours=rng.randint(1, 12)),
            )
        )
    for language in ("ko", "en"):
        customer = next(
            pl.customer
            for pl in plans
            if pl.customer.language == language and pl.customer.abroad is None
        )
        tickets.append(
            TicketPlan(
                customer=customer,
                shipment=None,
                category=TicketCategory.OTHER,
                topic="no_parcel",
                created=clock.at(-rng.randint(2, 20), rng.randint(9, 21)),
            )
        )
    for ticket in tickets:
        texts = TEXTS[ticket.customer.language]
        shipment = shipments[ticket.shipment] if ticket.shipment else None
        item = rng.choice(ITEMS[ticket.customer.language])
        if ticket.proactive:
            subject, body = texts["proactive"]
        elif ticket.topic == "no_parcel":
            subject, body = texts["no_parcel"]
        else:
            subject, body = rng.choice(texts["open"][ticket.topic])
        ticket.subject = _fill(subject, ticket, shipment, item)
        ticket.body = _fill(body, ticket, shipment, item)
        if ticket.shipment and ticket.shipment.promise_type == PromiseType.NEEDED_BY:
            ticket.priority = TicketPriority.URGENT
        elif ticket.proactive and shipment.delay_reason in (DelayReason.LOST, DelayReason.CUSTOMS):
            ticket.priority = TicketPriority.HIGH
        ticket.created = min(ticket.created, clock.anchor - timedelta(hours=1))
    _statuses_assign(rng, clock, tickets)
    return tickets


def _statuses_assign(rng: random.Random, clock: _Clock, tickets: list) -> None:
    """Older tickets are further along: closed, resolved, waiting, open, and the newest new."""
    tickets.sort(key=lambda t: t.created)
    bands = (
        [TicketStatus.CLOSED] * 11
        + [TicketStatus.RESOLVED] * 9
        + [TicketStatus.PENDING_CUSTOMER] * 7
        + [TicketStatus.OPEN] * 10
    )
    bands += [TicketStatus.NEW] * (len(tickets) - len(bands))
    for ticket, status in zip(tickets, bands, strict=True):
        ticket.status = status
        if status == TicketStatus.NEW:
            ticket.created = max(
                ticket.created, clock.anchor - timedelta(minutes=rng.randint(40, 540))
            )
    open_tickets = [t for t in tickets if t.status == TicketStatus.OPEN]
    open_tickets[0].variant = "reopened"
    open_tickets[1].variant = "answered"


def _ticket_steps(rng: random.Random, plan: TicketPlan, handler) -> list:
    """(minutes after the previous step, kind, payload) that bring a ticket to its status."""
    T = TicketStatus
    texts = TEXTS[plan.customer.language]
    topic = (
        "general"
        if plan.shipment is None
        else plan.category
        if plan.category in texts["reply"]
        else "other"
    )
    steps = []
    if plan.status == T.NEW:
        if handler.username == "agent" and rng.random() < 0.4:
            steps.append((rng.randint(2, 20), "assign", None))
        if not plan.proactive and rng.random() < 0.3:
            steps.append((rng.randint(60, 240), "customer", rng.choice(texts["nudge"])))
        return steps
    steps.append((rng.randint(5, 40), "assign", None))
    if plan.proactive:
        steps.append((rng.randint(30, 400), "customer", rng.choice(texts["proactive_reply"])))
    steps.append((rng.randint(10, 90), "status", (T.OPEN, "")))
    asks = (
        plan.status == T.PENDING_CUSTOMER
        or plan.variant == "answered"
        or (plan.status in (T.RESOLVED, T.CLOSED) and rng.random() < 0.4)
    )
    if asks:
        steps.append((rng.randint(5, 40), "agent", texts["question"][topic]))
        steps.append((rng.randint(1, 3), "status", (T.PENDING_CUSTOMER, "")))
        if plan.status == T.PENDING_CUSTOMER:
            return steps
        steps.append((rng.randint(90, 1200), "customer", rng.choice(texts["answer"])))
        steps.append((rng.randint(1, 5), "status", (T.OPEN, "The customer answered")))
        if plan.variant == "answered":
            steps.append((rng.randint(20, 200), "note", rng.choice(texts["note"])))
            return steps
    steps.append((rng.randint(5, 60), "agent", texts["reply"][topic]))
    if rng.random() < 0.5:
        steps.append((rng.randint(10, 120), "note", rng.choice(texts["note"])))
    if plan.status == T.OPEN and plan.variant != "reopened":
        if rng.random() < 0.5:
            steps.append((rng.randint(60, 600), "customer", rng.choice(texts["nudge"])))
        return steps
    steps.append((rng.randint(120, 2400), "resolve", topic))
    steps.append((rng.randint(1, 10), "status", (T.RESOLVED, "")))
    if plan.variant == "reopened":
        steps.append((rng.randint(600, 2000), "customer", texts["reopen"]))
        steps.append((1, "status", (T.OPEN, "Reopened by the customer's reply")))
        steps.append((rng.randint(20, 120), "note", rng.choice(texts["note"])))
    elif plan.status == T.CLOSED:
        steps.append((3 * 24 * 60, "status", (T.CLOSED, "Closed after resolution")))
    return steps


def _tickets_ensure(rng, clock, plans, shipments, customers, users, created):
    """Open the tickets and move them along through the ticket services, at their past times.

    Returns the plans, plan → Ticket, the ticket whose link is printed, its token if it was
    opened in this run, and (ticket, first resolution time) pairs for the surveys.
    """
    tickets = _plan_tickets(rng, clock, plans, shipments)
    existing = {
        (row.customer_id, row.subject): row
        for row in Ticket.objects.filter(
            customer_id__in={customers[t.customer].pk for t in tickets}
        )
    }
    agent, manager = users["agent"], users["manager"]
    link_plan = _link_ticket_choose(tickets, shipments)
    rows, token, surveys_for, touched = {}, "", [], []
    for plan in tickets:
        # Drawn for every ticket, new or not, so each keeps its conversation.
        handler = agent if rng.random() < 0.7 else manager
        steps = _ticket_steps(rng, plan, handler)
        customer = customers[plan.customer]
        row = existing.get((customer.pk, plan.subject[:200]))
        if row is not None:
            rows[plan] = row
            continue
        shipment = shipments[plan.shipment] if plan.shipment else None
        ticket, plan_token = ticket_open(
            customer=customer,
            category=plan.category,
            subject=plan.subject,
            body=plan.body,
            shipment=shipment,
            priority=plan.priority,
            is_proactive=plan.proactive,
            now=plan.created,
        )
        last, resolved_at = _ticket_play(ticket, plan, shipment, steps, handler, users, clock)
        touched.append(Ticket(pk=ticket.pk, updated_at=last))
        rows[plan] = ticket
        created["tickets"] += 1
        if resolved_at:
            surveys_for.append((ticket, resolved_at))
        if plan is link_plan:
            token = plan_token
    Ticket.objects.bulk_update(touched, ["updated_at"], batch_size=200)
    return tickets, rows, rows[link_plan], token, surveys_for


def _link_ticket_choose(tickets: list, shipments: dict) -> TicketPlan:
    """An open Korean customer's ticket on a delayed parcel, with a conversation going."""

    def fits(plan, *, strict):
        shipment = shipments[plan.shipment] if plan.shipment else None
        return (
            plan.status == TicketStatus.OPEN
            and shipment is not None
            and shipment.is_delayed
            and (
                not strict
                or (not plan.variant and not plan.proactive and plan.customer.language == "ko")
            )
        )

    return next(
        (t for t in tickets if fits(t, strict=True)),
        next((t for t in tickets if fits(t, strict=False)), tickets[-1]),
    )


def _ticket_play(ticket, plan, shipment, steps, handler, users, clock):
    """Run the steps, squeezed if need be so that the last one lands before the anchor."""
    limit = clock.anchor - timedelta(minutes=10)
    total = sum(minutes for minutes, _, _ in steps)
    room = (limit - plan.created).total_seconds() / 60
    scale = min(1.0, room / total) if total else 1.0
    moment, resolved_at = plan.created, None
    for minutes, kind, payload in steps:
        moment = min(moment + timedelta(minutes=max(1, int(minutes * scale))), limit)
        if kind == "assign":
            Ticket.objects.filter(pk=ticket.pk).update(assignee=handler)
            # Agents on duty are dealt tickets round-robin; a manager takes one themselves.
            by_rotation = handler == users["agent"]
            TicketEvent.objects.create(
                ticket=ticket,
                kind=TicketEventKind.ASSIGNED,
                actor=None if by_rotation else handler,
                to_value=handler.username,
                note="Round-robin to an agent on duty" if by_rotation else "",
                created_at=moment,
            )
        elif kind == "status":
            to_status, note = payload
            # A note marks a move nobody made by hand: the customer's reply or the clock.
            ticket = ticket_transition(
                ticket=ticket,
                to_status=to_status,
                actor=None if note else handler,
                note=note,
                now=moment,
            )
            if to_status == TicketStatus.RESOLVED and resolved_at is None:
                resolved_at = moment
        elif kind == "customer":
            ticket_reply(
                ticket=ticket, body=payload, author_kind=MessageAuthor.CUSTOMER, now=moment
            )
        else:
            if kind == "resolve":
                # A late parcel's ticket is closed off differently once it has arrived.
                arrived = (
                    shipment is not None
                    and shipment.delivered_at is not None
                    and shipment.delivered_at < moment
                )
                topic = "late_moving" if payload == "late" and not arrived else payload
                payload = TEXTS[plan.customer.language]["resolve"][topic]
            ticket_reply(
                ticket=ticket,
                body=_fill(payload, plan, shipment),
                author_kind=MessageAuthor.AGENT,
                author=handler,
                is_internal=kind == "note",
                now=moment,
            )
    return moment, resolved_at


def _surveys_create(rng: random.Random, clock: _Clock, surveys_for: list, created: dict) -> None:
    """One survey per resolved ticket, sent two hours after resolution; most answered."""
    limit = clock.anchor - timedelta(minutes=5)
    surveys, responses = [], []
    for n, (ticket, resolved_at) in enumerate(surveys_for):
        scheduled = resolved_at + SURVEY_DELAY
        sent = scheduled if scheduled < limit else None
        answered = None
        if sent and n % 6 != 5:
            answered = sent + timedelta(minutes=rng.randint(8, 1800))
            answered = answered if answered < limit else None
        survey = Survey(
            ticket=ticket,
            nonce=secrets.token_urlsafe(24),
            language=ticket.language,
            scheduled_for=scheduled,
            sent_at=sent,
            expires_at=scheduled + SURVEY_VALID,
            answered_at=answered,
            created_at=resolved_at,
        )
        surveys.append(survey)
        if answered:
            csat, nps, comment_ko, comment_en = SURVEY_ANSWERS[n % len(SURVEY_ANSWERS)]
            responses.append(
                SurveyResponse(
                    survey=survey,
                    csat=csat,
                    nps=nps,
                    created_at=answered,
                    comment=comment_ko if ticket.language == "ko" else comment_en,
                )
            )
    Survey.objects.bulk_create(surveys)
    SurveyResponse.objects.bulk_create(responses)
    created["surveys"] += len(surveys)


# --- offers --------------------------------------------------------------------------------------


def _offer_terms(spec: str, shipment: Shipment, rules: dict, language: str) -> tuple:
    """(rule or None, kind, amount, stacking group, manual reason, explanation) of an offer."""
    fee, currency, days = shipment.shipping_fee, shipment.currency, shipment.delay_business_days
    ko = language == "ko"

    def won(amount):
        return money_format(amount, currency)

    if spec in ("kr_late", "needed_by"):
        rule = rules[spec]
        raw = fee * rule.rate * (days if spec == "kr_late" else 1)
        cap = fee * rule.cap_fare_multiple
        amount = min(raw, cap).quantize(Decimal(1))
        if spec == "needed_by":
            text_ko = f"지정일 배송 실패: 운임 {won(fee)} × 200% = {won(amount)} (택배 표준약관)"
            text_en = (
                f"Missed the date you needed it by: {won(fee)} × 200% = {won(amount)} "
                f"(standard parcel terms)"
            )
        elif raw > cap:
            text_ko = (
                f"{days}일 지연 × 운임 {won(fee)} × 50% = {won(raw)} "
                f"→ 운임의 200% 한도 {won(cap)} (택배 표준약관)"
            )
            text_en = (
                f"{days} days late × {won(fee)} × 50% = {won(raw)}, capped at 200% of "
                f"the fare: {won(cap)} (standard parcel terms)"
            )
        else:
            text_ko = f"{days}일 지연 × 운임 {won(fee)} × 50% = {won(amount)} (택배 표준약관)"
            text_en = f"{days} days late × {won(fee)} × 50% = {won(amount)} (standard parcel terms)"
        return rule, rule.action, amount, rule.stacking_group, "", text_ko if ko else text_en
    if spec == "guarantee":
        rule = rules["guarantee"]
        text = (
            f"보장된 도착일을 지키지 못해 배송비 {won(fee)}을 모두 돌려드립니다"
            if ko
            else f"Guaranteed date missed: the shipping fee of {won(fee)} is refunded in full"
        )
        return rule, rule.action, fee, rule.stacking_group, "", text
    if spec == "goodwill":
        rule = rules["goodwill" if shipment.delay_hours >= 72 else "goodwill_1"]
        late = max(1, shipment.delay_hours // 24)
        coupon, minimum = won(rule.amount), won(rule.coupon_min_order)
        text = (
            f"배송이 {late}일 늦어진 데 대한 사과로 다음 주문에 쓰실 수 있는 "
            f"{coupon} 쿠폰을 드립니다 ({minimum} 이상 주문 시)"
            if ko
            else f"A {coupon} coupon for your next order (from {minimum}), to say sorry "
            f"for the {late}-day delay"
        )
        return rule, rule.action, rule.amount, rule.stacking_group, "", text
    kind, amount, group, reason, text_ko, text_en = {
        "manual_coupon": (
            ActionKind.FIXED_COUPON,
            Decimal("10000"),
            "goodwill",
            "Regular customer, third late parcel this year",
            "불편을 드려 죄송합니다. 다음 주문에 쓰실 수 있는 ₩10,000 쿠폰을 드립니다",
            "We're sorry: a ₩10,000 coupon for your next order",
        ),
        "manual_credit": (
            ActionKind.STORE_CREDIT,
            Decimal("20000"),
            "delay",
            "Lost parcel: the shop resends the item; credit for two weeks of waiting",
            "분실된 상품은 다시 보내 드리고, 기다리신 데 대한 사과로 적립금 ₩20,000을 드립니다",
            "We resend the lost item and add ₩20,000 store credit for the wait",
        ),
        "manual_refund": (
            ActionKind.SHIPPING_REFUND,
            fee,
            "delay",
            "The carrier confirmed the loss or damage; refund the fare on top of the replacement",
            f"상품을 다시 보내 드리고 배송비 {won(fee)}을 돌려드립니다",
            f"We send a replacement and refund the shipping fee of {won(fee)}",
        ),
    }[spec]
    return None, kind, amount, group, reason, text_ko if ko else text_en


def _offers_ensure(
    rng, clock, plans, shipments, ticket_plans, ticket_rows, rules, budgets, users, created
) -> None:
    """Offers in every status with their audit trail, and vouchers for those issued."""
    agent, manager = users["agent"], users["manager"]
    ticket_of = {}
    for plan in ticket_plans:
        if plan.shipment is not None:
            ticket_of.setdefault(plan.shipment, ticket_rows[plan])
    wanted = [(plan, spec, status) for plan in plans for spec, status in plan.offers]
    existing = set(
        Offer.objects.filter(
            shipment_id__in=[shipments[plan].pk for plan, _, _ in wanted]
        ).values_list("shipment_id", "stacking_group", "kind", "status")
    )
    limit = clock.anchor - timedelta(minutes=10)
    offers, events, vouchers = [], [], []
    for plan, spec, status in wanted:
        decision_minutes, answer_minutes = rng.randint(60, 240), rng.randint(180, 2400)
        shipment = shipments[plan]
        rule, kind, amount, group, manual_reason, text = _offer_terms(
            spec, shipment, rules, plan.customer.language
        )
        if (shipment.pk, group, kind, status) in existing:
            continue
        proposer = agent if manual_reason else None
        # Four eyes: manual offers and those above the rule's threshold wait for a manager.
        approver = manager if proposer or amount > rule.approval_threshold else None
        start = max(
            shipment.delay_detected_at + timedelta(minutes=30),
            shipment.promised_end + timedelta(hours=26),
        )
        start = min(start, clock.anchor - timedelta(hours=8)) + timedelta(
            hours=1 if group == "goodwill" else 0
        )
        decided = start + timedelta(minutes=decision_minutes if approver else 0)
        issued = decided + timedelta(minutes=5)
        answered = min(issued + timedelta(minutes=answer_minutes), limit)
        offer = Offer(
            shipment=shipment,
            ticket=ticket_of.get(plan),
            rule=rule,
            rule_version=rule.version if rule else None,
            budget=budgets[_month_start(timezone.localtime(start).date())],
            stacking_group=group,
            kind=kind,
            currency=shipment.currency,
            amount=amount,
            explanation=text,
            status=status,
            proposed_by=proposer,
            manual_reason=manual_reason,
            created_at=start,
            expires_at=start + timedelta(days=OFFER_ANSWER_DAYS),
        )
        history = [
            (
                start,
                proposer,
                "",
                OfferStatus.PROPOSED,
                manual_reason or f"Rule: {rule.name} (v{rule.version})",
            )
        ]
        if status == OfferStatus.REJECTED:
            offer.decided_by, offer.decided_at = manager, decided
            offer.decision_reason = (
                "The standard-terms offer already covers this delay."
                if proposer
                else "The customer already got a replacement by express; no further amends."
            )
            history.append((decided, manager, OfferStatus.PROPOSED, status, offer.decision_reason))
        elif status != OfferStatus.PROPOSED:
            offer.decided_by, offer.decided_at = approver, decided
            offer.decision_reason = (
                "Approved" if approver else "Approved automatically: within the rule's threshold"
            )
            history.append(
                (
                    decided,
                    approver,
                    OfferStatus.PROPOSED,
                    OfferStatus.APPROVED,
                    offer.decision_reason,
                )
            )
        if status in (
            OfferStatus.ISSUED,
            OfferStatus.ACCEPTED,
            OfferStatus.DECLINED,
            OfferStatus.EXPIRED,
        ):
            offer.issued_at = issued
            offer.expires_at = issued + timedelta(days=OFFER_ANSWER_DAYS)
            history.append(
                (
                    issued,
                    None,
                    OfferStatus.APPROVED,
                    OfferStatus.ISSUED,
                    "Offered on the ticket page and by email",
                )
            )
        if status in (OfferStatus.ISSUED, OfferStatus.ACCEPTED):
            redeemed = answered + timedelta(days=2)
            vouchers.append(
                Voucher(
                    offer=offer,
                    code=reference_generate("DDV-", 12),
                    created_at=issued,
                    redeemed_at=redeemed
                    if status == OfferStatus.ACCEPTED and redeemed < limit
                    else None,
                )
            )
        if status in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
            offer.responded_at = answered
            history.append(
                (
                    answered,
                    None,
                    OfferStatus.ISSUED,
                    status,
                    f"{OfferStatus(status).label} by the customer",
                )
            )
        elif status == OfferStatus.EXPIRED:
            if offer.expires_at >= clock.anchor:
                raise ValueError("an expired demo offer must be past its answer date")
            history.append(
                (offer.expires_at, None, OfferStatus.ISSUED, status, "Not answered in time")
            )
        offers.append(offer)
        events += [
            OfferEvent(
                offer=offer,
                actor=actor,
                from_status=before,
                to_status=after,
                note=note[:500],
                created_at=moment,
            )
            for moment, actor, before, after, note in history
        ]
    Offer.objects.bulk_create(offers)
    OfferEvent.objects.bulk_create(events)
    Voucher.objects.bulk_create(vouchers)
    created["offers"] += len(offers)


# --- the whole seed ------------------------------------------------------------------------------


def demo_anchor() -> datetime:
    """The start of today in the site's time zone: the demo is laid out relative to it."""
    return timezone.make_aware(datetime.combine(timezone.localdate(), time.min))


def demo_counts() -> dict[str, int]:
    return {
        "carriers": Carrier.objects.count(),
        "customers": Customer.objects.count(),
        "shipments": Shipment.objects.count(),
        "delayed now": Shipment.objects.filter(is_delayed=True).count(),
        "tracking events": TrackingEvent.objects.count(),
        "unmatched events": TrackingEvent.objects.filter(shipment__isnull=True).count(),
        "tickets": Ticket.objects.count(),
        "compensation rules": CompensationRule.objects.count(),
        "offers": Offer.objects.count(),
        "budgets": Budget.objects.count(),
        "surveys": Survey.objects.count(),
        "survey answers": SurveyResponse.objects.count(),
    }


def _rng(part: str) -> random.Random:
    # One generator per part, so changing one part leaves the others' data as it was.
    return random.Random(f"{SEED}-{part}")  # noqa: S311 - demo data, not secrets


@transaction.atomic
def demo_seed(*, anchor: datetime | None = None) -> DemoResult:
    """Write whatever part of the demo data is missing, then hand out the demo ticket's link.

    Side effects: creates rows in every app. Existing rows are left alone except that the demo
    users get their published passwords back, carriers without a webhook secret get one, and the
    budgets' reserved/spent are recomputed from their offers. Only a token's hash is stored, so
    from the second run on the demo ticket's link is re-issued: the link printed before stops
    working (and the ticket's timeline records the re-issue).
    """
    anchor = anchor or demo_anchor()
    created = dict.fromkeys(
        (
            "carriers",
            "customers",
            "shipments",
            "tracking events",
            "tickets",
            "compensation rules",
            "budgets",
            "offers",
            "surveys",
        ),
        0,
    )
    clock = _Clock(anchor, _rng("times"))
    customer_plans = _plan_customers(_rng("customers"), clock)
    plans = _plan_shipments(_rng("shipments"), clock, customer_plans)

    users = _users_ensure()
    carriers = _carriers_ensure(created)
    customers = _customers_ensure(customer_plans, created)
    shipments = _shipments_ensure(plans, carriers, customers, clock, created)
    _unmatched_ensure(_rng("unmatched"), clock, carriers, plans, created)
    rules = _rules_ensure(created)
    budgets = _budgets_ensure(clock, created)
    ticket_plans, ticket_rows, link_ticket, token, surveys_for = _tickets_ensure(
        _rng("tickets"), clock, plans, shipments, customers, users, created
    )
    _surveys_create(_rng("surveys"), clock, surveys_for, created)
    _offers_ensure(
        _rng("offers"),
        clock,
        plans,
        shipments,
        ticket_plans,
        ticket_rows,
        rules,
        budgets,
        users,
        created,
    )
    _budgets_settle(budgets)

    if not token:
        token = ticket_link_reissue(ticket=link_ticket, actor=None)
    site = settings.DELAYDESK["SITE_URL"].rstrip("/")
    return DemoResult(
        anchor=anchor,
        counts=demo_counts(),
        created=created,
        ticket_reference=link_ticket.reference,
        ticket_link=f"{site}/t/{token}/",
    )
