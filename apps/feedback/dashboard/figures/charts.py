"""The chart layout the figures share: size, legend, and axes of days, counts and percentages.

The specification keeps Plotly's shape (traces in `data`, axes in `layout`), a small subset that
static/js/dashboard.js turns into Chart.js charts: bar and scatter (line) traces, `yaxis: "y2"`
for a share on the right, `barmode` stack or group, `offsetgroup` for bars stacked within a group.
"""

from apps.feedback.dashboard.period import Period


def layout(**extra) -> dict:
    spec = {
        "height": 320,
        "margin": {"l": 48, "r": 48, "t": 16, "b": 40},
        "legend": {"orientation": "h", "y": -0.2},
        "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
    }
    spec.update(extra)
    return spec


def percent_axis(title: str, **extra) -> dict:
    return {
        "title": {"text": title},
        "range": [0, 100],
        "dtick": 25,
        "ticksuffix": "%",
        **extra,
    }


def day_axis(period: Period) -> dict:
    """Days, not hours: a tick a day for a month or less, the drawing's choice beyond."""
    axis = {"type": "date", "tickformat": "%m-%d"}
    if len(period.days) <= 31:
        axis["dtick"] = 86_400_000
    return axis


def count_axis(title: str, counts) -> dict:
    """Whole numbers only: small counts get a tick per unit instead of 0.5 steps."""
    axis = {"title": {"text": title}, "rangemode": "tozero"}
    if max(counts, default=0) <= 8:
        axis["dtick"] = 1
    return axis


def percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)


def day_labels(period: Period) -> list[str]:
    return [day.isoformat() for day in period.days]
