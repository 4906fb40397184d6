"""The weekly report: `manage.py weekly_report` and the scheduled task mail the figures."""

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from apps.feedback.dashboard.report import weekly_period, weekly_report_task
from apps.feedback.management.commands.weekly_report import Command
from tests.factories import UserFactory
from tests.feedback.dashboard_data import known_data


@pytest.fixture
def known(agent, other_agent):
    return known_data(agent, other_agent)


def html_of(message) -> str:
    ((html, mimetype),) = message.alternatives
    assert mimetype == "text/html"
    return html


def test_command_mails_the_managers_the_weeks_figures(manager, other_manager, known, capsys):
    other_manager.preferred_language = "ko"
    other_manager.save(update_fields=["preferred_language"])
    UserFactory(username="gone", email="gone@delaydesk.example", is_active=False).groups.set(
        manager.groups.all()
    )

    call_command("weekly_report", "--week-ending", "2025-03-07")

    assert sorted(m.to[0] for m in mail.outbox) == [
        "carol@delaydesk.example",
        "dave@delaydesk.example",
    ]
    english = next(m for m in mail.outbox if m.to == ["carol@delaydesk.example"])
    assert english.subject == "Delay Desk weekly report, 2025-03-01 – 2025-03-07"
    # Plain text first, HTML as the alternative: tables, no images.
    assert "Delayed customers told before they complained" in english.body
    # 1–7 March: s8 (4 March, told) joins the five of 1–3 March.
    assert "Told first: 66.7%" in english.body
    assert "Day         CJ Logistics  Hanjin  Total\n2025-03-01             1       0      1\n" in (
        english.body
    )
    html = html_of(english)
    assert "<table" in html
    assert "<img" not in html
    assert ">66.7%<" in html
    assert "/desk/dashboard/?start=2025-03-01&amp;end=2025-03-07" in html
    assert "sent to 2 recipient(s)" in capsys.readouterr().out


def test_command_sends_to_the_addresses_given(manager, known):
    call_command(
        "weekly_report",
        "--to",
        "ops@example.com",
        "--to",
        "ceo@example.com",
        "--week-ending",
        "2025-03-03",
    )

    assert [m.to for m in mail.outbox] == [["ops@example.com"], ["ceo@example.com"]]
    assert mail.outbox[0].subject.endswith("2025-02-25 – 2025-03-03")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (["--week-ending", "03/07/2025"], "--week-ending: expected a date as YYYY-MM-DD"),
        (["--week-ending", "2999-01-01"], "--week-ending: 2999-01-01 is in the future"),
        (["--to", "not-an-address"], "--to: 'not-an-address' is not an email address"),
        ([], "no recipients: no active manager has an email address; use --to"),
    ],
)
def test_bad_input_exits_non_zero_with_one_line(db, argv, line, capsys, monkeypatch):
    # run_from_argv closes the connections at the end; the test's transaction must stay open.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)

    with pytest.raises(SystemExit) as exit_info:
        Command().run_from_argv(["manage.py", "weekly_report", *argv])

    assert exit_info.value.code == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert line in err
    assert mail.outbox == []


def test_bad_input_through_call_command_raises(db):
    with pytest.raises(CommandError):
        call_command("weekly_report", "--week-ending", "nope")


def test_task_mails_the_last_seven_whole_days(manager, known):
    sent = weekly_report_task()

    assert sent == 1
    period = weekly_period()
    yesterday = timezone.localdate() - timedelta(days=1)
    assert (period.start, period.end) == (yesterday - timedelta(days=6), yesterday)
    assert mail.outbox[0].to == ["carol@delaydesk.example"]


def test_task_delivered_twice_mails_once(manager, known):
    # The broker delivers at least once: a second run for the same week sends nothing.
    assert weekly_report_task() == 1
    assert weekly_report_task() == 0
    assert len(mail.outbox) == 1


def test_weekly_period_ends_on_the_day_given():
    period = weekly_period(date(2025, 3, 9))

    assert (period.start, period.end) == (date(2025, 3, 3), date(2025, 3, 9))
