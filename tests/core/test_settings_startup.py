"""Start-up refuses unsafe settings; production values pass Django's deployment checks.

Settings are read once per process, so each case starts a fresh interpreter with an environment
built here (the test run itself has DEBUG=1 from config.settings.test in os.environ).
"""

import json
import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

PROJECT_ROOT = Path(__file__).resolve().parents[2]

DEV_SECRET_KEY = "dev-only-insecure-key-delay-desk-never-use-in-production"

# Variables that would change what these cases exercise if the caller's shell had them set.
_CONTROLLED_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DJANGO_SETTINGS_MODULE",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "BEHIND_TLS_PROXY",
)


def _environment(**values: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _CONTROLLED_VARIABLES}
    env["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    env.update(values)
    return env


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - fixed argv, our own interpreter
        [sys.executable, *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _django_setup(env: dict[str, str]) -> subprocess.CompletedProcess:
    return _run(["-c", "import django; django.setup()"], env)


def _production_secret_key() -> str:
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*(-_=+)"
    return "".join(secrets.choice(alphabet) for _ in range(60))


def test_startup_refuses_a_missing_secret_key_without_debug():
    result = _django_setup(_environment(DEBUG="0"))

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_startup_with_debug_runs_without_a_secret_key():
    result = _django_setup(_environment(DEBUG="1"))

    assert result.returncode == 0, result.stderr


def test_startup_refuses_the_development_key_without_debug():
    result = _django_setup(
        _environment(DEBUG="0", SECRET_KEY=DEV_SECRET_KEY, ALLOWED_HOSTS="desk.example.com")
    )

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_startup_with_a_real_key_and_allowed_hosts_runs_without_debug():
    result = _django_setup(
        _environment(
            DEBUG="0", SECRET_KEY=_production_secret_key(), ALLOWED_HOSTS="desk.example.com"
        )
    )

    assert result.returncode == 0, result.stderr


def test_a_secret_key_starting_with_a_dollar_sign_is_taken_as_it_is():
    # django-environ would read "$NAME" as a reference to another variable.
    key = "$" + _production_secret_key()
    env = _environment(DEBUG="0", SECRET_KEY=key, ALLOWED_HOSTS="desk.example.com")

    result = _run(
        [
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.SECRET_KEY)",
        ],
        env,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == key


def test_deploy_check_passes_with_production_values():
    env = _environment(
        DEBUG="0", SECRET_KEY=_production_secret_key(), ALLOWED_HOSTS="desk.example.com"
    )

    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)

    assert result.returncode == 0, result.stdout + result.stderr


def test_default_sqlite_database_takes_the_write_lock_at_begin_and_uses_wal():
    # Given no DATABASE_URL: the default is a SQLite file.
    env = _environment(DEBUG="1")
    env.pop("DATABASE_URL", None)
    script = (
        "import json, django; django.setup(); from django.conf import settings; "
        "db = settings.DATABASES['default']; "
        "print(json.dumps({'engine': db['ENGINE'], 'options': db.get('OPTIONS', {})}))"
    )

    result = _run(["-c", script], env)

    assert result.returncode == 0, result.stderr
    database = json.loads(result.stdout.strip().splitlines()[-1])
    assert database["engine"] == "django.db.backends.sqlite3"
    # Deferred transactions make concurrent writers fail with "database is locked".
    assert database["options"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["options"]["init_command"]


def test_sqlite_database_of_this_run_has_immediate_transactions_and_wal():
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        pytest.skip(f"this run uses {database['ENGINE']}, not SQLite")

    assert database["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    assert "journal_mode=WAL" in database["OPTIONS"]["init_command"]
