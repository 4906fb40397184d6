from django.db import models
from django.utils import timezone


class TimeStampedModel(models.Model):
    # A default rather than auto_now_add, so services can record the time they were told.
    created_at = models.DateTimeField(default=timezone.now, db_index=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
