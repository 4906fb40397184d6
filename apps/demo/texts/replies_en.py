"""English reply templates: built from what happened (the delay reason) and what we do next (the
ticket's category). Placeholders are the desk's (apps.tickets.queue.replies.REPLY_PLACEHOLDERS)."""

GREETING = "Hello {customer_name},"
CLOSING = (
    "Your ticket number is {reference}; you can follow it any time here:\n{ticket_link}\n\n"
    "Kind regards,\nDelay Desk customer care"
)
ESTIMATE = "New estimate: {new_estimate}."

CATEGORY_NAMES = {
    "late": "Late parcel",
    "lost": "Lost parcel",
    "damaged": "Damaged parcel",
    "wrong_address": "Wrong address",
    "failed_delivery": "Failed delivery",
    "other": "Other question",
}

# (short name, what happened, whether a new estimate means anything)
REASONS = {
    "sorting_error": (
        "Sorting error",
        "Your parcel {tracking_number} was sent to the wrong hub by {carrier} and has now been "
        "put back on the right route.",
        True,
    ),
    "capacity": (
        "Carrier over capacity",
        "{carrier} is handling far more parcels than usual this week, and your parcel "
        "{tracking_number} is waiting its turn at their terminal.",
        True,
    ),
    "vehicle": (
        "Vehicle breakdown",
        "The {carrier} truck carrying your parcel {tracking_number} broke down on the way. The "
        "parcel has been moved to another vehicle.",
        True,
    ),
    "lost": (
        "Parcel lost",
        "{carrier} has told us that your parcel {tracking_number} cannot be found in their "
        "network and is now treated as lost.",
        False,
    ),
    "damaged": (
        "Parcel damaged",
        "{carrier} has reported that your parcel {tracking_number} was damaged in transit.",
        False,
    ),
    "retailer": (
        "Late dispatch by the shop",
        "The shop handed your parcel to {carrier} later than planned, so it started its journey "
        "late. It is on its way now under tracking number {tracking_number}.",
        True,
    ),
    "not_home": (
        "Nobody at home",
        "{carrier} tried to deliver your parcel {tracking_number} but nobody was at home, so it "
        "went back to the local branch.",
        True,
    ),
    "wrong_address": (
        "Address problem",
        "{carrier} could not deliver your parcel {tracking_number} because the address could "
        "not be matched; most often a building or apartment number is missing.",
        False,
    ),
    "customs": (
        "Held at customs",
        "Your parcel {tracking_number} is waiting for customs clearance. This usually takes one "
        "to three working days, and {carrier} moves it on as soon as it is released.",
        True,
    ),
    "weather": (
        "Weather",
        "Bad weather has stopped or slowed deliveries by {carrier} in your area, so your "
        "parcel {tracking_number} is running late.",
        True,
    ),
    "force_majeure": (
        "Force majeure",
        "Deliveries by {carrier} in your area have been interrupted by events beyond their "
        "control, such as a strike, so your parcel {tracking_number} is delayed.",
        True,
    ),
    "no_scan": (
        "No scan for too long",
        "Your parcel {tracking_number} has not been scanned by {carrier} for longer than usual, "
        "and we have asked them to locate it.",
        True,
    ),
    "window_passed": (
        "Promised window passed",
        "Your parcel {tracking_number} has missed the delivery window we promised, because of a "
        "backlog at the {carrier} terminal.",
        True,
    ),
    "estimate_late": (
        "New estimate",
        "{carrier} has moved the expected delivery of your parcel {tracking_number} past the "
        "date we promised you.",
        True,
    ),
    "unknown": (
        "Carrier delay",
        "{carrier} has reported a delay on your parcel {tracking_number} ({delay_reason}).",
        True,
    ),
}

# What we do next, by the ticket's category.
NEXT_STEP = {
    "late": "We're sorry for the wait. We are watching the parcel and will write again as soon "
    "as {carrier} confirms the delivery day. If the delay entitles you to compensation under "
    "our terms, we will offer it on this ticket without you having to ask.",
    "lost": "We have opened a trace with {carrier}. If the parcel is not found within three "
    "working days, we will send a replacement or refund you in full, whichever you prefer: "
    "just reply and tell us.",
    "damaged": "Could you reply with a photo or two of the box and the item? With those we can "
    "file the claim with {carrier} and arrange a replacement or a refund straight away.",
    "wrong_address": "Please reply with your full address, including the building and apartment "
    "number, and a phone number the driver can call. We will pass it to {carrier} today.",
    "failed_delivery": "Tell us what suits you best: another day, a time of day, a pickup point, "
    "or leaving it with a neighbour or at the door, and we will arrange the next attempt with "
    "{carrier}.",
    "other": "If you have any other question about this parcel, just reply to this message and "
    "we'll look into it.",
}

# Closing a ticket of each category (no particular delay reason): these resolve the ticket.
RESOLVE = {
    "late": (
        "Late parcel: delivered, closing",
        "{carrier} shows your parcel {tracking_number} as delivered. We're glad it has arrived "
        "and sorry it took longer than promised. We'll close this ticket now; if anything is "
        "wrong, simply reply and it reopens.",
    ),
    "lost": (
        "Lost parcel: replacement sent, closing",
        "We have sent you a replacement, and you will get its tracking number by email as soon "
        "as the carrier picks it up. We're sorry the first parcel went missing. We'll close this "
        "ticket now; reply any time if the replacement does not arrive.",
    ),
    "damaged": (
        "Damaged parcel: claim settled, closing",
        "Thank you for the photos. We have settled the claim with {carrier} and arranged your "
        "replacement (or refund, as you chose). We'll close this ticket now; reply if anything "
        "else is wrong.",
    ),
    "wrong_address": (
        "Wrong address: corrected, closing",
        "We have passed the corrected address to {carrier}, and your parcel {tracking_number} is "
        "on its way again. New estimate: {new_estimate}. We'll close this ticket now.",
    ),
    "failed_delivery": (
        "Failed delivery: new attempt booked, closing",
        "We have booked the next delivery attempt of {tracking_number} with {carrier} as you "
        "asked. New estimate: {new_estimate}. We'll close this ticket now; reply if the "
        "courier misses you again.",
    ),
    "other": (
        "Question answered, closing",
        "We hope that answers your question. We'll close this ticket now; if there is anything "
        "else, simply reply and it reopens.",
    ),
}

# For any ticket: (name, body, resolves)
GENERAL = (
    (
        "Thanks, we're on it",
        "Thank you for writing to us. We have your message and are looking into it now; you "
        "will hear from us today.",
        False,
    ),
    (
        "Ask for the tracking or order number",
        "Could you send us the tracking number or the order number of the parcel? With it we "
        "can check with the carrier straight away.",
        False,
    ),
    (
        "Compensation offered on your ticket",
        "We're sorry for the delay. We have added compensation to your ticket; you can accept "
        "it with one click on your ticket page.",
        False,
    ),
    (
        "Still checking with the carrier",
        "A quick update: we are still waiting for {carrier} to confirm where your parcel "
        "{tracking_number} is ({delay_reason}). We will write as soon as we hear back.",
        False,
    ),
)
