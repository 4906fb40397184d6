"""/desk/approvals/: proposals waiting for a manager, approved or rejected in place.

Every decision goes through compensation's services (`offer_approve`, `offer_reject`), which
check the permission, refuse the proposer (four eyes) and take the money from a budget under a
lock. A refusal is a message on the offer's card, never an error page. With htmx the card is
swapped in place; without it the post redirects back (Post/Redirect/Get).
"""

from datetime import datetime

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.compensation.models import Offer, OfferStatus
from apps.compensation.selectors import approval_queue, budgets_covering
from apps.compensation.services import offer_approve, offer_reject
from apps.core.errors import ApplicationError, InvalidTransition
from apps.core.money import money_format
from apps.core.parsing import id_from, keyset_from
from apps.desk.access import desk_view
from apps.desk.managers_forms import DecisionForm

PAGE_SIZE = 50
PERMISSION = "compensation.approve_offer"


def _cursor(text: str) -> tuple[datetime, int] | None:
    """`<iso time>_<id>` of the last card shown: the next page starts after it (keyset)."""
    return keyset_from(text)


def ticket_url(ticket_id: int | None) -> str:
    if not ticket_id:
        return ""
    try:
        return reverse("desk:ticket", args=[ticket_id])
    except NoReverseMatch:  # the workspace is not installed
        return ""


def _card(offer: Offer, user) -> dict:
    shipment = offer.shipment
    budget = offer.budget
    short = offer.amount - offer.reserved
    proposer = offer.proposed_by
    return {
        "offer": offer,
        "amount": money_format(offer.amount, offer.currency),
        "shipment": shipment,
        "carrier": shipment.carrier.name,
        "delay": shipment.get_delay_reason_display() if shipment.delay_reason else "",
        "proposer": (proposer.get_full_name() or proposer.get_username())
        if proposer
        else _("rule engine"),
        "rule": offer.rule.name if offer.rule_id else "",
        "budget": budget.name if budget else "",
        "available": money_format(budget.available, budget.currency) if budget else "",
        # Not yet reserved: approving needs that much free in a budget.
        "needs": money_format(short, offer.currency) if short > 0 else "",
        "own": offer.proposed_by_id == user.pk,
        "ticket_url": ticket_url(offer.ticket_id),
    }


@desk_view(PERMISSION)
def approvals(request):
    if request.method == "POST":
        return _decide(request)
    rows = approval_queue()
    after = _cursor(request.GET.get("after", ""))
    if after is not None:
        moment, pk = after
        rows = rows.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
    offers = list(rows[: PAGE_SIZE + 1])
    more = len(offers) > PAGE_SIZE
    offers = offers[:PAGE_SIZE]
    context = {
        "nav_key": "approvals",
        "cards": [_card(offer, request.user) for offer in offers],
        **_totals(),
        "next_cursor": f"{offers[-1].created_at.isoformat()}_{offers[-1].pk}" if more else "",
        "is_later_page": after is not None,
    }
    return render(request, "desk/managers/approvals.html", context)


def _totals() -> dict:
    """How many wait, and what today's budgets have left: the page's head, swapped again
    (out of band) after each decision made in place."""
    return {
        "waiting": approval_queue().count(),
        "budgets": [
            {
                "budget": budget,
                "available": money_format(budget.available, budget.currency),
                "amount": money_format(budget.amount, budget.currency),
                "low": budget.amount and budget.available * 10 < budget.amount,
            }
            for budget in budgets_covering(timezone.localdate())
        ],
    }


def _decide(request):
    form = DecisionForm(request.POST)
    back = redirect(reverse("desk:approvals") + _return_query(request))
    offer_id = request.POST.get("offer", "")
    if not form.is_valid():
        text = _("Choose an offer.") if "offer" in form.errors else _("Unknown action.")
        return _answer(request, back, offer_id, messages.ERROR, text)
    data = form.cleaned_data
    offer_id = data["offer"]
    try:
        if data["op"] == "approve":
            offer = offer_approve(offer=offer_id, manager=request.user)
            text = _("Offer %(id)s approved: %(amount)s. The customer is being told.")
        else:
            offer = offer_reject(offer=offer_id, manager=request.user, reason=data["reason"])
            text = _("Offer %(id)s rejected: %(amount)s back in the budget.")
    except Offer.DoesNotExist:
        return _answer(request, back, offer_id, messages.ERROR, _("No such offer."))
    except InvalidTransition as error:
        # Another manager (or the expiry) decided it since this page was drawn.
        status = OfferStatus(error.extra["from"]).label if error.extra.get("from") else ""
        text = _("Offer %(id)s was decided meanwhile: it is now %(status)s.") % {
            "id": offer_id,
            "status": str(status).lower(),
        }
        return _answer(request, back, offer_id, messages.WARNING, text)
    except ApplicationError as error:
        text = _("Offer %(id)s: %(error)s") % {"id": offer_id, "error": _(error.message)}
        return _answer(request, back, offer_id, messages.ERROR, text)
    amount = money_format(offer.amount, offer.currency)
    text = text % {"id": offer.pk, "amount": amount}
    return _answer(request, back, offer.pk, messages.SUCCESS, text, decided=offer)


def _return_query(request) -> str:
    after = request.POST.get("after", "")
    return f"?after={after}" if _cursor(after) else ""


def _answer(request, back, offer_id, level, text, decided=None):
    """htmx: the offer's card again (decided, or with the refusal); else a message and back."""
    if not request.htmx:
        messages.add_message(request, level, text)
        return back
    card = None
    if decided is None:
        offer_pk = id_from(offer_id)
        offer = approval_queue().filter(pk=offer_pk).first() if offer_pk else None
        card = _card(offer, request.user) if offer is not None else None
    context = {
        **(_totals() if decided is not None else {}),
        "oob": decided is not None,
        "card": card,
        "decided": decided,
        "offer_id": offer_id,
        "note": text,
        "note_level": "good" if level == messages.SUCCESS else "bad",
    }
    return render(request, "desk/managers/_approval_card.html", context)
