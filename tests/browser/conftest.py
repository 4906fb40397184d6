"""Browser tests: real Chromium (Debian's /usr/bin/chromium) driven by Playwright's sync API against
pytest-django's `live_server`.

Every test in this folder is marked `browser` (added here at collection), so
`pytest -m "not browser"` leaves them out and `pytest -m browser` runs only them. Without
/usr/bin/chromium they are skipped with that reason; `make test` installs it first where it can
(scripts/ensure_chromium.sh). Playwright's own browser download is never used.

Fixtures:

- `browser` (session): the Chromium `Browser`, launched once, headless, fresh temporary profile,
  no background networking. Call it only inside a test that also uses `page` or `new_page`
  (outside them Playwright's loop is parked, see below); those two are what tests want.
- `page`: a `Page` in a new browser context (own cookies and session) whose `base_url` is the
  live server, so `page.goto("/track/")` works. English (`locale="en-US"`), 5 s default timeout.
  Requesting it brings in `live_server` and so a transactional database: tables are emptied
  after each test, the migrations' role groups too; create users, roles and data inside the test
  (the `agent` and `manager` fixtures of tests/conftest.py re-create the role groups).
  If the test fails, its pages are saved as `<test name>-failure[-N].png`.
- `new_page`: `new_page(locale="en-US")` opens one more such page in a context of its own, for a
  second person in the same test (the customer on /t/<token>/ while an agent replies in the
  desk); `page` is the first one. All are closed when the test ends.
- `screenshot`: `screenshot("step")` saves `page` to
  `test-artifacts/screenshots/<test name>-<step>.png` (git-ignored; CI can keep the folder);
  `screenshot("step", other_page)` saves another page opened by `new_page`.
- `desk_sign_in`: `desk_sign_in(user)` signs `user` in at /desk/login/ on `page` (or
  `on_page=`) with the factories' password (`TEST_PASSWORD`) and waits for the desk's index.

The rate-limit counters (kept in the process's cache, which the live server thread shares) are
cleared around each test.

Why the event loop is "parked": Playwright's sync API marks its asyncio loop as running in the main
thread after every call. Django's ORM then refuses to run ("You cannot call this from an async
context") and asgiref's async_to_sync refuses too, also in every later test of the session. So the
loop is unmarked while no browser test runs, and inside a browser test DJANGO_ALLOW_ASYNC_UNSAFE is
set: the ORM calls there come from plain sync test code, not from a coroutine. They go through a
database connection of their own (autocommit, as in any transactional test, so the live server sees
the rows), closed when the test ends.
"""

import asyncio
import re
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TEST_PASSWORD = "pass-for-tests"  # UserFactory's password
SCREENSHOTS = Path("test-artifacts") / "screenshots"
TIMEOUT_MS = 5_000

_HERE = Path(__file__).parent
_REPORTS = pytest.StashKey[dict]()


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    # Before `-m` deselects: every test in this folder carries the marker, none can forget it.
    for item in items:
        if _HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # The `page` fixture reads this at teardown to keep a screenshot of a failed test.
    item.stash.setdefault(_REPORTS, {})[report.when] = report
    return report


class _Loop:
    """Marks Playwright's loop as running only while a browser test uses it (see the docstring)."""

    def __init__(self):
        self.loop = asyncio._get_running_loop()

    def park(self):
        asyncio._set_running_loop(None)

    def resume(self):
        asyncio._set_running_loop(self.loop)


@pytest.fixture(scope="session")
def _chromium():
    if not CHROMIUM.exists():
        pytest.skip(
            f"browser test: {CHROMIUM} is missing (make test installs it as root with apt-get)"
        )
    playwright = sync_playwright().start()
    loop = _Loop()
    try:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
    except BaseException:
        playwright.stop()
        loop.park()
        raise
    loop.park()
    yield browser, loop
    loop.resume()
    browser.close()
    playwright.stop()
    loop.park()


@pytest.fixture(scope="session")
def browser(_chromium):
    return _chromium[0]


@pytest.fixture
def new_page(_chromium, live_server, monkeypatch, request):
    browser, loop = _chromium
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    loop.resume()
    contexts = []

    def open_page(locale: str = "en-US"):
        context = browser.new_context(base_url=live_server.url, locale=locale)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    try:
        yield open_page
        call = request.node.stash.get(_REPORTS, {}).get("call")
        if call is not None and call.failed:
            for number, context in enumerate(contexts, start=1):
                step = "failure" if number == 1 else f"failure-{number}"
                for opened in context.pages[:1]:
                    opened.screenshot(path=_screenshot_path(request.node, step))
    finally:
        for context in contexts:
            context.close()
        # While the loop is marked, Django keeps the thread's connections apart (asgiref's Local
        # goes by context then): the test body's queries used a connection of their own. Close it,
        # or PostgreSQL cannot drop the test database at the end.
        connections.close_all()
        # Before the transactional database is flushed and before any later non-browser test.
        loop.park()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def screenshot(page, request):
    def take(step: str, of_page=None) -> Path:
        path = _screenshot_path(request.node, step)
        (of_page or page).screenshot(path=path, full_page=True)
        return path

    return take


@pytest.fixture
def desk_sign_in(page):
    def sign_in(user, password: str = TEST_PASSWORD, on_page=None):
        on_page = on_page or page
        on_page.goto("/desk/login/")
        # By the fields' ids: the labels are in the page's language.
        on_page.locator("#id_username").fill(user.username)
        on_page.locator("#id_password").fill(password)
        on_page.locator("form button[type=submit]").click()
        on_page.wait_for_url("**/desk/")

    return sign_in


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # django-ratelimit counts in the cache: lookups of one test would limit the next.
    cache.clear()
    yield
    cache.clear()


def _screenshot_path(node, step: str) -> Path:
    name = re.sub(r"[^\w.-]+", "_", f"{node.name}-{step}")
    path = Path(node.config.rootpath) / SCREENSHOTS / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path
