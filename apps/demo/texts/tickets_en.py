"""English ticket conversations; see `texts.tickets` for the placeholders."""

TICKETS_EN = {
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
                "I got a message that my {item} was damaged in transit. Can you send a new one?",
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
        "failed_delivery": "Hi {name}, sorry for the trouble. I've asked the {carrier} driver "
        "to try again and passed on when you're home.",
        "wrong_address": "Hi {name}, thanks for letting us know. I've asked {carrier} to "
        "correct the address; if it comes back we'll resend it.",
        "other": "Hi {name}, thanks for asking. {carrier} shows it as '{status}', expected {eta}.",
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
        "Hi, could you send me a receipt for my last order? I need it for my company's expenses.",
    ),
}
