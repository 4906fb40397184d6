"""The desk queue's urgency order: open tickets by "the next due time that matters", then id.

`CASE WHEN first_responded_at IS NULL THEN least(first_response_due_at, resolution_due_at)
ELSE resolution_due_at END` (`apps.tickets.queue.listing.next_due`), so that a ticket whose
first answer is overdue comes first and each keyset page is one range scan of this index.
"""

from django.db import migrations, models
from django.db.models.functions import Least


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0007_default_sla_policy"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="ticket",
            index=models.Index(
                models.Case(
                    models.When(
                        first_responded_at__isnull=True,
                        then=Least("first_response_due_at", "resolution_due_at"),
                    ),
                    default=models.F("resolution_due_at"),
                    output_field=models.DateTimeField(),
                ),
                models.F("id"),
                condition=models.Q(status__in=["new", "open", "pending_customer"]),
                name="ticket_open_next_due_idx",
            ),
        ),
    ]
