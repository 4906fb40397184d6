"""SLA policies: working calendars per category; a timeline kind for returns to the pool."""

import datetime
import django.core.validators
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_dashboard_indexes"),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("created", "Created"),
                    ("status_changed", "Status changed"),
                    ("assigned", "Assigned"),
                    ("priority_changed", "Priority changed"),
                    ("customer_replied", "Customer replied"),
                    ("agent_replied", "Agent replied"),
                    ("note_added", "Internal note added"),
                    ("link_reissued", "Customer link re-issued"),
                    ("link_revoked", "Customer links revoked"),
                    ("delivery_change", "Delivery change requested"),
                    ("attachment_added", "Attachment added"),
                    ("sla_breached", "SLA breached"),
                    ("compensation", "Compensation"),
                    ("returned_to_pool", "Returned to the pool"),
                ],
                max_length=24,
            ),
        ),
        migrations.CreateModel(
            name="SlaPolicy",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        db_index=True, default=django.utils.timezone.now, editable=False
                    ),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("name", models.CharField(max_length=80, verbose_name="name")),
                (
                    "category",
                    models.CharField(
                        blank=True,
                        choices=[
                            ("late", "Parcel is late"),
                            ("lost", "Parcel is lost"),
                            ("damaged", "Parcel is damaged"),
                            ("wrong_address", "Wrong address"),
                            ("failed_delivery", "Delivery failed"),
                            ("other", "Something else"),
                        ],
                        help_text="Empty: the default for every category without a policy of its own",
                        max_length=20,
                        verbose_name="category",
                    ),
                ),
                (
                    "time_zone",
                    models.CharField(default="Asia/Seoul", max_length=64, verbose_name="time zone"),
                ),
                (
                    "working_days",
                    models.CharField(
                        default="12345",
                        help_text="Weekdays worked: 1 = Monday … 7 = Sunday, e.g. 12345",
                        max_length=7,
                        validators=[
                            django.core.validators.RegexValidator(
                                "^[1-7]{1,7}$", "Digits 1–7, e.g. 12345."
                            )
                        ],
                        verbose_name="working days",
                    ),
                ),
                (
                    "working_hours_start",
                    models.TimeField(
                        default=datetime.time(9, 0), verbose_name="working hours start"
                    ),
                ),
                (
                    "working_hours_end",
                    models.TimeField(
                        default=datetime.time(18, 0),
                        help_text="00:00: midnight",
                        verbose_name="working hours end",
                    ),
                ),
                (
                    "holidays_country",
                    models.CharField(
                        blank=True,
                        default="KR",
                        help_text="Country code, e.g. KR; empty: no public holidays",
                        max_length=2,
                        verbose_name="public holidays of",
                    ),
                ),
                (
                    "silence_hours",
                    models.PositiveSmallIntegerField(
                        blank=True,
                        help_text="Working hours without an agent's action; empty: never",
                        null=True,
                        verbose_name="return to the pool after",
                    ),
                ),
                ("is_active", models.BooleanField(default=True, verbose_name="active")),
            ],
            options={
                "verbose_name": "SLA policy",
                "verbose_name_plural": "SLA policies",
                "ordering": ["category", "name"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("is_active", True)),
                        fields=("category",),
                        name="sla_policy_one_active_per_category",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("silence_hours__isnull", True),
                            ("silence_hours__gte", 1),
                            _connector="OR",
                        ),
                        name="sla_policy_silence_positive",
                    ),
                ],
            },
        ),
    ]
