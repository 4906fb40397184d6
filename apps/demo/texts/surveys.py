"""What customers answer to the satisfaction survey."""

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
