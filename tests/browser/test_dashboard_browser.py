"""A manager opens the dashboard in Chromium: every chart is drawn by Plotly from our own origin."""

from playwright.sync_api import expect

from tests.feedback.dashboard_data import known_data

FIGURES = 8
# How many charts hold at least one drawn trace (SVG groups Plotly adds per data series).
DRAWN = """(wanted) => Array.from(document.querySelectorAll('.dashboard-chart'))
    .filter((chart) => chart.querySelector('svg.main-svg .trace')).length === wanted"""


def test_manager_opens_the_dashboard_and_sees_the_charts_drawn(
    page, screenshot, desk_sign_in, live_server, manager, agent, other_agent
):
    known = known_data(agent, other_agent)
    # No CDN: every request the page makes goes to our own server.
    outside = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            else outside.append(request.url)
        ),
    )
    desk_sign_in(manager)

    page.goto("/desk/dashboard/?start=2025-03-01&end=2025-03-03", wait_until="commit")

    # Plotly draws each chart as SVG inside its container once its script (4.8 MB, compressed
    # once per server process) has loaded.
    page.wait_for_function(DRAWN, arg=FIGURES, timeout=30_000)
    expect(page.locator(".dashboard-chart .main-svg").first).to_be_visible()
    expect(page.locator("#told-first tfoot")).to_contain_text("60.0%")
    expect(page.get_by_role("heading", name="Delayed shipments per day by carrier")).to_be_visible()
    screenshot("dashboard")

    # The carrier filter: a GET form; the page answers with that carrier's figures only.
    page.get_by_label("Carrier:", exact=True).select_option(label=known.hanjin.name)
    with page.expect_navigation(url=f"**carrier={known.hanjin.pk}**", wait_until="commit"):
        page.get_by_role("button", name="Show").click()
    # Hanjin has no budget of its own in March: that figure says so instead of drawing.
    page.wait_for_function(DRAWN, arg=FIGURES - 1, timeout=30_000)
    expect(page.locator("#told-first tfoot")).to_contain_text("50.0%")
    screenshot("dashboard-hanjin")
    assert outside == []
