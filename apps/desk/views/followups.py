"""/desk/followups/: customers who answered a survey with a low score, to call back.

Each card has what the call needs: the customer's phone and email, the scores and comment,
the parcel's delay, the compensation given, the agent, and a link to the ticket's workspace.
A manager takes one (assigned to them) and marks it done with a note, through
feedback.services.followup_update (permission checked there; the row locked). htmx swaps the
card in place; without it the post redirects back (Post/Redirect/Get).
"""

from datetime import datetime

from django.contrib import messages
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.errors import ApplicationError
from apps.core.money import money_format
from apps.core.parsing import keyset_from
from apps.desk.access import desk_view
from apps.desk.managers_forms import FollowUpForm
from apps.desk.views.approvals import ticket_url
from apps.feedback.models import FollowUp, FollowUpStatus
from apps.feedback.selectors import compensation_given, followup_list, followup_title
from apps.feedback.services import followup_update

VIEW = "feedback.view_followup"
PAGE_SIZE = 30
STATUSES = ("open", "done", "all")


def _cursor(text: str) -> tuple[datetime, int] | None:
    return keyset_from(text)


def _card(follow_up: FollowUp, user, form=None) -> dict:
    ticket = follow_up.ticket
    customer = ticket.customer
    response = getattr(follow_up.survey, "response", None)
    shipment = ticket.shipment
    agent = ticket.assignee
    return {
        "follow_up": follow_up,
        "title": followup_title(follow_up),
        "is_open": follow_up.status == FollowUpStatus.OPEN,
        "customer": customer,
        "response": response,
        "delay": shipment.get_delay_reason_display() if shipment and shipment.delay_reason else "",
        "carrier": shipment.carrier.name if shipment else "",
        "compensation": [
            f"{offer.get_kind_display()} {money_format(offer.amount, offer.currency)}"
            f" ({offer.get_status_display()})"
            for offer in compensation_given(follow_up)
        ],
        "agent": (agent.get_full_name() or agent.get_username()) if agent else "",
        "assignee": follow_up.assignee,
        "mine": follow_up.assignee_id == user.pk,
        "ticket_url": ticket_url(ticket.pk),
        "form": form or FollowUpForm(initial={"note": follow_up.note}),
        "can_change": user.has_perm("feedback.change_followup"),
    }


@desk_view(VIEW)
def followups(request):
    status = request.GET.get("status", "open")
    status = status if status in STATUSES else "open"
    rows = followup_list().order_by("-created_at", "-pk")
    if status != "all":
        rows = rows.filter(status=status)
    after = _cursor(request.GET.get("after", ""))
    if after is not None:
        moment, pk = after
        rows = rows.filter(Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=pk))
    page = list(rows[: PAGE_SIZE + 1])
    more = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    context = {
        "nav_key": "followups",
        "status": status,
        "statuses": [
            ("open", _("Open")),
            ("done", _("Done")),
            ("all", _("All")),
        ],
        "cards": [_card(follow_up, request.user) for follow_up in page],
        "next_cursor": f"{page[-1].created_at.isoformat()}_{page[-1].pk}" if more else "",
        "is_later_page": after is not None,
    }
    return render(request, "desk/managers/followups.html", context)


@desk_view(VIEW)
def followup(request, followup_id: int):
    """One follow-up (the managers' email links here); posts take it or close it."""
    follow_up = get_object_or_404(followup_list(), pk=followup_id)
    if request.method == "POST":
        return _act(request, follow_up)
    context = {"nav_key": "followups", "card": _card(follow_up, request.user), "single": True}
    return render(request, "desk/managers/followup.html", context)


def _act(request, follow_up: FollowUp):
    op = request.POST.get("op", "")
    back_to = request.POST.get("next", "")
    if not back_to.startswith("/desk/"):
        back_to = reverse("desk:followup", args=[follow_up.pk])
    form = FollowUpForm(request.POST)
    level, text = messages.ERROR, ""
    if op == "take":
        note = follow_up.note
        changes = {"assignee": request.user, "note": note}
        text = _("You took this follow-up.")
    elif op in ("note", "done"):
        if op == "done":
            data = request.POST.copy()
            data["mark_done"] = "on"
            form = FollowUpForm(data)
        if not form.is_valid():
            return _answer(request, follow_up, back_to, level, _errors(form), form=form)
        changes = {
            "assignee": follow_up.assignee or request.user,
            "note": form.cleaned_data["note"],
            "mark_done": form.cleaned_data["mark_done"],
        }
        text = _("Follow-up done.") if op == "done" else _("Note saved.")
    else:
        return _answer(request, follow_up, back_to, level, _("Unknown action."))
    try:
        follow_up = followup_update(follow_up=follow_up, actor=request.user, **changes)
    except ApplicationError as error:
        return _answer(request, follow_up, back_to, level, _(error.message), form=form)
    # Read again with everything the card shows: the title says "done" from the saved row.
    follow_up = followup_list().get(pk=follow_up.pk)
    return _answer(request, follow_up, back_to, messages.SUCCESS, text)


def _errors(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


def _answer(request, follow_up, back_to, level, text, form=None):
    if not request.htmx:
        messages.add_message(request, level, text)
        return redirect(back_to)
    context = {
        "card": _card(follow_up, request.user, form=form),
        "note": text,
        "note_level": "good" if level == messages.SUCCESS else "bad",
    }
    return render(request, "desk/managers/_followup_card.html", context)
