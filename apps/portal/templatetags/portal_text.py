from django import template
from django.utils.translation import gettext as _

from apps.core.money import money_format
from apps.notifications.services import LINK_MARK

register = template.Library()


@register.filter
def without_link_mark(text: str) -> str:
    """An agent's reply says {ticket_link} where emails carry a private link; here the reader is
    already on that page."""
    return text.replace(LINK_MARK, _("(this page)"))


@register.filter
def money(amount, currency: str) -> str:
    """₩3,000 / €12.50: an amount in its currency's symbol and precision."""
    return money_format(amount, currency)
