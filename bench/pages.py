"""Pages under load: the desk's queue and ticket workspace, and the customer ticket page,
served by gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/delaydesk .venv/bin/python bench/pages.py

Builds 100k tickets with 1M messages (COPY), signs an agent in, and measures requests/s with
concurrent keep-alive clients for: a trivial page (the portal's home: a template, no queries) as
the baseline, the customer ticket page, the desk queue at /desk/queue/ (50 rows) at page 1 and
75% deep (by its keyset cursor), and one ticket's workspace at /desk/tickets/<id>/. Targets:
customer page >= 15% of the trivial page, queue page 1 >= 15%, the queue 75% deep >= 70% of
page 1, the workspace >= 10%. A page the desk does not have yet (404) is skipped, with the reason.
"""

import argparse
import hashlib
import http.client
import re
import threading
import time
from datetime import UTC, datetime, timedelta

from common import bench_database, django_setup, figure, gunicorn

STATUSES = ["new", "open", "open", "pending_customer", "resolved", "closed"]


def build(tickets: int, messages_per_ticket: int) -> None:
    from django.db import connection

    now = datetime.now(UTC)
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            customers = tickets // 5
            with cur.copy(
                "COPY shipments_customer (name, email, phone, language, time_zone, channel, "
                "created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(customers):
                    copy.write_row(
                        (
                            f"고객 {n}",
                            f"p{n}@bench.example",
                            "",
                            "ko",
                            "Asia/Seoul",
                            "email",
                            now,
                            now,
                        )
                    )
            cur.execute("SELECT min(id) FROM shipments_customer")
            first_customer = cur.fetchone()[0]
            with cur.copy(
                "COPY tickets_ticket (reference, token_hash, customer_id, subject, category, "
                "language, status, priority, is_proactive, first_response_due_at, "
                "resolution_due_at, resolved_at, closed_at, created_at, updated_at) FROM STDIN"
            ) as copy:
                for n in range(tickets):
                    status = STATUSES[n % len(STATUSES)]
                    created = now - timedelta(minutes=n % 20000)
                    done = (
                        created + timedelta(hours=5) if status in ("resolved", "closed") else None
                    )
                    copy.write_row(
                        (
                            f"DD-B{n:07d}",
                            hashlib.sha256(f"bench-token-{n}".encode()).hexdigest(),
                            first_customer + n % customers,
                            f"Where is my parcel? #{n}",
                            "late",
                            "ko",
                            status,
                            2,
                            False,
                            created + timedelta(hours=4),
                            created + timedelta(hours=48),
                            done,
                            done if status == "closed" else None,
                            created,
                            created,
                        )
                    )
            cur.execute("SELECT min(id) FROM tickets_ticket")
            first_ticket = cur.fetchone()[0]
            with cur.copy(
                "COPY tickets_message (ticket_id, author_kind, is_internal, body, created_at) "
                "FROM STDIN"
            ) as copy:
                for n in range(tickets * messages_per_ticket):
                    ticket, index = divmod(n, messages_per_ticket)
                    copy.write_row(
                        (
                            first_ticket + ticket,
                            "customer" if index % 2 == 0 else "system",
                            False,
                            f"Message {index} about my parcel — 택배 문의 {index}.",
                            now - timedelta(minutes=messages_per_ticket - index),
                        )
                    )
            cur.execute("ANALYZE")
        raw.commit()


class Session:
    """A keep-alive HTTP connection that keeps cookies (for the signed-in agent)."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: str = "", headers=None) -> tuple[int, str]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self.conn.request(method, path, body=body or None, headers=headers)
        response = self.conn.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text


def sign_in(port: int, username: str, password: str) -> dict[str, str]:
    session = Session(port)
    status, page = session.request("GET", "/desk/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    body = f"csrfmiddlewaretoken={token}&username={username}&password={password}&next=/desk/"
    status, _ = session.request(
        "POST",
        "/desk/login/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{port}/desk/login/",
            "Origin": f"http://127.0.0.1:{port}",
        },
    )
    if status != 302:
        raise SystemExit(f"bench: agent sign-in failed ({status})")
    return session.cookies


QUEUE_PATH = "/desk/queue/"


def answer_status(port: int, path: str, cookies: dict) -> int:
    """The status one GET of `path` answers (to skip a page that does not exist yet)."""
    session = Session(port)
    session.cookies = dict(cookies)
    status, _ = session.request("GET", path)
    return status


def throughput(port: int, path: str, cookies: dict, *, clients: int, seconds: float) -> float:
    done, errors = [0], []
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def worker():
        session = Session(port)
        session.cookies = dict(cookies)
        count = 0
        while time.perf_counter() < deadline:
            status, _ = session.request("GET", path)
            if status != 200:
                errors.append(status)
                break
            count += 1
        with lock:
            done[0] += count

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise SystemExit(f"bench: {path} answered {errors[0]}")
    return done[0] / (time.perf_counter() - started)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--messages", type=int, default=10, help="per ticket")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    database_url = bench_database("delaydesk_bench_pages")
    django_setup(database_url)
    from django.contrib.auth.models import Group

    from apps.accounts.models import User
    from apps.tickets.models import Ticket
    from apps.tickets.queue import Cursor

    started = time.perf_counter()
    build(args.tickets, args.messages)
    print(
        f"bench: {args.tickets:,} tickets, {args.tickets * args.messages:,} messages built in "
        f"{time.perf_counter() - started:.0f} s",
        flush=True,
    )
    agent = User.objects.create_user("bench-agent", password="bench-agent-pass", is_staff=True)
    agent.groups.add(Group.objects.get(name="Agents"))
    # The customer page of an open ticket with its full conversation.
    open_ticket = Ticket.objects.filter(status="open").order_by("pk").first()
    number = int(open_ticket.reference.removeprefix("DD-B"))
    customer_path = f"/t/bench-token-{number}/"
    # The queue's default list: open tickets whose SLA clock runs (waiting ones are apart).
    queue_rows = Ticket.objects.filter(
        status__in=["new", "open", "pending_customer"], sla_paused_at__isnull=True
    )
    deep = queue_rows.order_by("resolution_due_at", "pk")[int(queue_rows.count() * 0.75)]
    deep_cursor = Cursor(due=deep.resolution_due_at, ticket_id=deep.pk).encode()
    workspace_path = f"/desk/tickets/{open_ticket.pk}/"

    with gunicorn(database_url, workers=3) as port:
        cookies = sign_in(port, "bench-agent", "bench-agent-pass")
        run = {"clients": args.clients, "seconds": args.seconds}
        workspace_status = answer_status(port, workspace_path, cookies)
        warm = ["/", customer_path, QUEUE_PATH]
        if workspace_status == 200:
            warm.append(workspace_path)
        for path in warm:
            throughput(port, path, cookies, clients=1, seconds=1)  # warm up
        trivial = throughput(port, "/", {}, **run)
        customer = throughput(port, customer_path, {}, **run)
        queue = throughput(port, QUEUE_PATH, cookies, **run)
        queue_deep = throughput(port, f"{QUEUE_PATH}?cursor={deep_cursor}", cookies, **run)
        workspace = (
            throughput(port, workspace_path, cookies, **run) if workspace_status == 200 else None
        )
    print(f"bench: trivial page {trivial:,.0f} req/s", flush=True)
    figure(
        "customer_ticket_page", customer, "req/s", baseline=trivial, target=0.15, ratio_target=True
    )
    figure("agent_queue_page_1", queue, "req/s", baseline=trivial, target=0.15, ratio_target=True)
    figure(
        "agent_queue_75pct_deep",
        queue_deep,
        "req/s",
        baseline=queue,
        target=0.70,
        ratio_target=True,
    )
    if workspace is None:
        print(
            f"figure: ticket_workspace skipped: GET {workspace_path} answered "
            f"{workspace_status}, not 200 (the desk has no workspace page yet)",
            flush=True,
        )
    else:
        figure(
            "ticket_workspace", workspace, "req/s", baseline=trivial, target=0.10, ratio_target=True
        )


if __name__ == "__main__":
    main()
