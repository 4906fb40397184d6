"""Working-time arithmetic (apps/tickets/sla_calendar.py): business hours, Korean public
holidays, one zone. Concrete cases a call-center would check by hand, then properties."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from apps.tickets.sla_calendar import ALWAYS_OPEN, NoWorkingTime, WorkingCalendar, holidays_for

SEOUL = ZoneInfo("Asia/Seoul")
H = timedelta(hours=1)
OFFICE = WorkingCalendar()  # Mon–Fri 09:00–18:00 Asia/Seoul, Korean public holidays


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


# --- concrete cases ---------------------------------------------------------------------------


def test_friday_afternoon_plus_four_hours_is_monday_noon():
    # 2026-11-20 is a Friday; 1 h on Friday, 3 h on Monday.
    assert OFFICE.add(kst(2026, 11, 20, 17), 4 * H) == kst(2026, 11, 23, 12)


def test_friday_evening_counts_nothing_until_monday_morning():
    assert OFFICE.add(kst(2026, 11, 20, 21, 30), 4 * H) == kst(2026, 11, 23, 13)
    assert OFFICE.between(kst(2026, 11, 20, 18), kst(2026, 11, 23, 9)) == timedelta(0)


def test_a_holiday_monday_moves_the_due_time_to_tuesday():
    # 2026-08-17 (Monday) is the alternative holiday for Liberation Day.
    assert OFFICE.add(kst(2026, 8, 14, 17), 4 * H) == kst(2026, 8, 18, 12)


def test_chuseok_closes_three_days():
    # Chuseok 2026: Thursday 24 – Saturday 26 September; Friday the 25th is closed too.
    assert {kst(2026, 9, d).date() for d in (24, 25, 26)} <= holidays_for("KR", 2026)
    assert OFFICE.add(kst(2026, 9, 23, 17), 2 * H) == kst(2026, 9, 28, 10)


def test_seollal_closes_three_days():
    # Seollal 2026: Monday 16 – Wednesday 18 February.
    assert OFFICE.add(kst(2026, 2, 13, 16), 4 * H) == kst(2026, 2, 19, 11)
    assert OFFICE.between(kst(2026, 2, 13, 9), kst(2026, 2, 20, 9)) == 18 * H


def test_a_target_crossing_midnight_continues_next_morning():
    assert OFFICE.add(kst(2026, 11, 24, 16), 4 * H) == kst(2026, 11, 25, 11)
    # Asked after hours, the clock starts the next morning.
    assert OFFICE.add(kst(2026, 11, 24, 23, 59), 1 * H) == kst(2026, 11, 25, 10)


def test_a_resolution_target_spans_several_working_days():
    # 48 working hours at 9 a day: five days and 3 hours; Monday 10:00 → next Monday 13:00.
    assert OFFICE.add(kst(2026, 11, 23, 10), 48 * H) == kst(2026, 11, 30, 13)


def test_kst_has_no_daylight_saving_a_working_day_is_nine_hours_all_year():
    for month in range(1, 13):
        day = next(
            kst(2026, month, d)
            for d in range(1, 29)
            if OFFICE.is_working_day(kst(2026, month, d).date())
        )
        opens, closes = OFFICE.window(day.date())
        assert closes - opens == 9 * H
        assert opens == datetime(day.year, day.month, day.day, 0, tzinfo=UTC)


def test_answers_are_the_same_instant_whatever_zone_the_question_came_in():
    asked = kst(2026, 11, 20, 17)
    assert OFFICE.add(asked.astimezone(UTC), 4 * H) == OFFICE.add(asked, 4 * H)


def test_a_24x7_policy_counts_wall_clock_time():
    start = kst(2026, 9, 25, 3)  # a holiday, at night
    assert ALWAYS_OPEN.add(start, 4 * H) == start + 4 * H
    assert ALWAYS_OPEN.between(start, start + 50 * H) == 50 * H
    assert ALWAYS_OPEN.subtract(start, 4 * H) == start - 4 * H


def test_a_day_ending_at_midnight_runs_to_the_end_of_the_day():
    late = WorkingCalendar(start=time(18), end=time(0), holidays_country="")
    assert late.add(kst(2026, 11, 23, 23), 2 * H) == kst(2026, 11, 24, 19)


def test_a_zone_with_daylight_saving_counts_real_hours():
    # New York leaves daylight saving on Sunday 2026-11-01: every day open, 00:00–00:00.
    ny = WorkingCalendar(
        time_zone="America/New_York",
        working_days=frozenset(range(1, 8)),
        start=time(0),
        end=time(0),
        holidays_country="US",
    )
    zone = ZoneInfo("America/New_York")
    day = datetime(2026, 11, 1, tzinfo=zone).date()
    opens, closes = ny.window(day)
    assert closes - opens == 25 * H


def test_subtract_is_add_backwards():
    assert OFFICE.subtract(kst(2026, 11, 23, 12), 4 * H) == kst(2026, 11, 20, 17)
    assert OFFICE.subtract(kst(2026, 11, 23, 9), 1 * H) == kst(2026, 11, 20, 17)


def test_a_calendar_that_never_opens_is_refused():
    with pytest.raises(NoWorkingTime):
        WorkingCalendar(working_days=frozenset())
    with pytest.raises(NoWorkingTime):
        WorkingCalendar(start=time(18), end=time(9))


def test_holidays_are_looked_up_once_per_country_and_year():
    holidays_for.cache_clear()
    OFFICE.between(kst(2026, 1, 2), kst(2026, 12, 31))
    OFFICE.add(kst(2026, 3, 1), 300 * H)
    info = holidays_for.cache_info()
    assert info.misses == 1 and info.hits > 250


# --- properties ---------------------------------------------------------------------------------

CALENDARS = st.sampled_from(
    [
        OFFICE,
        ALWAYS_OPEN,
        WorkingCalendar(working_days=frozenset({1, 2, 3, 4, 5, 6}), start=time(8), end=time(20)),
        WorkingCalendar(start=time(22), end=time(0), holidays_country=""),
        WorkingCalendar(time_zone="Europe/Berlin", holidays_country="DE"),
    ]
)
INSTANTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
)
DURATIONS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS)
def test_adding_working_time_then_measuring_it_gives_it_back(calendar, start, duration):
    due = calendar.add(start, duration)
    assert due >= start
    assert calendar.between(start, due) == duration


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS)
def test_working_time_never_runs_faster_than_the_wall_clock(calendar, start, duration):
    assert calendar.add(start, duration) >= start + duration


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS, DURATIONS)
def test_adding_in_two_steps_is_adding_once(calendar, start, first, second):
    assume(second > timedelta(0))
    assert calendar.add(calendar.add(start, first), second) == calendar.add(start, first + second)


SPANS = st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=200))


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, SPANS, SPANS)
def test_working_time_between_instants_adds_up(calendar, a, first, second):
    b, c = a + first, a + first + second
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)
    assert calendar.between(c, a) == -calendar.between(a, c)


@settings(max_examples=150, deadline=None)
@given(CALENDARS, INSTANTS, DURATIONS)
def test_subtract_finds_the_latest_start_that_is_due_by_then(calendar, end, duration):
    start = calendar.subtract(end, duration)
    assert start <= end
    assert calendar.between(start, end) == duration
    assert calendar.add(start, duration) <= end
    # A moment later is not due yet (when there is working time to run at all).
    if duration > timedelta(0):
        assert calendar.add(start + timedelta(microseconds=1), duration) > end


@settings(max_examples=150, deadline=None)
@given(
    CALENDARS,
    INSTANTS,
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(hours=200)),
)
def test_a_due_time_falls_inside_working_hours(calendar, start, duration):
    due = calendar.add(start, duration)
    local = due.astimezone(ZoneInfo(calendar.time_zone))
    windows = [calendar.window(local.date() + timedelta(days=k)) for k in (-1, 0)]
    assert any(w and w[0] < due <= w[1] for w in windows)
