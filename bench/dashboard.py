"""The managers' dashboard over 1M shipments, 100k tickets and 50k survey answers.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delaydesk .venv/bin/python bench/dashboard.py

Data (COPY): N shipments (default 1,000,000) for 50k customers with four carriers, created over
the last 90 days; 10% delayed (every reason), detection spread over those 90 days. One
"dispatched" notice per shipment plus a delay notice for 80% of the delayed (some held, never
sent). 100k tickets, 70% on delayed parcels (some proactive), 90% resolved by 20 agents; 50k
survey answers on resolved tickets; accepted or declined offers for a third of the ticketed
delays; general and per-carrier budgets for three months.

Figure: dashboard_30_days: the whole managers' page for the last 30 days (every figure: delays by
carrier and reason, told first, tickets and SLA, CSAT/NPS over time and by compensation, budgets,
agents), through the Django test client as a signed-in manager, median of 5 after one warm-up.
The page is a frame whose headline numbers and figure cards are fragments the browser fetches
(apps/desk/views/dashboard.py); this figure requests the frame, the headline and every figure's
fragment one after the other: the same server work as the single page before. Baseline: one
hand-written SQL statement computing the same numbers (CTEs, one row of JSON), under the same
settings. Target <= 1 s. The figures read the delays through `shipment_delay_detected_idx` and
the delay notices through `notification_told_delay_idx` (both partial, made by migrations).

Figure: dashboard_charts_drawn: in Chromium (Playwright, /usr/bin/chromium headless, 1,280 x 900),
the time from navigation start to every chart of the same page drawn. The page is served by
gunicorn (4 workers, as in the README's production line; DEBUG off); /static/ is answered from
the static folders by the browser harness (page.route), as the proxy in front of gunicorn serves
collected static files in production. "Drawn": as soon as the document is parsed, the page is
scrolled down one screen every two animation frames (cards are fetched and drawn lazily, when
they come into view, up to 4 requests at once) and the clock stops when every card's fragment is
in and every chart's container carries data-drawn="true", which static/js/dashboard.js sets from
Chart.js's afterRender hook (the canvas is painted). Measured with performance.now() in the page
(0 is the navigation start), median of --browser-runs after one warm-up. Baseline: the server
figure above (all fragments one after the other). Target <= 1.5 s.

A small run to check the script (not a measurement):
    .venv/bin/python bench/dashboard.py --shipments 20000 --tickets 2000 --answers 1000 --runs 1 \
        --browser-runs 1
"""

import argparse
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from common import bench_database, django_setup, figure, gunicorn

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
BENCH_PASSWORD = "bench-dashboard-pass"
# In the page, as soon as the document is parsed: scroll down a screen a frame (as a reader
# paging down would, only faster) until every chart is drawn; the time since navigation start.
ALL_DRAWN = """async () => {
    const frame = () => new Promise((done) => requestAnimationFrame(done));
    // Every card's fragment is in, and every chart in them drawn.
    const drawn = () => !document.querySelector('[data-fragment]') && Array.from(
        document.querySelectorAll('.dashboard-chart')).every((c) => c.dataset.drawn === 'true');
    const deadline = performance.now() + 30000;
    let y = 0;
    while (!drawn()) {
        if (performance.now() > deadline) {
            throw new Error('cards not filled or charts not drawn after 30 s');
        }
        window.scrollTo(0, y);
        // The observer sees the new position at the next rendering step, after this frame's.
        await frame();
        await frame();
        y = Math.min(y + window.innerHeight, document.documentElement.scrollHeight);
    }
    const navigation = performance.getEntriesByType('navigation')[0];
    const charts = document.querySelectorAll('.dashboard-chart[data-drawn=true] canvas');
    return {
        ms: performance.now(),
        html: navigation.responseEnd,
        parsed: navigation.domContentLoadedEventEnd,
        charts: charts.length,
    };
}"""

CARRIERS = [("cj", "CJ Logistics"), ("hanjin", "Hanjin"), ("post", "Korea Post"), ("dhl", "DHL")]
REASONS = [
    "sorting_error",
    "capacity",
    "vehicle",
    "weather",
    "customs",
    "not_home",
    "no_scan",
    "window_passed",
    "estimate_late",
]
KINDS = ["fixed_coupon", "store_credit", "points", "shipping_refund", "free_shipping"]
DAYS = 90
AGENT_COUNT = 20

HAND_SQL = """
WITH bounds AS (SELECT %(since)s::timestamptz AS since, %(until)s::timestamptz AS until),
delayed AS (
    SELECT s.id, s.carrier_id, s.delay_reason,
           (s.delay_detected_at AT TIME ZONE %(zone)s)::date AS day
    FROM shipments_shipment s, bounds b
    WHERE s.delay_detected_at >= b.since AND s.delay_detected_at < b.until
),
delays AS (
    SELECT day, carrier_id, delay_reason, count(*) AS n FROM delayed GROUP BY 1, 2, 3
),
told AS (
    SELECT d.day, count(*) AS delayed,
           count(*) FILTER (WHERE EXISTS (
               SELECT 1 FROM notifications_notification n
               WHERE n.subject_type = 'shipment' AND n.subject_id = d.id
                 AND n.stage IN ('delayed', 'exception') AND n.status = 'sent'
                 AND NOT EXISTS (
                     SELECT 1 FROM tickets_ticket t
                     WHERE t.shipment_id = d.id AND NOT t.is_proactive
                       AND t.created_at <= n.sent_at))) AS told_first
    FROM delayed d GROUP BY 1
),
opened AS (
    SELECT (t.created_at AT TIME ZONE %(zone)s)::date AS day, count(*) AS n
    FROM tickets_ticket t, bounds b
    WHERE t.created_at >= b.since AND t.created_at < b.until GROUP BY 1
),
resolved AS (
    SELECT (t.resolved_at AT TIME ZONE %(zone)s)::date AS day, count(*) AS n,
           count(*) FILTER (WHERE t.resolved_at <= t.resolution_due_at) AS kept,
           count(*) FILTER (WHERE t.first_responded_at <= t.first_response_due_at) AS first_kept
    FROM tickets_ticket t, bounds b
    WHERE t.resolved_at >= b.since AND t.resolved_at < b.until GROUP BY 1
),
answers AS (
    SELECT r.csat, r.nps, (r.created_at AT TIME ZONE %(zone)s)::date AS day,
           t.assignee_id, t.shipment_id
    FROM feedback_surveyresponse r
    JOIN feedback_survey s ON s.id = r.survey_id
    JOIN tickets_ticket t ON t.id = s.ticket_id, bounds b
    WHERE r.created_at >= b.since AND r.created_at < b.until
),
feedback AS (
    SELECT day, count(*) AS n, count(*) FILTER (WHERE csat >= 4) AS satisfied,
           count(nps) AS nps_n, count(*) FILTER (WHERE nps >= 9) AS promoters,
           count(*) FILTER (WHERE nps <= 6) AS detractors
    FROM answers GROUP BY 1
),
by_kind AS (
    SELECT coalesce((SELECT o.kind FROM compensation_offer o
                     WHERE o.shipment_id = a.shipment_id AND o.status = 'accepted'
                     ORDER BY o.responded_at, o.id LIMIT 1), 'none') AS kind,
           count(*) AS n, count(*) FILTER (WHERE csat >= 4) AS satisfied,
           count(nps) AS nps_n, count(*) FILTER (WHERE nps >= 9) AS promoters,
           count(*) FILTER (WHERE nps <= 6) AS detractors
    FROM answers a GROUP BY 1
),
budgets AS (
    SELECT id, name, period_start, period_end, carrier_id, currency, amount, spent, reserved
    FROM compensation_budget
    WHERE period_start <= %(end)s AND period_end >= %(start)s
),
agents AS (
    SELECT t.assignee_id, count(*) AS n,
           avg(t.resolved_at - t.created_at) AS mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY t.resolved_at - t.created_at) AS median,
           count(*) FILTER (WHERE t.resolved_at <= t.resolution_due_at) AS kept,
           count(*) FILTER (WHERE t.first_responded_at <= t.first_response_due_at) AS first_kept
    FROM tickets_ticket t, bounds b
    WHERE t.resolved_at >= b.since AND t.resolved_at < b.until AND t.assignee_id IS NOT NULL
    GROUP BY 1
),
agents_feedback AS (
    SELECT assignee_id, count(*) AS n, count(*) FILTER (WHERE csat >= 4) AS satisfied
    FROM answers WHERE assignee_id IS NOT NULL GROUP BY 1
)
SELECT (SELECT json_agg(delays) FROM delays), (SELECT json_agg(told) FROM told),
       (SELECT json_agg(opened) FROM opened), (SELECT json_agg(resolved) FROM resolved),
       (SELECT json_agg(feedback) FROM feedback), (SELECT json_agg(by_kind) FROM by_kind),
       (SELECT json_agg(budgets) FROM budgets), (SELECT json_agg(agents) FROM agents),
       (SELECT json_agg(agents_feedback) FROM agents_feedback)
"""


def build(total: int, tickets: int, answers: int, carrier_ids: list[int], agent_ids: list[int]):
    from django.db import connection

    rng = random.Random(6)
    now = datetime.now(UTC)
    start = now - timedelta(days=DAYS)
    span = DAYS * 86400

    def moment() -> datetime:
        return start + timedelta(seconds=rng.randrange(span))

    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            customers = 50_000
            with cur.copy(
                "COPY shipments_customer (name, email, phone, language, time_zone, channel, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(customers):
                    copy.write_row(
                        (f"C {n}", f"c{n}@bench.example", "", "ko", "Asia/Seoul", "email", now, now)
                    )
            cur.execute("SELECT min(id) FROM shipments_customer")
            first_customer = cur.fetchone()[0]

            delayed_rows = []  # (n, detected_at)
            with cur.copy(
                "COPY shipments_shipment (carrier_id, tracking_number, order_reference, "
                "customer_id, service_level, destination_city, destination_postal_code, "
                "destination_country, destination_time_zone, currency, shipping_fee, order_value, "
                "promise_type, promised_start, promised_end, estimate_source, status, raw_status, "
                "delivered_at, is_delayed, delay_reason, delay_detected_at, delay_hours, "
                "delay_business_days, created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(total):
                    created = moment()
                    promised_end = created + timedelta(days=2)
                    late = n % 10 == 0
                    detected = (
                        promised_end + timedelta(hours=rng.randrange(1, 30)) if late else None
                    )
                    if detected is not None and detected >= now:
                        detected = now - timedelta(minutes=rng.randrange(1, 600))
                    if late:
                        delayed_rows.append((n, detected))
                    delivered = created + timedelta(days=3) < now
                    copy.write_row(
                        (
                            carrier_ids[n % len(carrier_ids)],
                            f"D{n:010d}",
                            f"O{n}",
                            first_customer + n % customers,
                            "standard",
                            "Seoul",
                            "04524",
                            "KR",
                            "Asia/Seoul",
                            "KRW",
                            3000,
                            30000,
                            "estimated",
                            promised_end - timedelta(days=1),
                            promised_end,
                            "",
                            "delivered" if delivered else "in_transit",
                            "",
                            created + timedelta(days=3) if delivered else None,
                            late and not delivered,
                            rng.choice(REASONS) if late else "",
                            detected,
                            24 if late else 0,
                            1 if late else 0,
                            created,
                            created,
                        )
                    )
            cur.execute("SELECT min(id) FROM shipments_shipment")
            first_shipment = cur.fetchone()[0]

            with cur.copy(
                "COPY notifications_notification (channel, recipient, language, stage, "
                "subject_type, subject_id, dedupe_key, title, body, urgent, status, attempts, "
                "next_attempt_at, last_error, sent_at, created_at) FROM STDIN"
            ) as copy:
                for n in range(total):
                    sid = first_shipment + n
                    copy.write_row(
                        (
                            "email",
                            "c@bench.example",
                            "ko",
                            "dispatched",
                            "shipment",
                            sid,
                            f"shipment:{sid}:dispatched:email",
                            "",
                            "",
                            False,
                            "sent",
                            1,
                            now,
                            "",
                            now,
                            now,
                        )
                    )
                for n, detected in delayed_rows:
                    roll = rng.random()
                    if roll >= 0.8:
                        continue
                    sid = first_shipment + n
                    held = roll < 0.05
                    sent = detected + timedelta(minutes=rng.randrange(0, 180))
                    copy.write_row(
                        (
                            "email",
                            "c@bench.example",
                            "ko",
                            "delayed",
                            "shipment",
                            sid,
                            f"shipment:{sid}:delayed:email",
                            "",
                            "",
                            False,
                            "pending" if held else "sent",
                            0 if held else 1,
                            sent,
                            "",
                            None if held else sent,
                            detected,
                        )
                    )

            ticket_rows = []  # (shipment id, created, resolved)
            with cur.copy(
                "COPY tickets_ticket (reference, token_hash, customer_id, shipment_id, subject, "
                "category, language, status, priority, assignee_id, is_proactive, "
                "first_response_due_at, resolution_due_at, first_responded_at, resolved_at, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(tickets):
                    if n % 10 < 7:
                        index, detected = delayed_rows[rng.randrange(len(delayed_rows))]
                        created = detected + timedelta(minutes=rng.randrange(-120, 600))
                    else:
                        index = rng.randrange(total)
                        created = moment()
                    created = min(created, now - timedelta(minutes=1))
                    resolved = None
                    if n % 10 != 9:
                        resolved = created + timedelta(hours=rng.randrange(1, 72))
                        resolved = resolved if resolved < now else None
                    shipment_id = first_shipment + index
                    ticket_rows.append((shipment_id, created, resolved))
                    copy.write_row(
                        (
                            f"DD-B{n:07d}",
                            f"{n:064x}",
                            first_customer + index % customers,
                            shipment_id,
                            "Where is my parcel?",
                            "late",
                            "ko",
                            "resolved" if resolved else "open",
                            2,
                            agent_ids[n % len(agent_ids)],
                            n % 20 == 0,
                            created + timedelta(hours=4),
                            created + timedelta(hours=48),
                            created + timedelta(hours=rng.randrange(0, 8)),
                            resolved,
                            created,
                            created,
                        )
                    )
            cur.execute("SELECT min(id) FROM tickets_ticket")
            first_ticket = cur.fetchone()[0]

            resolved_tickets = [
                (first_ticket + n, row) for n, row in enumerate(ticket_rows) if row[2] is not None
            ]
            chosen = rng.sample(resolved_tickets, min(answers, len(resolved_tickets)))
            with cur.copy(
                "COPY feedback_survey (ticket_id, nonce, language, scheduled_for, sent_at, "
                "expires_at, answered_at, created_at) FROM STDIN"
            ) as copy:
                for ticket_id, (_shipment, _created, resolved) in chosen:
                    scheduled = resolved + timedelta(hours=1)
                    copy.write_row(
                        (
                            ticket_id,
                            f"n{ticket_id}",
                            "ko",
                            scheduled,
                            scheduled,
                            scheduled + timedelta(days=7),
                            scheduled + timedelta(hours=2),
                            resolved,
                        )
                    )
            cur.execute("SELECT min(id) FROM feedback_survey")
            first_survey = cur.fetchone()[0]
            with cur.copy(
                "COPY feedback_surveyresponse (survey_id, csat, nps, comment, created_at) "
                "FROM STDIN"
            ) as copy:
                for n, (_ticket_id, (_shipment, _created, resolved)) in enumerate(chosen):
                    answered = min(resolved + timedelta(hours=3), now)
                    copy.write_row(
                        (
                            first_survey + n,
                            rng.choice((1, 2, 3, 4, 4, 5, 5, 5)),
                            rng.randrange(11) if n % 3 else None,
                            "",
                            answered,
                        )
                    )

            offered = {}
            for shipment_id, _created, resolved in ticket_rows[: len(ticket_rows) * 7 // 10]:
                if rng.random() < 0.33 and shipment_id not in offered:
                    offered[shipment_id] = resolved or now
            with cur.copy(
                "COPY compensation_offer (shipment_id, stacking_group, choice_group, kind, "
                "currency, amount, reserved, explanation, status, manual_reason, "
                "decision_reason, issued_at, responded_at, created_at) FROM STDIN"
            ) as copy:
                for shipment_id, when in offered.items():
                    accepted = rng.random() < 0.8
                    copy.write_row(
                        (
                            shipment_id,
                            "delay",
                            "",
                            rng.choice(KINDS),
                            "KRW",
                            3000,
                            0,
                            "bench",
                            "accepted" if accepted else "declined",
                            "",
                            "",
                            when,
                            when,
                            when,
                        )
                    )
            for table in (
                "shipments_shipment",
                "notifications_notification",
                "tickets_ticket",
                "feedback_survey",
                "feedback_surveyresponse",
                "compensation_offer",
            ):
                cur.execute(f"ANALYZE {table}")
        raw.commit()
    return len(delayed_rows), len(offered)


def budgets(carriers) -> None:
    from decimal import Decimal

    from django.utils import timezone

    from apps.compensation.models import Budget

    first = timezone.localdate().replace(day=1)
    for back in range(3):
        month = (first - timedelta(days=back * 28)).replace(day=1)
        end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        for carrier in [None, *carriers]:
            Budget.objects.create(
                name=f"{month:%Y-%m} {carrier.name if carrier else 'all'}",
                period_start=month,
                period_end=end,
                carrier=carrier,
                amount=Decimal("50000000"),
                spent=Decimal("1200000"),
                reserved=Decimal("300000"),
            )


def timed(function, runs: int) -> float:
    function()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shipments", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--answers", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--browser-runs", type=int, default=5)
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE", "delaydesk_bench_dashboard"),
        help="database to (re)create for the run (default: $BENCH_DATABASE or %(default)s)",
    )
    args = parser.parse_args()
    database_url = bench_database(args.database)
    django_setup(database_url)
    from django.contrib.auth.models import Group
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from apps.accounts.models import User
    from apps.accounts.roles import AGENTS, MANAGERS
    from apps.feedback.dashboard.figures import MANAGER_FIGURES
    from apps.feedback.dashboard.selectors import dashboard_reads
    from apps.shipments.models import Carrier

    carriers = [
        Carrier.objects.create(code=code, name=name, country="KR") for code, name in CARRIERS
    ]
    agents = Group.objects.get(name=AGENTS)
    agent_ids = []
    for n in range(AGENT_COUNT):
        user = User.objects.create_user(f"agent{n}", f"agent{n}@bench.example", is_staff=True)
        user.groups.add(agents)
        agent_ids.append(user.pk)
    manager = User.objects.create_user(
        "manager", "manager@bench.example", password=BENCH_PASSWORD, is_staff=True
    )
    manager.groups.add(Group.objects.get(name=MANAGERS))
    budgets(carriers)

    started = time.perf_counter()
    delayed, offers = build(
        args.shipments, args.tickets, args.answers, [c.pk for c in carriers], agent_ids
    )
    # The steady state autovacuum reaches: visibility maps set, so index-only scans are.
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    print(
        f"bench: built {args.shipments:,} shipments ({delayed:,} delayed), {args.tickets:,} "
        f"tickets, {args.answers:,} answers, {offers:,} offers in "
        f"{time.perf_counter() - started:.0f} s"
    )

    end = timezone.localdate()
    start = end - timedelta(days=29)
    zone = timezone.get_default_timezone()
    since = datetime.combine(start, datetime.min.time(), tzinfo=zone)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=zone)
    params = {
        "since": since,
        "until": until,
        "zone": str(zone),
        "start": start,
        "end": end,
    }

    def hand_sql():
        # Under the same settings as the page (JIT off, see dashboard_reads).
        with dashboard_reads(), connection.cursor() as cursor:
            cursor.execute(HAND_SQL, params)
            return cursor.fetchone()

    client = Client(SERVER_NAME="localhost")
    client.force_login(manager)
    query = {"start": start.isoformat(), "end": end.isoformat()}

    fragments = ["/desk/dashboard/headline/"]
    fragments += [f"/desk/dashboard/figure/{name}/" for name in MANAGER_FIGURES]

    def page() -> list[str]:
        pages = []
        for url in ["/desk/dashboard/", *fragments]:
            response = client.get(url, query)
            assert response.status_code == 200, (url, response.status_code)
            pages.append(response.content.decode())
        return pages

    html = page()
    print(
        f"bench: frame and fragments {sum(len(text) for text in html) // 1024} KiB; "
        f"{sum(text.count('data-chart=') for text in html)} charts"
    )
    sql_seconds = timed(hand_sql, args.runs)
    page_seconds = timed(page, args.runs)
    figure(
        "dashboard_30_days",
        page_seconds * 1000,
        "ms",
        baseline=sql_seconds * 1000,
        target=1000,
        op="<=",
    )
    connection.close()  # the browser part uses no ORM (Playwright's loop would refuse it)
    with gunicorn(database_url, workers=4) as port:
        drawn_ms, charts = charts_drawn(port, query, args.browser_runs)
    print(f"bench: {charts} charts drawn in the browser")
    figure(
        "dashboard_charts_drawn",
        drawn_ms,
        "ms",
        baseline=page_seconds * 1000,
        target=1500,
        op="<=",
    )


def static_file(route) -> None:
    """Answer /static/… from the static folders, as the proxy in front of gunicorn would."""
    import mimetypes
    from urllib.parse import unquote, urlsplit

    from django.contrib.staticfiles import finders

    name = unquote(urlsplit(route.request.url).path).removeprefix("/static/")
    found = finders.find(name)
    if not found:
        route.fulfill(status=404, body="")
        return
    kind = mimetypes.guess_type(found)[0] or "application/octet-stream"
    with open(found, "rb") as handle:
        route.fulfill(status=200, body=handle.read(), headers={"Content-Type": kind})


def charts_drawn(port: int, query: dict, runs: int) -> tuple[float, int]:
    """Median ms from navigation to every chart drawn (see the module's docstring)."""
    from urllib.parse import urlencode

    from playwright.sync_api import sync_playwright

    base = f"http://localhost:{port}"
    url = f"{base}/desk/dashboard/?{urlencode(query)}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
        context.route(f"{base}/static/**", static_file)
        page = context.new_page()
        page.goto(f"{base}/desk/login/")
        page.fill("#id_username", "manager")
        page.fill("#id_password", BENCH_PASSWORD)
        with page.expect_navigation():
            page.press("#id_password", "Enter")
        times, charts = [], 0
        for run in range(runs + 1):
            page.goto(url, wait_until="domcontentloaded", timeout=60_000)
            result = page.evaluate(ALL_DRAWN)
            charts = result["charts"]
            print(
                f"bench: run {run}{' (warm-up)' if not run else ''}: page received at "
                f"{result['html']:.0f} ms, parsed with its scripts at {result['parsed']:.0f} ms, "
                f"{charts} charts drawn at {result['ms']:.0f} ms"
            )
            if run:  # the first is a warm-up
                times.append(result["ms"])
        browser.close()
    return statistics.median(times), charts


if __name__ == "__main__":
    main()
