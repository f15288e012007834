"""Report: chart renderings and the self-contained HTML page, including how a real browser loads it offline."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ElementTree
from html import escape, unescape

import altair as alt
import pandas as pd
import pytest

from model.present.report import (
    EMBED,
    PNG_SCALE,
    RenderedChart,
    content_policy,
    inlinable,
    render_chart,
    render_report,
    vega_embed_bundle,
)

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
INJECTED_NOTE = "Beware <script>alert('owned')</script> & co."
# text that would end a <script> element, or switch the browser's reading of it, were it not escaped
BREAKOUT = "</script><script>window.owned = true</script><!-- & </SCRIPT >"
LONG_NOTE = "The plan is a floor ('more than'), so the value understates it; " * 3
# an element that would load something from elsewhere, or a CSS url() that is not a same-document #fragment
EXTERNAL_RESOURCE = re.compile(
    r"<(?:link|script|img)\b[^>]*\b(?:src|href)\s*=|url\(\s*['\"]?(?!#)|@import", re.IGNORECASE
)


def small_chart(title: str) -> alt.Chart:
    values = pd.DataFrame({"year": [2025, 2026, 2027], "value": [1.0, 2.5, 4.0]})
    return (
        alt.Chart(values, title=title)
        .mark_bar()
        .encode(x=alt.X("year:O"), y=alt.Y("value:Q"))
        .properties(width=200, height=120)
    )


@pytest.fixture(scope="module")
def rendered() -> dict[str, RenderedChart]:
    return {"capex": render_chart(small_chart("Capex test chart")), "cloud": render_chart(small_chart("Cloud test"))}


@pytest.fixture
def report_inputs(rendered) -> dict:
    headline = pd.DataFrame(
        {"company": ["Alpha", "Beta"], "year": [2025, 2025], "capex": [1234.4, 56.78], "share": [0.123, 0.877]}
    ).set_index("company")  # an index that means something, as a pivot has
    register = pd.DataFrame(
        [
            {
                "key": "capex.plan_total", "company": "Alpha", "value": 380, "unit": "CNY bn", "period": "2025-2027",
                "confidence": "high", "source ids": ["alpha-2025-02-24", "wire-2025-02-25"],
                "source kinds": "company-statement; press", "excerpts": "more than RMB 380bn",
                "as_of": "2025-02-24", "overridden_by": None, "notes": INJECTED_NOTE,
            },
            {
                "key": "cloud.ai_share", "company": "Beta", "value": 0.15, "unit": "ratio", "period": "2025",
                "confidence": "low", "source ids": "analyst-judgement", "source kinds": "analyst-judgement",
                "excerpts": "", "as_of": "2025-05-14", "overridden_by": "bull", "notes": LONG_NOTE,
            },
        ]
    )
    sources = pd.DataFrame(
        {
            "id": ["alpha-2025-02-24", "analyst-judgement"],
            "title": ["Alpha to invest", "Team judgement"],
            "publisher": ["Wire", ""],
            "date": ["2025-02-24", ""],
            "kind": ["company-statement", "analyst-judgement"],
            "url": ["https://example.com/news?id=1&lang=en", "javascript:alert(1)"],
        }
    )
    return {
        "title": "Scenario: base & friends",
        "description": "First paragraph of the narrative.\n\nSecond paragraph.",
        "scenario_meta": {"Horizon": "2025-2027", "Reporting currency": "USD", "As of": "2025-05-14"},
        "headline": headline,
        "charts": rendered,
        "register": register,
        "sources": sources,
    }


@pytest.fixture
def report_html(report_inputs) -> str:
    return render_report(**report_inputs)


@pytest.fixture(scope="module")
def bundle() -> str:
    return vega_embed_bundle()


@pytest.fixture
def interactive_inputs(report_inputs, rendered) -> dict:
    hostile = render_chart(small_chart(BREAKOUT))
    return {**report_inputs, "charts": {**rendered, "hostile": hostile}}


@pytest.fixture
def interactive_html(interactive_inputs, bundle) -> str:
    return render_report(**interactive_inputs, vega_embed=bundle)


def script_elements(html: str) -> list[tuple[str, str]]:
    """(opening tag, text) of every <script> element, as an HTML parser splits them: each ends at the first
    `</script`."""
    return [(match[1], match[2]) for match in re.finditer(r"(<script\b[^>]*>)(.*?)</script", html, re.S | re.I)]


# ------------------------------------------------------------------------------------------------- render_chart
def test_render_chart_gives_spec_svg_and_png():
    chart = small_chart("Capex test chart")
    rendered = render_chart(chart)
    spec = json.loads(rendered.vega_lite_json)
    assert spec == chart.to_dict()
    assert rendered.vega_lite_json == json.dumps(spec, sort_keys=True, indent=2)
    svg = ElementTree.fromstring(rendered.svg)
    assert svg.tag == "{http://www.w3.org/2000/svg}svg"
    assert "Capex test chart" in rendered.svg
    assert rendered.png.startswith(PNG_SIGNATURE)
    png_width, png_height = struct.unpack(">II", rendered.png[16:24])  # the IHDR chunk follows the signature
    assert (png_width, png_height) == (int(svg.get("width")) * PNG_SCALE, int(svg.get("height")) * PNG_SCALE)


def test_render_chart_refuses_to_fetch_data():
    chart = alt.Chart(alt.UrlData("https://example.com/projection.csv")).mark_point().encode(x="value:Q")
    with pytest.raises(ValueError, match="External data url not allowed"):
        render_chart(chart)


def test_render_chart_is_deterministic():
    assert render_chart(small_chart("Same")) == render_chart(small_chart("Same"))


def test_years_render_without_thousands_separator(rendered):
    assert ">2025</text>" in rendered["capex"].svg
    assert "2,025" not in rendered["capex"].svg


# ------------------------------------------------------------------------------------------------ render_report
def test_report_embeds_every_chart_as_inline_svg(report_html, rendered):
    for name, chart in rendered.items():
        assert chart.svg in report_html
        assert f'<figure id="chart-{name}">' in report_html


def test_report_shows_header_headline_register_and_sources(report_html):
    assert "<title>Scenario: base &amp; friends</title>" in report_html
    assert "<p>First paragraph of the narrative.</p>\n<p>Second paragraph.</p>" in report_html
    assert "<dt>Reporting currency</dt><dd>USD</dd>" in report_html
    # the headline's index became its first column; numbers are right-aligned and readable
    assert "<th>company</th>" in report_html
    numbers = "".join(f'<td class="num">{text}</td>' for text in ("2025", "1,234", "0.123"))
    assert f'<tr><td class="nowrap">Alpha</td>{numbers}</tr>' in report_html
    for column in ("key", "value", "confidence", "source ids", "source kinds", "excerpts", "as_of", "overridden_by"):
        assert f">{column}</th>" in report_html
    assert '<td class="nowrap">capex.plan_total</td>' in report_html
    assert "alpha-2025-02-24; wire-2025-02-25" in report_html
    assert '<td class="confidence-low">low</td>' in report_html
    assert "2 assumptions" in report_html
    assert '<a href="https://example.com/news?id=1&amp;lang=en" rel="noreferrer">' in report_html


def test_long_text_gets_a_full_width_line_under_its_row(report_html):
    # 11 of the register's 12 columns stay in the grid; notes, holding prose, moves under each row
    register = report_html[report_html.index('<section id="register">') : report_html.index('<section id="sources">')]
    assert ">notes</th>" not in register
    assert register.count('<tr class="detail"><td colspan="11">') == 2
    assert f'<p><span class="label">notes</span> {escape(LONG_NOTE)}</p>' in register


def test_an_interactive_report_holds_each_spec_and_svg_in_its_figure(interactive_html, interactive_inputs):
    for name, chart in interactive_inputs["charts"].items():
        figure = interactive_html[interactive_html.index(f'<figure id="chart-{name}" data-chart="{name}">'):]
        figure = figure[: figure.index("</figure>")]
        assert f'<div class="static">\n{chart.svg}\n</div>' in figure
        opening, text = script_elements(figure)[0]
        assert opening == '<script type="application/json" class="spec">'
        assert json.loads(text) == json.loads(chart.vega_lite_json)


def test_no_text_in_a_spec_can_end_its_script_element(interactive_html):
    elements = script_elements(interactive_html)
    specs = [text for opening, text in elements if opening == '<script type="application/json" class="spec">']
    assert len(specs) == 3
    hostile = json.loads(specs[2])
    assert hostile["title"] == BREAKOUT  # the text is all there, as data
    assert all("<" not in text and ">" not in text for text in specs)
    # the page's scripts are the specs, the bundle and the embedding, and nothing else
    assert [opening for opening, _ in elements] == [*['<script type="application/json" class="spec">'] * 3,
                                                    '<script type="module">', '<script type="module">']
    assert "<script>window.owned" not in interactive_html.lower()  # in the SVG's text, it stays escaped text


def test_only_the_pages_own_scripts_may_run(interactive_html, bundle):
    policy = unescape(re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', interactive_html)[1])
    hashes = [f"'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"
              for text in (bundle, EMBED)]
    assert policy == (f"default-src 'none'; script-src {' '.join(hashes)}; style-src 'unsafe-inline'; "
                      "img-src data:; base-uri 'none'; form-action 'none'")
    assert policy == content_policy([bundle, EMBED])
    # the policy comes before anything it governs
    assert interactive_html.index("Content-Security-Policy") < interactive_html.index("<style>")
    modules = [text for opening, text in script_elements(interactive_html) if opening == '<script type="module">']
    assert modules == [bundle, EMBED]


def test_a_bundle_that_a_script_element_cannot_hold_is_refused(report_inputs, bundle):
    for spoiled in (bundle + "'</script>'", bundle + "'<!--'", "alert(1)"):
        assert not inlinable(spoiled)
        with pytest.raises(ValueError, match="the Vega-Embed bundle is not one that a <script> element can hold"):
            render_report(**report_inputs, vega_embed=spoiled)
    assert inlinable(bundle)


def test_without_the_bundle_the_report_is_static(report_html):
    assert "Content-Security-Policy" not in report_html and 'class="static"' not in report_html


def test_an_interactive_report_loads_no_external_resource_and_is_deterministic(interactive_html, interactive_inputs,
                                                                              bundle):
    assert EXTERNAL_RESOURCE.findall(interactive_html.replace(bundle, "")) == []
    assert render_report(**interactive_inputs, vega_embed=bundle) == interactive_html


def test_report_escapes_text_and_links_only_web_addresses(report_html):
    assert "<script" not in report_html
    assert "Beware &lt;script&gt;alert(&#x27;owned&#x27;)&lt;/script&gt; &amp; co." in report_html
    assert 'href="javascript' not in report_html


def test_report_loads_no_external_resource(report_html):
    assert EXTERNAL_RESOURCE.findall(report_html) == []
    assert "<style>" in report_html  # the stylesheet is inline


def test_external_resource_pattern_catches_what_it_should():
    for offender in ('<script src="https://cdn/x.js">', "<link rel=stylesheet href=//x.css>", "<img src='a.png'>",
                     "background: url(https://x/y.png)", '@import "x.css";'):
        assert EXTERNAL_RESOURCE.search(offender), offender
    assert not EXTERNAL_RESOURCE.search('clip-path="url(#clip1)" <a href="https://example.com">')


def test_a_run_with_draws_gets_a_caption_and_a_race_section(report_inputs, report_html):
    assert '<section id="race">' not in report_html and 'href="#race"' not in report_html
    leading = pd.DataFrame({"Company": ["Alpha", "Beta"], "Cumulative capex": ["12.5%", "87.5%"]})
    html = render_report(**report_inputs, headline_caption="In brackets: 5th to 95th percentile over 1,000 draws.",
                         race={"Probability of leading in 2027": leading})
    assert '<h2>Headline</h2>\n<p class="caption">In brackets: 5th to 95th percentile over 1,000 draws.</p>' in html
    race = html[html.index('<section id="race">') : html.index('<section id="charts">')]
    assert "<h2>The race</h2>\n<h3>Probability of leading in 2027</h3>" in race
    assert '<td class="num">87.5%</td>' in race
    assert '<a href="#race">The race</a>' in html


def test_a_scenarios_changes_get_a_section_and_a_link_and_their_details_a_line_each(report_inputs, report_html):
    assert '<section id="changes">' not in report_html and 'href="#changes"' not in report_html
    changes = pd.DataFrame([{"Key": "alpha.capex.plan_total", "Change": "base 30 -> high 60", "Rationale": "short"}])
    html = render_report(**report_inputs, changes=changes, changes_caption="high overrides 1 assumption of base.",
                         details=("Rationale",))
    section = html[html.index('<section id="changes">') : html.index('<section id="register">')]
    assert section.startswith('<section id="changes">\n<h2>What this scenario changes</h2>\n'
                              '<p class="caption">high overrides 1 assumption of base.</p>')
    # a detail column goes under its row however short it is
    assert "<thead><tr><th>Key</th><th>Change</th></tr></thead>" in section
    assert '<tr class="detail"><td colspan="2"><p><span class="label">Rationale</span> short</p></td></tr>' in section
    assert '<a href="#changes">What it changes</a><a href="#register">Assumptions</a>' in html
    # charts come first, then what the scenario changes, then the register it changes
    assert html.index('<section id="charts">') < html.index('<section id="changes">') < html.index(
        '<section id="register">')


def test_a_scenario_that_changes_nothing_gets_its_caption_alone(report_inputs):
    html = render_report(**report_inputs, changes=pd.DataFrame(columns=["Key", "Change"]),
                         changes_caption="base overrides no assumption.")
    section = html[html.index('<section id="changes">') : html.index('<section id="register">')]
    assert section == ('<section id="changes">\n<h2>What this scenario changes</h2>\n'
                       '<p class="caption">base overrides no assumption.</p>\n</section>\n')


def test_a_chart_is_kept_as_three_files_in_the_charts_folder(rendered):
    chart = rendered["capex"]
    assert chart.files("capex") == {"charts/capex.vl.json": chart.vega_lite_json, "charts/capex.svg": chart.svg,
                                    "charts/capex.png": chart.png}


def test_report_is_deterministic(report_inputs, report_html):
    assert render_report(**report_inputs) == report_html


def test_report_opens_offline_in_headless_chromium(interactive_html, tmp_path):
    chromium = shutil.which("chromium")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; CI must install it (apt-get install chromium)")
        pytest.skip("chromium is not installed")
    page = tmp_path / "report.html"
    page.write_text(interactive_html, encoding="utf-8")
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--proxy-server=127.0.0.1:9",  # nothing listens there, so any network fetch fails
            "--virtual-time-budget=20000",  # lets the scripts draw the live views before the DOM is dumped
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    dom = result.stdout
    assert '<html lang="en" data-charts="3/3">' in dom  # every chart became a live view
    assert dom.count('class="interactive"') == 3
    assert dom.count('<div class="static">') == 3  # each with its static SVG kept for printing without scripts
    assert "Capex test chart" in dom and "Cloud test" in dom
    page_markup = re.sub(r"<script\b.*?</script>", "", dom, flags=re.S)  # the bundle's text holds tags of its own
    assert page_markup.count("<table>") == 3  # headline, register, sources
    assert "capex.plan_total" in dom
    assert "<script>window.owned" not in dom.lower()
