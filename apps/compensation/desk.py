"""The managers' compensation pages in the desk: the approval queue and the cost export, the
workspace's offers panel, and the budgets' edits (budget_create, budget_update).

Every write is a POST calling one service; a refusal from a service (an `ApplicationError`:
self-approval, an exhausted budget, an offer already decided) comes back as a message on the
page, never as an error page.
"""

import csv
from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from apps.compensation.models import ActionKind, Offer, OfferStatus
from apps.compensation.selectors import (
    approval_queue,
    compensation_cost_per_carrier,
    offers_for_desk,
)
from apps.compensation.services import (
    offer_approve,
    offer_propose_manual,
    offer_reject,
    offers_propose,
)
from apps.core.errors import ApplicationError
from apps.core.money import money_format, money_round

PAGE_SIZE = 50


def _cursor(text: str) -> tuple[datetime, int] | None:
    """`<iso time>_<id>` of the last row shown: the next page starts after it (keyset)."""
    moment, _sep, pk = (text or "").rpartition("_")
    try:
        return datetime.fromisoformat(moment), int(pk)
    except ValueError:
        return None


def approvals_view(model_admin, request):
    if not request.user.has_perm("compensation.approve_offer"):
        raise PermissionDenied
    if request.method == "POST":
        return _decide(model_admin, request)
    rows = approval_queue()
    after = _cursor(request.GET.get("after", ""))
    if after is not None:
        moment, pk = after
        rows = rows.filter(Q(created_at__gt=moment) | Q(created_at=moment, pk__gt=pk))
    offers = list(rows[: PAGE_SIZE + 1])
    more = len(offers) > PAGE_SIZE
    offers = offers[:PAGE_SIZE]
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Compensation waiting for approval"),
        "rows": [_row(offer, request.user) for offer in offers],
        "waiting": approval_queue().count(),
        "next_cursor": f"{offers[-1].created_at.isoformat()}_{offers[-1].pk}" if more else "",
        "is_later_page": after is not None,
    }
    return TemplateResponse(request, "admin/compensation/offer/approvals.html", context)


def _row(offer: Offer, user) -> dict:
    shipment = offer.shipment
    budget = offer.budget
    short = offer.amount - offer.reserved
    return {
        "offer": offer,
        "amount": money_format(offer.amount, offer.currency),
        "shipment": shipment,
        "delay": shipment.get_delay_reason_display() if shipment.delay_reason else "",
        "proposer": (offer.proposed_by.get_full_name() or offer.proposed_by.username)
        if offer.proposed_by_id
        else _("rule engine"),
        "rule": offer.rule.name if offer.rule_id else "",
        "budget": budget.name if budget else "",
        "available": money_format(budget.available, budget.currency) if budget else "",
        # Not yet reserved: approving needs that much free in the budget.
        "needs": money_format(short, offer.currency) if short > 0 else "",
        "own": offer.proposed_by_id == user.pk,
        "workspace": reverse("admin:tickets_ticket_work", args=[offer.ticket_id])
        if offer.ticket_id
        else "",
        "record": reverse("admin:compensation_offer_change", args=[offer.pk]),
    }


def _decide(model_admin, request):
    post = request.POST
    back = HttpResponseRedirect(reverse("admin:compensation_offer_approvals"))
    try:
        offer_id = int(post.get("offer", ""))
    except ValueError:
        model_admin.message_user(request, _("Choose an offer."), messages.ERROR)
        return back
    try:
        if post.get("op") == "approve":
            offer = offer_approve(offer=offer_id, manager=request.user)
            text = _("Offer %(id)s approved: %(amount)s. The customer is being told.")
        elif post.get("op") == "reject":
            offer = offer_reject(
                offer=offer_id, manager=request.user, reason=post.get("reason", "")
            )
            text = _("Offer %(id)s rejected: %(amount)s back in the budget.")
        else:
            model_admin.message_user(request, _("Unknown action."), messages.ERROR)
            return back
    except Offer.DoesNotExist:
        model_admin.message_user(request, _("No such offer."), messages.ERROR)
        return back
    except ApplicationError as error:
        model_admin.message_user(
            request,
            _("Offer %(id)s: %(error)s") % {"id": offer_id, "error": error.message},
            messages.ERROR,
        )
        return back
    amount = money_format(offer.amount, offer.currency)
    model_admin.message_user(request, text % {"id": offer.pk, "amount": amount}, messages.SUCCESS)
    return back


# --- On the ticket workspace ------------------------------------------------------------------


class ManualOfferForm(forms.Form):
    """An agent's own offer: what, how much, and why (the reason is required and audited)."""

    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=ActionKind.choices)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


def offers_panel(*, ticket, user) -> dict:
    """What the workspace shows of compensation: every offer on the ticket or its parcel."""
    offers = offers_for_desk(ticket=ticket)
    return {
        "offers": [(offer, money_format(offer.amount, offer.currency)) for offer in offers],
        "can_propose": ticket.shipment_id is not None
        and user.has_perm("compensation.propose_offer"),
        "manual_offer_form": ManualOfferForm(initial={"kind": ActionKind.STORE_CREDIT}),
    }


def offers_act(*, op: str, ticket, user, post) -> tuple[str, str]:
    """Run a compensation operation posted from the workspace; returns (level, message).

    Raises ApplicationError for the workspace to show as a message.
    """
    if not user.has_perm("compensation.propose_offer"):
        raise PermissionDenied
    if ticket.shipment_id is None:
        return messages.ERROR, _("No parcel is linked to this ticket.")
    if op == "offers_propose":
        offers = offers_propose(ticket=ticket, actor=user)
        if not offers:
            return messages.WARNING, _(
                "The rules grant nothing more for this delay (already offered, not late "
                "enough, or not the carrier's fault)."
            )
        total = sum((offer.amount for offer in offers), Decimal(0))
        waiting = sum(offer.status == OfferStatus.PROPOSED for offer in offers)
        text = _("%(count)s offer(s) proposed, %(total)s in all.") % {
            "count": len(offers),
            "total": money_format(total, offers[0].currency),
        }
        if waiting:
            text += " " + _("%(count)s wait(s) for a manager's approval.") % {"count": waiting}
        return messages.SUCCESS, text
    form = ManualOfferForm(post)
    if not form.is_valid():
        problems = [
            f"{form.fields[name].label}: {error}" if name in form.fields else str(error)
            for name, errors in form.errors.items()
            for error in errors
        ]
        return messages.ERROR, " ".join(problems)
    offer = offer_propose_manual(
        shipment=ticket.shipment,
        ticket=ticket,
        agent=user,
        kind=form.cleaned_data["kind"],
        amount=form.cleaned_data["amount"],
        reason=form.cleaned_data["reason"],
    )
    if offer.status == OfferStatus.PROPOSED:
        return messages.SUCCESS, _(
            "Offer proposed: %(amount)s. Another manager approves it before the customer sees it."
        ) % {"amount": money_format(offer.amount, offer.currency)}
    return messages.SUCCESS, _("Offer approved: %(amount)s. The customer is being told.") % {
        "amount": money_format(offer.amount, offer.currency)
    }


# --- Cost per carrier -------------------------------------------------------------------------


class CostPeriodForm(forms.Form):
    # A period's first and last day ("From" alone reads as "before the change" in Korean).
    start = forms.DateField(
        label=pgettext_lazy("period", "From"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"), widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end comes before the start."))
        if start and end and (end - start).days > 366:
            self.add_error("end", _("Choose at most a year."))
        return data


def _month_so_far() -> tuple[date, date]:
    today = timezone.localdate()
    return today.replace(day=1), today


CSV_HEADER = (
    "carrier",
    "currency",
    "offers",
    "accepted",
    "amount",
    "accepted_amount",
    "carrier_fault_amount",
)


def cost_view(model_admin, request):
    """Compensation cost per carrier for a period, on the page and as CSV (for claims)."""
    if not request.user.has_perm("compensation.export_compensation"):
        raise PermissionDenied
    start, end = _month_so_far()
    form = CostPeriodForm(request.GET or {"start": start, "end": end})
    rows = []
    status = 200
    if form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        rows = compensation_cost_per_carrier(start=start, end=end)
        if request.GET.get("format") == "csv":
            return _csv(rows, start, end)
    else:
        status = 400
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "title": _("Compensation cost per carrier"),
        "form": form,
        "rows": [
            (
                row,
                money_format(row.amount, row.currency),
                money_format(row.accepted_amount, row.currency),
                money_format(row.carrier_fault_amount, row.currency),
            )
            for row in rows
        ],
        "csv_query": f"start={start.isoformat()}&end={end.isoformat()}&format=csv",
    }
    return TemplateResponse(request, "admin/compensation/offer/cost.html", context, status=status)


def _csv(rows, start: date, end: date) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = f"compensation-per-carrier-{start.isoformat()}-{end.isoformat()}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    writer = csv.writer(response)
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(
            (
                _csv_safe(row.carrier),
                row.currency,
                row.offers,
                row.accepted,
                # In the currency's own precision: ₩ has none, € two decimals.
                money_round(row.amount, row.currency),
                money_round(row.accepted_amount, row.currency),
                money_round(row.carrier_fault_amount, row.currency),
            )
        )
    return response


def _csv_safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text and text[0] in "=+-@\t\r" else text
