"""Creating and editing compensation rules.

The customer-facing description is never typed: both services write it from the action and its
numbers (descriptions.rule_description_text, English and Korean), so it follows every change.

Offers keep the version of the rule that made them, so every edit that changes something makes
a new version and keeps the one it replaces, whole, as a CompensationRuleVersion: every field
before the edit, which fields changed (before and after), who changed them, when and why.
"""

from datetime import date
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.compensation.descriptions import rule_description_text, rule_values
from apps.compensation.errors import RuleEditNotAllowed, RuleFieldUnknown, RuleInvalid
from apps.compensation.models import CompensationRule, CompensationRuleVersion
from apps.shipments.models import Fault, PromiseType

# Kept by the record itself, never set by an edit.
NOT_EDITABLE = frozenset({"id", "version", "created_at", "updated_at"})
# JSON list fields and the values each may hold.
LIST_CHOICES = {"promise_types": PromiseType.values, "exempt_faults": Fault.values}


def _plain(value):
    """A field's value as JSON holds it: amounts and times as text, the rest as they are."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _content(rule: CompensationRule) -> dict:
    """Every field of the rule (a foreign key as the id it points at), JSON-ready."""
    return {
        field.name: _plain(field.value_from_object(rule))
        for field in CompensationRule._meta.concrete_fields
        if not field.primary_key
    }


def _field(name: str) -> models.Field:
    try:
        field = CompensationRule._meta.get_field(name)
    except FieldDoesNotExist:
        raise RuleFieldUnknown(field=name) from None
    if name in NOT_EDITABLE or not field.concrete:
        raise RuleFieldUnknown(field=name)
    return field


def _value(field: models.Field, value):
    """`value` as the field stores it (a carrier as its id); RuleInvalid when it cannot be."""
    if isinstance(value, models.Model):
        value = value.pk
    try:
        value = field.to_python(value)
        if isinstance(field, models.DecimalField) and value is not None and value.is_finite():
            # As the column stores it: a version's "after" reads as the next one's content.
            value = value.quantize(Decimal(1).scaleb(-field.decimal_places))
    except ValidationError as error:
        raise RuleInvalid(" ".join(error.messages), field=field.name) from None
    except ArithmeticError:
        raise RuleInvalid("The number is too large.", field=field.name) from None
    if isinstance(field, models.DateTimeField) and value is not None and timezone.is_naive(value):
        # A moment without a zone is the desk's local time, as a form would read it.
        value = timezone.make_aware(value)
    allowed = LIST_CHOICES.get(field.name)
    if allowed is not None:
        if not isinstance(value, list) or any(item not in allowed for item in value):
            raise RuleInvalid(
                f"Each of {field.name} must be one of {', '.join(allowed)}.", field=field.name
            )
        # A set of choices: kept sorted and once each, so a reordered list is no change.
        value = sorted(set(value))
    return value


def _checked(rule: CompensationRule) -> None:
    """The model's own validation (field limits, ranges, the check constraints) as RuleInvalid."""
    try:
        rule.full_clean()
    except ValidationError as error:
        fields = list(error.message_dict) if hasattr(error, "error_dict") else []
        field = fields[0] if len(fields) == 1 and fields[0] != "__all__" else None
        raise RuleInvalid(" ".join(error.messages), field=field) from None


def _allowed(actor: User | None, permission: str) -> None:
    # No actor: a management command (the presets), run by whoever may run commands.
    if actor is not None and not actor.has_perm(f"compensation.{permission}"):
        raise RuleEditNotAllowed()


def rule_create(*, fields: dict, actor: User | None) -> CompensationRule:
    """Create a rule (version 1) from `fields` (field name → value; a carrier may be given as
    itself or its id); its description is written from its numbers (a given one is replaced).
    Refuses an actor without the add permission (RuleEditNotAllowed), a field
    the rule does not have or that the record keeps itself (RuleFieldUnknown) and values the
    model refuses (RuleInvalid); nothing is written then. One INSERT."""
    _allowed(actor, "add_compensationrule")
    rule = CompensationRule()
    for name, value in fields.items():
        field = _field(name)
        setattr(rule, field.attname, _value(field, value))
    rule.description = rule_description_text(rule_values(rule))
    _checked(rule)
    rule.save()
    return rule


def rule_update(
    *, rule: CompensationRule | int, changes: dict, actor: User | None, reason: str = ""
) -> CompensationRule:
    """Apply `changes` (field name → new value) to a rule and return it as saved.

    In one transaction, the rule row locked (so two edits at once make two versions, one after
    the other): the fields whose value differs from the stored one are written, the version goes
    up by one, and the version replaced is kept whole as a CompensationRuleVersion with the
    changed fields' before and after, `actor` and `reason`. Changes that change nothing write
    nothing (no version). Refuses an actor without the change permission, an unknown field and
    invalid values like rule_create; nothing is written then. `rule` is read again under the
    lock: the caller's copy is not updated.
    """
    _allowed(actor, "change_compensationrule")
    fields = {name: _field(name) for name in changes}
    values = {name: _value(fields[name], value) for name, value in changes.items()}
    with transaction.atomic():
        pk = rule if isinstance(rule, int) else rule.pk
        # NO KEY UPDATE: two edits still queue, but offers being written for this rule (their
        # foreign key takes KEY SHARE) neither wait for an edit nor hold one up.
        locked = CompensationRule.objects.select_for_update(no_key=True).get(pk=pk)
        now = timezone.now()
        before = _content(locked)
        changed = []
        for name, value in values.items():
            field = fields[name]
            current = field.value_from_object(locked)
            if name in LIST_CHOICES:
                current = sorted(set(current or ()))
            if current != value:
                setattr(locked, field.attname, value)
                changed.append(field)
        # The description follows the numbers: written, never typed, so it is no change of its
        # own (not among changed_fields) but goes with any change, the row's old one replaced.
        changed = [field for field in changed if field.name != "description"]
        if not changed:
            return locked
        locked.description = rule_description_text(rule_values(locked))
        _checked(locked)
        CompensationRuleVersion.objects.create(
            rule=locked,
            version=locked.version,
            content=before,
            changed_fields=[
                {
                    "field": field.name,
                    "before": before[field.name],
                    "after": _plain(field.value_from_object(locked)),
                }
                for field in changed
            ],
            changed_by=actor,
            changed_at=now,
            reason=(reason or "").strip()[:300],
        )
        locked.version += 1
        locked.save(
            update_fields=[
                *(field.attname for field in changed),
                "description",
                "version",
                "updated_at",
            ]
        )
        return locked
