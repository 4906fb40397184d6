"""Writes what the desk's agents work with: reply templates, macros and saved queue views.

Each row is found by its natural key (a template or macro by name and language, a view by owner
and name) and written only when missing, so an agent's or manager's edits survive a re-seed; one
deleted on purpose comes back on the next start, as everything the demo ships does.
"""

from apps.desk.models import Macro, SavedView
from apps.shipments.models import Carrier, DelayReason
from apps.tickets.models import ReplyTemplate, TicketCategory

from .texts import replies_en, replies_ko
from .texts.desk import MACROS, SAVED_VIEWS

REPLY_TEXTS = {"en": replies_en, "ko": replies_ko}


def _body(texts, *paragraphs: str) -> str:
    return "\n\n".join((texts.GREETING, *paragraphs, texts.CLOSING))


def reply_templates_plan() -> list[ReplyTemplate]:
    """Every category × delay reason × language, each category's closing reply, and a few for
    any ticket; unsaved rows."""
    rows = []
    for language, texts in REPLY_TEXTS.items():
        for category in TicketCategory.values:
            category_name = texts.CATEGORY_NAMES[category]
            for reason in DelayReason.values:
                reason_name, happened, has_estimate = texts.REASONS[reason]
                first = f"{happened}\n{texts.ESTIMATE}" if has_estimate else happened
                rows.append(
                    ReplyTemplate(
                        name=f"{category_name} · {reason_name}",
                        language=language,
                        category=category,
                        delay_reason=reason,
                        body=_body(texts, first, texts.NEXT_STEP[category]),
                    )
                )
            name, text = texts.RESOLVE[category]
            rows.append(
                ReplyTemplate(
                    name=name,
                    language=language,
                    category=category,
                    body=_body(texts, text),
                    resolves=True,
                )
            )
        for name, text, resolves in texts.GENERAL:
            rows.append(
                ReplyTemplate(
                    name=name, language=language, body=_body(texts, text), resolves=resolves
                )
            )
    return rows


def reply_templates_ensure(created: dict) -> None:
    existing = set(ReplyTemplate.objects.values_list("name", "language"))
    missing = [t for t in reply_templates_plan() if (t.name, t.language) not in existing]
    ReplyTemplate.objects.bulk_create(missing)
    created["reply templates"] += len(missing)


def macros_ensure(users: dict, created: dict) -> None:
    existing = set(Macro.objects.values_list("name", "language"))
    missing = [
        Macro(
            name=name,
            language=language,
            category=category,
            body=body,
            set_status=status,
            set_priority=priority,
            assign=assign,
            created_by=users["manager"],
        )
        for category, status, priority, assign, texts in MACROS
        for language, (name, body) in texts.items()
        if (name, language) not in existing
    ]
    Macro.objects.bulk_create(missing)
    created["macros"] += len(missing)


def saved_views_ensure(users: dict, created: dict) -> None:
    dhl = Carrier.objects.filter(code="dhl").values_list("pk", flat=True).first()
    existing = set(SavedView.objects.values_list("owner_id", "name"))
    missing = [
        SavedView(
            owner=users[owner], name=name, is_shared=shared, query=query.format(dhl=dhl or "")
        )
        for owner, shared, name, query in SAVED_VIEWS
        if (users[owner].pk, name) not in existing
    ]
    SavedView.objects.bulk_create(missing)
    created["saved views"] += len(missing)
