"""What tickets say: delay reasons and items in customers' words, and the conversations."""

from .tickets_en import TICKETS_EN
from .tickets_ko import TICKETS_KO

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
TEXTS = {"ko": TICKETS_KO, "en": TICKETS_EN}
