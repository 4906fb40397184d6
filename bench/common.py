"""Shared set-up for benchmarks: a fresh PostgreSQL database, Django, gunicorn, figure lines.

Every benchmark builds its own data in its own database (named after it, dropped first) on the
server that DATABASE_URL names, measures a baseline in the same run, and prints one line per figure:
    figure: <name> = <value> <unit> (baseline <value>, ratio <r>; target <op value>: met|missed)
"""

import contextlib
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_database(name: str) -> str:
    """Create (afresh) a database called `name` beside DATABASE_URL's; return its URL."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit(
            "bench: set DATABASE_URL to a PostgreSQL server, e.g. "
            "postgres://postgres@127.0.0.1:5432/delaydesk"
        )
    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return urlunsplit(parts._replace(path=f"/{name}"))


def server_env(database_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="config.settings.base",
        DEBUG="0",
        SECRET_KEY=env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1,localhost",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        LOG_LEVEL="WARNING",
        **extra,
    )
    env.pop("REDIS_URL", None) if "REDIS_URL" not in extra else None
    return env


def django_setup(database_url: str, **extra) -> None:
    os.environ.update(server_env(database_url, **extra))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def gunicorn(database_url: str, *, workers: int = 3, threads: int = 1, **extra):
    """Serve the project with gunicorn on a free loopback port; yields the port."""
    port = free_port()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--log-level",
            "warning",
            "--timeout",
            "120",
        ],
        cwd=ROOT,
        env=server_env(database_url, **extra),
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            time.sleep(0.2)
        else:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.5)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def figure(
    name: str,
    value: float,
    unit: str,
    *,
    baseline: float,
    target: float,
    op: str = ">=",
    ratio_target: bool = False,
) -> bool:
    """Print one figure line. With ratio_target, the target applies to the ratio."""
    ratio = value / baseline if baseline else float("inf")
    checked = ratio if ratio_target else value
    met = checked >= target if op == ">=" else checked <= target
    target_text = f"{op} {target:g}" + ("x baseline" if ratio_target else f" {unit}")
    print(
        f"figure: {name} = {value:,.1f} {unit} (baseline {baseline:,.1f}, ratio {ratio:.2f}; "
        f"target {target_text}: {'met' if met else 'missed'})",
        flush=True,
    )
    return met
