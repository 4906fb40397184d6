"""The desk's own demo content: macros and saved queue views, in both languages."""

from apps.tickets.models import TicketPriority, TicketStatus

URGENT = TicketPriority.URGENT
RESOLVED, WAITING = TicketStatus.RESOLVED, TicketStatus.PENDING_CUSTOMER

# (category, set_status, set_priority, assign, {language: (name, body)})
MACROS = (
    (
        "late",
        RESOLVED,
        None,
        "keep",
        {
            "en": (
                "Late parcel: apologise, share new estimate, resolve",
                "Hello {customer_name},\n\nWe're sorry your parcel {tracking_number} is late. "
                "{carrier} gives this reason: {delay_reason}. New estimate: {new_estimate}.\n\n"
                "We'll keep an eye on it, and if the delay entitles you to compensation we will "
                "offer it on your ticket. We're closing this ticket for now; simply reply if it "
                "has not arrived by then and it reopens.\n\nKind regards,\n"
                "Delay Desk customer care",
            ),
            "ko": (
                "배송 지연: 사과, 새 예정일 안내, 해결",
                "{customer_name} 고객님, 안녕하세요.\n\n택배({tracking_number})가 늦어져 정말 "
                "죄송합니다. {carrier}에서 알려 온 사유는 '{delay_reason}'입니다. 새 도착 "
                "예정일: {new_estimate}\n\n계속 지켜보다가 보상 대상이 되면 문의 페이지에서 "
                "안내해 드리겠습니다. 이 문의는 우선 해결로 처리하며, 그때까지 받지 못하시면 "
                "답장만 주세요. 문의가 다시 열립니다.\n\n감사합니다.",
            ),
        },
    ),
    (
        "damaged",
        WAITING,
        None,
        "me",
        {
            "en": (
                "Ask for photos of the damage (wait for customer)",
                "Hello {customer_name},\n\nWe're sorry your parcel arrived damaged. Could you "
                "reply with a photo of the box and one of the item? With those we can file the "
                "claim with {carrier} and send a replacement or refund straight away.\n\n"
                "Kind regards,\nDelay Desk customer care",
            ),
            "ko": (
                "파손 사진 요청 (고객 답변 대기)",
                "{customer_name} 고객님, 안녕하세요.\n\n택배가 파손된 채 도착해 불편을 드려 "
                "죄송합니다. 상자 사진과 상품 사진을 한 장씩 답장으로 보내 주시겠어요? 사진을 "
                "받는 대로 {carrier}에 배상을 청구하고 교환이나 환불을 바로 진행하겠습니다."
                "\n\n감사합니다.",
            ),
        },
    ),
    (
        "lost",
        "",
        URGENT,
        "me",
        {
            "en": (
                "Escalate lost parcel to urgent",
                "Hello {customer_name},\n\nWe have escalated your missing parcel "
                "{tracking_number} to our urgent team and asked {carrier} for a trace. You will "
                "hear from us within one working day, with the parcel found or a replacement "
                "on its way.\n\nKind regards,\nDelay Desk customer care",
            ),
            "ko": (
                "분실 택배 긴급 처리",
                "{customer_name} 고객님, 안녕하세요.\n\n찾지 못하고 있는 택배"
                "({tracking_number})를 긴급 건으로 올리고 {carrier}에 추적 조사를 요청했습니다. "
                "영업일 하루 안에 택배를 찾았는지, 아니면 새 상품을 보내 드리는지 알려 "
                "드리겠습니다.\n\n감사합니다.",
            ),
        },
    ),
    (
        "wrong_address",
        WAITING,
        None,
        "me",
        {
            "en": (
                "Ask for the full address (wait for customer)",
                "Hello {customer_name},\n\n{carrier} could not match the address of parcel "
                "{tracking_number}. Could you reply with your full address, including the "
                "building and apartment number, and a phone number the driver can call?\n\n"
                "Kind regards,\nDelay Desk customer care",
            ),
            "ko": (
                "정확한 주소 요청 (고객 답변 대기)",
                "{customer_name} 고객님, 안녕하세요.\n\n{carrier}에서 택배({tracking_number})의 "
                "주소를 확인하지 못했습니다. 동·호수까지 포함한 정확한 주소와 기사님이 연락드릴 "
                "수 있는 전화번호를 답장으로 보내 주시겠어요?\n\n감사합니다.",
            ),
        },
    ),
    (
        "failed_delivery",
        RESOLVED,
        None,
        "keep",
        {
            "en": (
                "Redelivery booked, resolve",
                "Hello {customer_name},\n\nWe have booked a new delivery of {tracking_number} "
                "with {carrier}. New estimate: {new_estimate}. If the courier misses you again, "
                "simply reply and we'll sort it out.\n\nKind regards,\nDelay Desk customer care",
            ),
            "ko": (
                "재배송 예약 완료, 해결",
                "{customer_name} 고객님, 안녕하세요.\n\n{carrier}에 택배({tracking_number}) "
                "재배송을 예약했습니다. 새 도착 예정일: {new_estimate}\n이번에도 받지 못하시면 "
                "답장만 주세요. 바로 처리해 드리겠습니다.\n\n감사합니다.",
            ),
        },
    ),
    (
        "",
        "",
        None,
        "pool",
        {"en": ("Return to pool", ""), "ko": ("대기열로 돌려보내기", "")},
    ),
)

# (owner, shared, name, query); "{dhl}" is the DHL carrier's id.
SAVED_VIEWS = (
    ("agent", False, "내 긴급 문의", "assignee=mine&priority=4"),
    ("agent", False, "내 SLA 초과 문의", "assignee=mine&sla=breached"),
    ("agent", False, "고객이 답장한 내 문의", "assignee=mine&replied=on"),
    ("agent", False, "고객 답변 대기 중 (내 문의)", "assignee=mine&waiting=on"),
    ("agent", True, "파손 문의 (전체)", "assignee=anyone&category=damaged"),
    ("manager", False, "My open tickets", "assignee=mine"),
    ("manager", False, "Urgent, anyone", "assignee=anyone&priority=4"),
    ("manager", True, "Breached, anyone", "assignee=anyone&sla=breached"),
    ("manager", True, "Lost parcels", "assignee=anyone&category=lost"),
    ("manager", True, "Unassigned, due within an hour", "assignee=unassigned&sla=at_risk"),
    ("manager", True, "DHL parcels delayed", "assignee=anyone&carrier={dhl}&delayed=yes"),
    ("manager", True, "Delivery changes to arrange", "assignee=anyone&changes=on"),
)
