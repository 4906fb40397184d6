"""The desk's home: what is waiting, as live counts, each a link to the list behind it."""

from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from apps.desk.access import desk_view
from apps.desk.counts import desk_counts

LABELS = {
    "mine": _("My open tickets"),
    "unassigned": _("Unassigned"),
    "at_risk": _("Due within an hour"),
    "breached": _("SLA breached"),
    "approvals": _("Approvals waiting"),
    "followups": _("Follow-ups open"),
}
# How often the counts refresh while the page stays open.
REFRESH_SECONDS = 20


def _cards(user) -> list[dict]:
    cards = []
    for count in desk_counts(user):
        try:
            url = reverse(count.url_name)
        except NoReverseMatch:  # a screen this installation does not have
            url = ""
        cards.append(
            {
                "key": count.key,
                "label": LABELS[count.key],
                "value": count.value,
                "url": f"{url}?{count.query}" if url and count.query else url,
                "tone": count.tone if count.value else "",
            }
        )
    return cards


@desk_view()
def home(request):
    return render(
        request,
        "desk/home.html",
        {"cards": _cards(request.user), "refresh_seconds": REFRESH_SECONDS, "nav_key": "home"},
    )


@desk_view()
def home_counts(request):
    """The counts alone, for the page's polling (htmx swaps them in place)."""
    return render(request, "desk/_home_counts.html", {"cards": _cards(request.user)})
