"""Task functions: thin and idempotent (the ORM broker delivers at least once)."""

from apps.compensation.services import offer_issue, offers_expire, offers_issue_due


def issue_offers(offer_ids: list[int]) -> int:
    return sum(offer_issue(offer_id=pk) is not None for pk in offer_ids)


def issue_due() -> int:
    return offers_issue_due()


def expire_offers() -> int:
    return offers_expire()
