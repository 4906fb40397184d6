"""What the demo's current tickets say (those laid around the time of the start, see `live`).

Placeholders: name, tn, order, carrier, date, eta. Subjects carry the tracking number, and are
worded apart from the month's tickets (`texts.tickets`).
"""

LIVE_TEXTS = {
    "en": {
        "lost": (
            (
                "No tracking update for days ({tn})",
                "Hi, my parcel {tn} with {carrier} hasn't moved for days and I'm starting to "
                "think it's lost. Can you find out where it is?",
            ),
            (
                "Is my parcel lost? ({tn})",
                "The tracking for {tn} stopped updating. I've waited long enough: please check "
                "with {carrier} whether it still exists.",
            ),
        ),
        "damaged": (
            (
                "Box arrived crushed ({tn})",
                "The parcel came today but the box is crushed on one side and what was inside "
                "is broken. What can you do?",
            ),
            (
                "Item broken on arrival ({tn})",
                "I just opened order {order}: the item is cracked and the box was torn. I'd like "
                "a replacement.",
            ),
        ),
        "late": (
            (
                "Needed it by the weekend ({tn})",
                "My order {order} was supposed to arrive by {date}. It's a gift for the weekend; "
                "will it make it?",
            ),
        ),
        "ask_photos": "Hello {name}, we're sorry it arrived like that. Could you send a photo of "
        "the box and one of the item? With those we can file the claim with {carrier} and send "
        "a replacement straight away.",
        "photos": "Here are the photos: the box and the broken item.",
        "photos_note": "Photos show a crushed corner and a broken item. Claim filed with "
        "{carrier}; replacement goes out once the manager approves.",
        "ask_pickup": "Hello {name}, I'm sorry for the wait. {carrier} now expects it {eta}. "
        "Would you like it sent to a pickup point near you instead, or is your home address "
        "still best?",
        "trace": "Hello {name}, I'm sorry. We have asked {carrier} to trace parcel {tn} and "
        "will let you know what they find by tomorrow at the latest.",
        "nudge": "Any news? I still haven't heard anything.",
        "trace_note": "Called {carrier}: the trace is still open, last scan at the hub. Asked "
        "them to call back today; if nothing by 6 pm, propose a resend.",
    },
    "ko": {
        "lost": (
            (
                "며칠째 배송 조회가 멈춰 있어요 ({tn})",
                "안녕하세요. {carrier} 택배({tn})가 며칠째 조회 내용이 그대로예요. 혹시 분실된 건 "
                "아닌지 걱정됩니다. 어디 있는지 확인 부탁드려요.",
            ),
            (
                "택배가 분실된 것 같아요 ({tn})",
                "운송장 {tn} 조회가 더 이상 업데이트되지 않아요. 너무 오래 기다렸어요. "
                "{carrier}에 택배가 아직 있는지 확인해 주세요.",
            ),
        ),
        "damaged": (
            (
                "상자가 찌그러진 채 도착했어요 ({tn})",
                "오늘 택배를 받았는데 상자 한쪽이 찌그러져 있고 안에 있던 상품이 깨져 있어요. "
                "어떻게 해야 하나요?",
            ),
            (
                "받은 상품이 파손되어 있어요 ({tn})",
                "주문번호 {order} 상품을 방금 열어 봤는데 상품에 금이 가 있고 상자도 찢어져 "
                "있었어요. 교환받고 싶습니다.",
            ),
        ),
        "late": (
            (
                "주말 전에 꼭 받아야 해요 ({tn})",
                "주문번호 {order} 상품이 {date}까지 도착 예정이었는데 아직 안 왔어요. 주말에 줄 "
                "선물이라 그 전에 받을 수 있을까요?",
            ),
        ),
        "ask_photos": "{name}, 안녕하세요. 상품이 그렇게 도착해 정말 죄송합니다. 상자 사진과 "
        "상품 사진을 한 장씩 보내 주시겠어요? 사진을 받는 대로 {carrier}에 배상을 청구하고 "
        "새 상품을 바로 보내 드리겠습니다.",
        "photos": "상자랑 깨진 상품 사진 보내 드려요.",
        "photos_note": "사진 확인: 상자 모서리 눌림, 상품 파손. {carrier}에 배상 청구 접수함. "
        "매니저 승인 나면 교환 상품 발송 예정.",
        "ask_pickup": "{name}, 안녕하세요. 기다리시게 해서 죄송합니다. {carrier}에서 이제 "
        "{eta} 도착을 예상하고 있습니다. 가까운 픽업 장소로 받으시겠어요, 아니면 지금 주소로 "
        "받으시는 게 편하신가요?",
        "trace": "{name}, 안녕하세요. 불편을 드려 죄송합니다. {carrier}에 택배({tn}) 추적 조사를 "
        "요청했으며, 늦어도 내일까지 결과를 알려 드리겠습니다.",
        "nudge": "혹시 진행된 게 있나요? 아직 아무 연락을 못 받았어요.",
        "trace_note": "{carrier}에 전화함: 추적 조사 아직 진행 중, 마지막 스캔은 허브 터미널. "
        "오늘 중 회신 요청함. 오후 6시까지 소식 없으면 재발송 제안할 것.",
    },
}
