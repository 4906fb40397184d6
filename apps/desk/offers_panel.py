"""The workspace's compensation panel: the offers on a ticket's parcel, and an agent's proposals
(by the rules, or their own with an audited reason) through the compensation services."""

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.compensation.models import ActionKind, OfferStatus
from apps.compensation.selectors import offers_for_desk
from apps.compensation.services import offer_propose_manual, offers_propose
from apps.core.money import money_format


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
