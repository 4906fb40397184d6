"""A manager opens the dashboard in the desk, in Chromium: every chart is drawn lazily (its card's
content fetched as it scrolls into view) by Chart.js from our own origin; tables fold under their
charts; the page never scrolls sideways at 1,280 or 1,024 px, in English or Korean."""

from playwright.sync_api import expect

from tests.feedback.dashboard_data import known_data

FIGURES = 8
URL = "/desk/dashboard/?start=2025-03-01&end=2025-03-03"
# Charts drawn so far: Chart.js marks its container once it has rendered the canvas.
DRAWN = "() => document.querySelectorAll('.dashboard-chart[data-drawn=true] canvas').length"
# Scroll through the page so that every lazy chart comes into view, then back to the top.
SCROLL_THROUGH = """async () => {
    for (const card of document.querySelectorAll('.dashboard-figure')) {
        card.scrollIntoView({block: 'center'});
        await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
    }
    window.scrollTo(0, 0);
}"""
SIDEWAYS = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# A canvas with something on it: some pixel is not transparent.
PAINTED = """() => Array.from(document.querySelectorAll('.dashboard-chart canvas')).filter((c) => {
    const data = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < data.length; i += 4) { if (data[i]) return true; }
    return false;
}).length"""


def scroll_and_count(page) -> int:
    """Scroll through the page, wait until every card is filled and every chart in them drawn."""
    page.evaluate(SCROLL_THROUGH)
    page.wait_for_function(
        "() => !document.querySelector('[data-fragment]') && document.querySelectorAll("
        "'.dashboard-chart:not([data-drawn=true])').length === 0"
    )
    return page.evaluate(DRAWN)


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
    page.set_viewport_size({"width": 1280, "height": 900})

    page.goto(URL)

    # Lazy: the cards far below the first screen are neither fetched nor drawn until scrolled to.
    expect(page.locator(".dashboard-headline")).to_contain_text("60.0%")
    assert page.evaluate("document.querySelectorAll('.dashboard-body[data-fragment]').length") > 0
    assert page.evaluate(DRAWN) < FIGURES
    assert scroll_and_count(page) == FIGURES
    assert page.evaluate(PAINTED) == FIGURES
    expect(page.get_by_role("heading", name="Delayed shipments per day by carrier")).to_be_visible()
    # Tables are folded under their chart; opening one shows the numbers.
    expect(page.locator("#told-first table")).to_be_hidden()
    page.locator("#told-first summary").click()
    expect(page.locator("#told-first tfoot")).to_contain_text("60.0%")
    page.locator("#told-first summary").click()
    assert page.evaluate(SIDEWAYS) <= 0
    assert page.evaluate("document.documentElement.scrollHeight") < 3_000
    screenshot("en-1280")

    page.set_viewport_size({"width": 1024, "height": 900})
    page.wait_for_timeout(200)  # Chart.js redraws on resize
    assert page.evaluate(SIDEWAYS) <= 0
    screenshot("en-1024")

    # The carrier filter: a GET form; the page answers with that carrier's figures only.
    page.get_by_label("Carrier:", exact=True).select_option(label=known.hanjin.name)
    with page.expect_navigation(url=f"**carrier={known.hanjin.pk}**"):
        page.get_by_role("button", name="Show").click()
    # Hanjin has no budget of its own in March: that figure says so instead of drawing.
    assert scroll_and_count(page) == FIGURES - 1
    expect(page.locator("#budgets")).to_contain_text("Nothing in this range.")
    page.locator("#told-first summary").click()
    expect(page.locator("#told-first tfoot")).to_contain_text("50.0%")
    screenshot("en-hanjin")
    assert outside == []

    # The same page in Korean (the language the desk's menu sets), at both widths.
    page.context.add_cookies([{"name": "django_language", "value": "ko", "url": live_server.url}])
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        page.goto(URL)
        expect(page.locator("html")).to_have_attribute("lang", "ko")
        assert scroll_and_count(page) == FIGURES
        assert page.evaluate(SIDEWAYS) <= 0
        screenshot(f"ko-{width}")


def test_agent_sees_their_own_figures_drawn(page, screenshot, desk_sign_in, agent, other_agent):
    known_data(agent, other_agent)
    desk_sign_in(agent)
    page.set_viewport_size({"width": 1024, "height": 900})

    page.goto("/desk/dashboard/me/?start=2025-03-01&end=2025-03-03")

    assert scroll_and_count(page) == 3
    assert page.evaluate(SIDEWAYS) <= 0
    screenshot("own-1024")
