"""What the dashboard is asked about: a range of days in the desk's time zone, maybe one carrier."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.parsing import date_in_range
from apps.shipments.models import Carrier

DEFAULT_DAYS = 30
MAX_DAYS = 366


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # included
    carrier: Carrier | None = None

    @property
    def zone(self):
        return timezone.get_default_timezone()

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time.min, tzinfo=self.zone)

    @property
    def until(self) -> datetime:
        """The first moment after the range (exclusive bound)."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=self.zone)

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def query(self) -> str:
        """The GET query that asks for this period again (CSV links)."""
        text = f"start={self.start.isoformat()}&end={self.end.isoformat()}"
        return text + (f"&carrier={self.carrier.pk}" if self.carrier else "")


def default_range(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - timedelta(days=DEFAULT_DAYS - 1), today


class DateRangeForm(forms.Form):
    """A range of days (first and last included), at most a year, within 2000–2099."""

    start = forms.DateField(
        label=pgettext_lazy("dashboard period", "From"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("dashboard period", "To"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        for name, day in (("start", start), ("end", end)):
            if day and not date_in_range(day):
                self.add_error(name, _("Choose a date between 2000 and 2099."))
                data[name] = None
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("The end comes before the start."))
        elif start and end and (end - start).days >= MAX_DAYS:
            self.add_error("end", _("Choose at most a year."))
        return data


class PeriodForm(DateRangeForm):
    carrier = forms.ModelChoiceField(
        label=_("Carrier"),
        queryset=Carrier.objects.order_by("name"),
        required=False,
        empty_label=_("All carriers"),
    )

    @classmethod
    def from_query(cls, query, **kwargs) -> "PeriodForm":
        """The GET query, with the last 30 days for whatever date it leaves out."""
        start, end = default_range()
        data = {"start": start.isoformat(), "end": end.isoformat(), "carrier": ""}
        data.update({key: query.get(key) for key in data if key in query})
        return cls(data, **kwargs)

    @property
    def period(self) -> Period:
        data = self.cleaned_data
        return Period(start=data["start"], end=data["end"], carrier=data.get("carrier"))

    def error_lines(self) -> list[str]:
        """Every problem as one line a person can read (CSV answers, the command)."""
        lines = [str(error) for error in self.non_field_errors()]
        for name, errors in self.errors.items():
            if name in self.fields:
                lines += [f"{self.fields[name].label}: {error}" for error in errors]
        return lines
