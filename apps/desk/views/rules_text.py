"""How the rule list words a rule's trigger, and a version's changes, in a line each."""

from django.utils.translation import gettext as _

from apps.compensation.models import CompensationRule, CompensationRuleVersion
from apps.core.money import money_format
from apps.shipments.models import PromiseType


def rule_trigger(rule: CompensationRule) -> str:
    """ "24–71 h late · guaranteed · CJ Logistics": the conditions that are set, in one line."""
    parts = []
    if rule.max_hours_late is not None:
        parts.append(
            _("%(low)s–%(high)s h late") % {"low": rule.min_hours_late, "high": rule.max_hours_late}
        )
    elif rule.min_hours_late:
        parts.append(_("≥ %(hours)s h late") % {"hours": rule.min_hours_late})
    if rule.min_business_days_late:
        parts.append(_("≥ %(days)s business days late") % {"days": rule.min_business_days_late})
    if rule.promise_types:
        labels = dict(PromiseType.choices)
        parts.append(", ".join(str(labels.get(kind, kind)) for kind in rule.promise_types))
    if rule.carrier_id:
        parts.append(rule.carrier.name)
    if rule.service_level:
        parts.append(rule.get_service_level_display())
    if rule.min_order_value is not None:
        parts.append(
            _("order ≥ %(value)s") % {"value": money_format(rule.min_order_value, rule.currency)}
        )
    if rule.max_previous_grants is not None:
        parts.append(_("≤ %(count)s earlier grants") % {"count": rule.max_previous_grants})
    return " · ".join(parts) or _("Any delay")


def version_changes(version: CompensationRuleVersion) -> str:
    return "; ".join(
        f"{change['field']}: {change['before']} → {change['after']}"
        for change in version.changed_fields
    )
