"""A real run's report in a real browser (headless Chromium through Playwright), with the network unreachable: it
makes no request, its charts become live views at the page's width whose points show their figures on hover, and
with JavaScript off the static SVGs show. In CI a missing browser or Playwright fails; elsewhere the tests skip."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from model import format
from model.catalogue import METRICS
from model.cli import app
from tests.conftest import SMALL

CHROMIUM = "/usr/bin/chromium"
# A narrative, a company's name and a note that would run a script, were any of them not escaped where they land
# (the page's text, the charts' specs and tooltips, the register).
HOSTILE = "</script><script>window.owned = true</script><!--"
COMPANY = "Beta </script><!--"  # short: a long name would widen the panels' headers past a narrow page
LIVE = "() => document.documentElement.dataset.charts !== undefined"


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}; CI must provide it (pip install '.[test]', apt-get install chromium)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        unavailable("playwright is not installed")
    executable = shutil.which("chromium") or CHROMIUM
    if not Path(executable).is_file():
        unavailable("chromium is not installed")
    with sync_playwright() as playwright:
        try:
            # nothing listens on the proxy's port, so a fetch that slipped past the routes below would fail too
            launched = playwright.chromium.launch(executable_path=executable,
                                                  args=["--no-sandbox", "--proxy-server=127.0.0.1:9"])
        except Error as error:
            unavailable(f"chromium does not start: {error.message.splitlines()[0]}")
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def run_folder(tmp_path_factory) -> Path:
    """outputs/base of the small project, run with 200 draws, its narrative, Beta's name and a note hostile."""
    root = tmp_path_factory.mktemp("browser") / "project"
    shutil.copytree(SMALL, root)
    scenario = root / "scenarios" / "base.yaml"
    scenario.write_text(scenario.read_text().replace(
        "description: Two made-up companies over three years, for hand-checked tests.",
        f"description: 'Two made-up companies {HOSTILE} & more'", 1))
    beta = root / "assumptions" / "beta.yaml"
    beta.write_text(beta.read_text().replace("name: Beta\n", f"name: '{COMPANY}'\n", 1))
    alpha = root / "assumptions" / "alpha.yaml"
    dated = "    confidence: high\n    as_of: 2025-03-01\n"
    alpha.write_text(alpha.read_text().replace(dated, f"{dated}    notes: '{HOSTILE}'\n", 1))
    result = CliRunner().invoke(app, ["run", str(scenario), "--draws", "200"])
    assert result.exit_code == 0, result.output
    return root / "outputs" / "base"


@pytest.fixture
def page(browser, run_folder):
    """The report opened at 1300 px wide, its charts live; every request other than the page's own file is aborted
    and recorded in `page.refused`, as are console errors, script errors and breaches of the page's policy."""
    url = (run_folder / "report.html").as_uri()
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    opened = context.new_page()
    opened.refused, opened.requests, opened.errors = [], [], []

    def route(request_route):
        if request_route.request.url == url:
            request_route.continue_()
        else:
            opened.refused.append(request_route.request.url)
            request_route.abort()

    context.route("**/*", route)
    opened.on("request", lambda request: opened.requests.append(request.url))
    opened.on("console", lambda message: message.type == "error" and opened.errors.append(message.text))
    opened.on("pageerror", lambda error: opened.errors.append(str(error)))
    opened.add_init_script("""document.addEventListener("securitypolicyviolation",
        event => (window.violations ||= []).push(`${event.violatedDirective} ${event.blockedURI}`));""")
    opened.goto(url)
    wait_until(opened, LIVE, timeout=60)
    opened.url_opened = url
    yield opened
    context.close()


def wait_until(page, condition: str, timeout: float = 30) -> None:
    """Poll the JavaScript function `condition` until it holds (Playwright's wait_for_function evaluates a string,
    which the page's policy forbids)."""
    for _ in range(int(timeout * 10)):
        if page.evaluate(condition):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"still false after {timeout} s: {condition}")


def tooltip_rows(page) -> dict[str, str]:
    page.wait_for_selector("#vg-tooltip-element.visible", timeout=10_000)
    return dict(page.eval_on_selector_all(
        "#vg-tooltip-element tr", "rows => rows.map(row => [row.cells[0].innerText, row.cells[1].innerText])"))


def figures_of(run_folder: Path) -> list[str]:
    return sorted(path.name.removesuffix(".vl.json") for path in (run_folder / "charts").glob("*.vl.json"))


# ----------------------------------------------------------------------------------------------------- the tests
def test_the_report_makes_no_request_and_every_chart_goes_live(page, run_folder):
    charts = figures_of(run_folder)
    assert page.evaluate("document.documentElement.dataset.charts") == f"{len(charts)}/{len(charts)}"
    assert sorted(page.eval_on_selector_all("figure.interactive", "fs => fs.map(f => f.dataset.chart)")) == charts
    page.locator("#chart-capex .live g.mark-symbol.role-mark path").first.hover(force=True)
    tooltip_rows(page)
    assert page.requests == [page.url_opened]
    assert page.refused == []
    assert page.evaluate("window.violations || []") == []
    assert page.errors == []


def test_hovering_a_point_shows_its_company_year_and_value_with_its_band(page, run_folder):
    page.locator("#chart-capex .live g.mark-symbol.role-mark path").first.hover(force=True)
    rows = tooltip_rows(page)
    projection = pd.read_csv(run_folder / "projection.csv")
    point = (projection["metric"] == "capex") & (projection["company"] == rows["Company"])
    row = projection[point & (projection["year"] == int(rows["Year"]))].iloc[0]
    shown = "\n".join(f"{key}: {value}" for key, value in rows.items())
    assert "USD bn" in shown
    # the line's point is the median of the draws, and the band its 5th to 95th percentile
    for column in ("p50", "p5", "p95"):
        assert format.figure(row[column], METRICS["capex"].kind) in shown, (column, shown)
    assert re.search(r"5th", shown) and re.search(r"95th", shown)


def test_clicking_a_company_in_the_legend_fades_the_others(page):
    opacities = """() => [...document.querySelectorAll("#chart-capex .live g.role-mark path")].map(
        mark => mark.getAttribute("opacity") || mark.getAttribute("fill-opacity") || "1")"""
    before = page.evaluate(opacities)
    page.locator("#chart-capex .live g.role-legend-symbol path").first.click(force=True)
    wait_until(page, f"() => ({opacities})().join() !== {before!r}.join()", timeout=10)
    after = page.evaluate(opacities)
    faded = [position for position, (old, new) in enumerate(zip(before, after, strict=True)) if float(new) < float(old)]
    kept = [position for position, (old, new) in enumerate(zip(before, after, strict=True)) if new == old]
    assert faded and kept  # the other company's marks fade; the chosen one's stay as they were


def test_a_hostile_text_stays_text_in_the_page_and_the_tooltips(page):
    assert page.evaluate("window.owned") is None
    assert f"Two made-up companies {HOSTILE} & more" in page.inner_text("header")
    assert HOSTILE in page.inner_text("#register")
    page.locator("#chart-capex .live g.mark-symbol.role-mark path").last.hover(force=True)
    assert tooltip_rows(page)["Company"] == COMPANY


def test_the_live_charts_take_the_pages_width_and_follow_it(page):
    widths = """() => [...document.querySelectorAll("figure.interactive")].map(figure =>
        [figure.dataset.chart, figure.clientWidth, Number(figure.querySelector(".live svg").getAttribute("width"))])"""
    for viewport in (1300, 1100):
        page.set_viewport_size({"width": viewport, "height": 900})
        # panels take whole pixels, so a chart of n panels across may fall up to n - 1 pixels short
        wait_until(page, f"() => ({widths})().every(([name, figure, drawn]) => drawn <= figure && drawn > figure - 4)")
        figure_width = page.evaluate(widths)[0][1]
        assert figure_width == min(viewport, 1320) - 48  # the page's width, less its padding


def test_with_javascript_off_the_static_svgs_show(browser, run_folder):
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.goto((run_folder / "report.html").as_uri())
    charts = figures_of(run_folder)
    static = page.locator("figure .static svg")
    assert static.count() == len(charts)
    for position in range(len(charts)):
        assert static.nth(position).is_visible()
        assert static.nth(position).bounding_box()["width"] > 300
    assert page.locator("figure .live").count() == 0
    context.close()


def test_a_chart_whose_view_fails_keeps_its_static_svg(browser, run_folder, tmp_path):
    html = (run_folder / "report.html").read_text(encoding="utf-8")
    spec = re.search(r'(<figure id="chart-capex".*?<script type="application/json" class="spec">)(.*?)(</script>)',
                     html, re.S)
    broken = tmp_path / "report.html"
    broken.write_text(html[: spec.start(2)] + '{"mark": {"type": "no such mark"}}' + html[spec.end(2):],
                      encoding="utf-8")
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.goto(broken.as_uri())
    wait_until(page, LIVE, timeout=60)
    charts = figures_of(run_folder)
    assert page.evaluate("document.documentElement.dataset.charts") == f"{len(charts) - 1}/{len(charts)}"
    assert page.locator("#chart-capex .static svg").is_visible()
    assert page.locator("#chart-capex .live").count() == 0
    assert page.locator("#chart-ai_chip_spend .static svg").is_hidden()
    assert len(errors) == 1 and errors[0].startswith("chart chart-capex stays static:")
    context.close()
