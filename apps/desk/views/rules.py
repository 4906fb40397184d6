"""/desk/rules/: the compensation rules, and the editor that shows only the chosen action's
fields, writes the customer-facing description from the numbers (English and Korean) and
previews a change over the last 30 days of real delays before it is saved.

Writes go through `rule_create` / `rule_update` (permission checked there, versions kept); the
preview (`compensation.preview.rule_preview`) reads only.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from apps.compensation.descriptions import (
    ACTION_FIELDS,
    ACTION_SPECIFIC_FIELDS,
    rule_description,
    rule_values,
)
from apps.compensation.forms import CompensationRuleForm
from apps.compensation.models import CompensationRule, CompensationRuleVersion
from apps.compensation.preview import rule_preview
from apps.compensation.services import rule_create, rule_update
from apps.core.errors import ApplicationError
from apps.core.money import money_format
from apps.core.parsing import id_from
from apps.desk.access import desk_view
from apps.desk.views.rules_text import rule_trigger, version_changes

PREVIEW_DAYS = 30
VIEW = "compensation.view_compensationrule"

BASICS = ("name", "preset", "is_active", "priority", "stacking_group", "valid_from", "valid_until")
CONDITIONS = (
    "min_hours_late",
    "max_hours_late",
    "min_business_days_late",
    "promise_types",
    "exempt_faults",
    "carrier",
    "service_level",
    "min_order_value",
    "max_order_value",
    "max_previous_grants",
)
ACTION_COMMON = ("action", "currency")
ACTION_AFTER = ("per_order_cap", "approval_threshold")


@desk_view(VIEW)
def rules(request):
    rows = list(CompensationRule.objects.select_related("carrier").order_by("priority", "pk"))
    language = "ko" if (get_language() or "").startswith("ko") else "en"
    context = {
        "nav_key": "rules",
        "rows": [
            {
                "rule": rule,
                "trigger": rule_trigger(rule),
                "summary": rule_description(rule_values(rule))[language],
            }
            for rule in rows
        ],
        "can_add": request.user.has_perm("compensation.add_compensationrule"),
        "can_change": request.user.has_perm("compensation.change_compensationrule"),
    }
    return render(request, "desk/managers/rules.html", context)


def _form_for(request, rule):
    permission = "change" if rule is not None else "add"
    if not request.user.has_perm(f"compensation.{permission}_compensationrule"):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else None
    initial = None if rule is not None else {"action": "fixed_coupon", "stacking_group": "goodwill"}
    return CompensationRuleForm(data, instance=rule, initial=initial)


def _fields(form, names):
    return [form[name] for name in names if name in form.fields]


def _editor_context(form, rule, preview=None):
    action_fields = []
    for name in ACTION_SPECIFIC_FIELDS:
        actions = [action for action, used in ACTION_FIELDS.items() if name in used]
        action_fields.append({"field": form[name], "actions": " ".join(actions)})
    versions = []
    if rule is not None:
        versions = [
            {"version": version, "changes": version_changes(version)}
            for version in CompensationRuleVersion.objects.filter(rule=rule)
            .select_related("changed_by")
            .order_by("-version")
        ]
    return {
        "nav_key": "rules",
        "form": form,
        "rule": rule,
        "basics": _fields(form, BASICS),
        "conditions": _fields(form, CONDITIONS),
        "action_common": _fields(form, ACTION_COMMON),
        "action_fields": action_fields,
        "action_after": _fields(form, ACTION_AFTER),
        "description": form.description_preview(),
        "versions": versions,
        "preview": preview,
    }


@desk_view(VIEW)
def rule_new(request):
    return _editor(request, None)


@desk_view(VIEW)
def rule_edit(request, rule_id: int):
    return _editor(request, get_object_or_404(CompensationRule, pk=rule_id))


def _stale(request, form, rule) -> bool:
    """Someone saved the rule since this form was opened: say so, keep what was typed, and let
    a second save (now on the current version) go through."""
    if rule is None or request.method != "POST":
        return False
    opened_on = request.POST.get("base_version", "")
    if opened_on == str(rule.version) or not id_from(opened_on):
        return False
    form.add_error(
        None,
        _(
            "Someone else saved this rule meanwhile (now version %(version)s). Your changes are "
            "kept below: check them against the current rule, then save again."
        )
        % {"version": rule.version},
    )
    return True


def _editor(request, rule):
    form = _form_for(request, rule)
    status = 200
    if request.method == "POST":
        if form.is_valid() and not _stale(request, form, rule):
            saved = _save(request, form, rule)
            if saved is not None:
                messages.success(
                    request,
                    _("Rule “%(name)s” saved: version %(version)s.")
                    % {"name": saved.name, "version": saved.version},
                )
                return redirect("desk:rule", rule_id=saved.pk)
        status = 400
    return render(
        request, "desk/managers/rule_form.html", _editor_context(form, rule), status=status
    )


def _save(request, form, rule):
    data = {
        name: value
        for name, value in form.cleaned_data.items()
        if name not in ("change_reason", "description")
    }
    try:
        if rule is None:
            return rule_create(fields=data, actor=request.user)
        return rule_update(
            rule=rule.pk,
            changes=data,
            actor=request.user,
            reason=form.cleaned_data.get("change_reason", ""),
        )
    except ApplicationError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, _(error.message))
        return None


@desk_view(VIEW)
def rule_describe(request):
    """The description as the numbers posted so far would write it (the editor's live line)."""
    form = CompensationRuleForm(request.POST or None)
    return render(
        request, "desk/managers/_rule_description.html", {"description": form.description_preview()}
    )


@desk_view(VIEW)
def rule_preview_view(request, rule_id: int | None = None):
    """What the rule as posted would have granted over the last PREVIEW_DAYS days, against
    the rules in force; nothing is saved. htmx: the preview alone; else the whole editor."""
    rule = get_object_or_404(CompensationRule, pk=rule_id) if rule_id is not None else None
    if request.method != "POST":
        return redirect(reverse("desk:rule", args=[rule_id]) if rule else reverse("desk:rule_new"))
    form = _form_for(request, rule)
    preview = None
    if form.is_valid():
        # Only in memory: the preview never writes the rule.
        preview = _preview_rows(rule_preview(rule=form.save(commit=False), days=PREVIEW_DAYS))
    if request.htmx:
        return render(
            request,
            "desk/managers/_rule_preview.html",
            {"preview": preview, "form": form, "days": PREVIEW_DAYS},
        )
    context = _editor_context(form, rule, preview=preview)
    context["base_version"] = request.POST.get("base_version", "")
    return render(request, "desk/managers/rule_form.html", context, status=200 if preview else 400)


def _money_totals(totals: dict, signed: bool = False) -> str:
    def one(amount, currency):
        text = money_format(amount, currency)
        return f"+{text}" if signed and amount > 0 else text

    return ", ".join(one(amount, currency) for currency, amount in totals.items()) or "—"


def _preview_rows(preview) -> dict:
    rows = [(_("All carriers"), preview.current, preview.changed, preview.difference)]
    rows += [(c.name, c.current, c.changed, c.difference) for c in preview.carriers]
    return {
        "days": preview.days,
        "delays": preview.delays,
        "affected": preview.affected,
        "rows": [
            {
                "label": label,
                "now_offers": current.offers,
                "now_total": _money_totals(current.totals),
                "new_offers": changed.offers,
                "new_total": _money_totals(changed.totals),
                "diff_offers": f"{difference.offers:+d}" if difference.offers else "0",
                "diff_total": _money_totals(difference.totals, signed=True),
                "more": any(amount > 0 for amount in difference.totals.values()),
                "less": any(amount < 0 for amount in difference.totals.values()),
            }
            for label, current, changed, difference in rows
        ],
    }
