"""Renderings of a run: each chart as Vega-Lite JSON, SVG and PNG, and the self-contained HTML report.

Everything here is offline and deterministic: the same input gives the same bytes, with no timestamp.
"""

from __future__ import annotations

import base64
import hashlib
import json
import numbers
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from importlib import metadata

import altair as alt
import pandas as pd
from altair.utils.schemapi import debug_mode

from model.format import approximate
from model.present import vega

# PNGs at twice the CSS size stay sharp on high-density screens and in slides.
PNG_SCALE = 2
# Render with the Vega-Lite version Altair writes ("v6.4.1" -> "6.4"), not whatever vl-convert bundles as latest.
VEGA_LITE_VERSION = alt.SCHEMA_VERSION.lstrip("v").rsplit(".", 1)[0]
UNAUDITED_BANNER = "These results rest on inputs that fail validation"


@dataclass(frozen=True)
class RenderedChart:
    """One chart in the three forms a run keeps: the spec (sorted keys, indent 2), an SVG and a PNG."""

    vega_lite_json: str
    svg: str
    png: bytes

    def files(self, stem: str) -> dict[str, str | bytes]:
        """Relative path -> content of the chart's three files in a run folder: charts/<stem>.vl.json, .svg, .png."""
        return {f"charts/{stem}.vl.json": self.vega_lite_json, f"charts/{stem}.svg": self.svg,
                f"charts/{stem}.png": self.png}


def render_chart(chart: alt.TopLevelMixin) -> RenderedChart:
    """Render `chart` to Vega-Lite JSON, SVG and PNG without the network (data must be inline)."""
    return render_charts({"chart": chart})["chart"]


Charts = Mapping[str, alt.TopLevelMixin] | Iterable[tuple[str, alt.TopLevelMixin]]


class DrawnCharts:
    """Charts (by file stem) being drawn in vl-convert's helper processes (`model.present.vega`): every spec is
    made and sent when this is made, and `result` waits for them."""

    def __init__(self, charts: Charts) -> None:
        self.stems: list[str] = []
        self.specs: list[dict] = []
        pairs = iter(charts.items() if isinstance(charts, Mapping) else charts)

        def made() -> Iterator[dict]:
            while True:
                # The charts are the package's own, each kind checked against Vega-Lite's schema by the tests:
                # drawing them does not check them again (Altair's checks are a third of making a chart). Only the
                # making of the next chart is unchecked, not what the caller does between two charts.
                with debug_mode(False):
                    try:
                        stem, chart = next(pairs)
                    except StopIteration:
                        return
                    spec = chart.to_dict(validate=False)
                self.stems.append(stem)
                self.specs.append(spec)
                yield spec

        self.drawing = vega.draw(made(), vl_version=VEGA_LITE_VERSION, scale=PNG_SCALE)

    def result(self) -> dict[str, RenderedChart]:
        return {stem: RenderedChart(vega_lite_json=json.dumps(spec, sort_keys=True, indent=2), svg=svg, png=png)
                for stem, spec, (svg, png) in zip(self.stems, self.specs, self.drawing.result())}


def render_charts(charts: Charts) -> dict[str, RenderedChart]:
    """Render each chart (by file stem) as `render_chart` does, side by side in vl-convert's helper processes, each
    sent to be drawn as soon as its spec is made (`DrawnCharts`); the bytes are those of rendering them one by
    one."""
    return DrawnCharts(charts).result()


# -------------------------------------------------------------------------------------------------------- HTML
STYLESHEET = """
:root { color-scheme: light; --ink: #1f2328; --muted: #59636e; --rule: #d1d9e0; --band: #f6f8fa; --accent: #0b5cad; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff;
  font: 15px/1.5 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif; }
main { max-width: 1320px; margin: 0 auto; padding: 32px 24px 64px; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 16px; margin-bottom: 8px; }
h1 { font-size: 28px; margin: 0 0 8px; }
h3 { font-size: 16px; margin: 24px 0 8px; }
h2 { font-size: 20px; margin: 40px 0 12px; padding-bottom: 4px; border-bottom: 1px solid var(--rule); }
p { max-width: 80ch; }
a { color: var(--accent); }
nav a { margin-right: 16px; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 12px 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; }
.table-wrap { overflow-x: auto; border: 1px solid var(--rule); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 6px 8px; text-align: left; vertical-align: top; border-bottom: 1px solid var(--rule); }
th { background: var(--band); }
tbody:nth-of-type(even) { background: #fbfcfd; }
tbody tr:has(+ tr.detail) td { border-bottom: none; padding-bottom: 2px; }
tr.detail td { color: var(--ink); }
tr.detail p { margin: 2px 0 6px; max-width: 140ch; }
tr.detail .label { color: var(--muted); font-weight: 600; margin-right: 6px; }
.nowrap { white-space: nowrap; }
.banner { background: #fff1e5; border: 2px solid #bc4c00; border-radius: 6px; padding: 12px 16px; margin-bottom: 16px; }
.banner strong { color: #953800; font-size: 17px; }
.banner ul { margin: 6px 0 0; padding-left: 20px; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
td.num { white-space: nowrap; }
td.url { overflow-wrap: anywhere; min-width: 16em; }
.confidence-high { color: #1a7f37; font-weight: 600; }
.confidence-medium { color: #9a6700; font-weight: 600; }
.confidence-low { color: #cf222e; font-weight: 600; }
figure { margin: 24px 0; }
figure .static svg { max-width: 100%; height: auto; }
figure.interactive .static { display: none; }
figure .live { display: block; overflow-x: auto; }
.caption { color: var(--muted); font-size: 13px; }
"""

# Cells up to this long stay on one line (browsers would break "2025-02-24" or "CNY bn"); a column with a text
# longer than PROSE_CHARS reads as prose and moves to a full-width line under its row, where it has room.
SHORT_TEXT_CHARS = 12
PROSE_CHARS = 160
NUMBER_TEXT = re.compile(r"^[-+]?\d[\d,]*(\.\d+)?%?$")
SAFE_LINK = re.compile(r"^https?://", re.IGNORECASE)


def _text(value: object) -> str:
    """How a value reads in a table: lists joined, missing values blank, numbers rounded for reading."""
    if isinstance(value, (list, tuple)):
        return "; ".join(map(str, value))
    if pd.api.types.is_scalar(value) and pd.isna(value):  # None, NaN, NA, NaT
        return ""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return str(value)  # years and counts: 2025, not 2,025
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return approximate(value)
    return str(value)


def _content(column: str, text: str) -> str:
    """Escaped text; a web address in a `url` column becomes a link (never a javascript: or file: one)."""
    if column == "url" and SAFE_LINK.match(text):
        return f'<a href="{escape(text)}" rel="noreferrer">{escape(text)}</a>'
    return escape(text)


def _cell(column: str, text: str, *, numeric: bool) -> str:
    """One cell: figures right-aligned, confidence levels coloured, short texts kept on one line."""
    if column == "url":
        css_class = "url"
    elif numeric:
        css_class = "num"
    elif column.lower() == "confidence" and " " not in text:  # a level, not a change of level ("high -> low")
        css_class = f"confidence-{text}"
    elif text and (" " not in text or len(text) <= SHORT_TEXT_CHARS):
        css_class = "nowrap"
    else:
        return f"<td>{escape(text)}</td>"
    return f'<td class="{escape(css_class)}">{_content(column, text)}</td>'


def _table(frame: pd.DataFrame, details: Collection[str] = ()) -> str:
    """An HTML table of every column of `frame`; a meaningful index (e.g. of a pivot) becomes columns.

    A column is numeric (right-aligned) when every filled cell reads as a number, already formatted ("30.9%") or
    not; a prose column, and a column named in `details`, is shown, labelled, on a full-width line under each row.
    """
    if not isinstance(frame.index, pd.RangeIndex):
        frame = frame.reset_index()
    columns = [str(column) for column in frame.columns]
    rows = [[_text(value) for value in row] for row in frame.itertuples(index=False)]
    cells_by_column = [[row[position] for row in rows] for position in range(len(columns))]
    numeric = [any(texts) and all(NUMBER_TEXT.match(text) for text in texts if text) for texts in cells_by_column]
    prose = [max(map(len, texts), default=0) > PROSE_CHARS or column in details
             for column, texts in zip(columns, cells_by_column, strict=True)]
    tabular = [position for position in range(len(columns)) if not prose[position]]

    head = "".join(
        ('<th class="num">' if numeric[position] else "<th>") + f"{escape(columns[position])}</th>"
        for position in tabular
    )
    records = []
    for row in rows:
        cells = "".join(_cell(columns[position], row[position], numeric=numeric[position]) for position in tabular)
        details = "".join(
            f'<p><span class="label">{escape(column)}</span> {_content(column, text)}</p>'
            for column, text, is_prose in zip(columns, row, prose)
            if is_prose and text
        )
        detail_row = f'\n<tr class="detail"><td colspan="{len(tabular)}">{details}</td></tr>' if details else ""
        # one tbody per record keeps a row and its prose together for striping
        records.append(f"<tbody>\n<tr>{cells}</tr>{detail_row}\n</tbody>")
    body = "\n".join(records)
    return f'<div class="table-wrap"><table>\n<thead><tr>{head}</tr></thead>\n{body}\n</table></div>'


# ------------------------------------------------------------------------------------------ interactive charts
# The page's scripts: Vega-Embed's bundle (Vega, Vega-Lite and Vega-Embed in one ES module) and EMBED, which turns
# each figure's spec into a live view over its static SVG. Both are inlined, so the page needs no network.
BUNDLE_MARK = "window.vegaEmbed="  # the line that vl-convert's default snippet ends the bundle with


def bundle_name() -> str:
    """Names the bundle by what decides its bytes: vl-convert's version (which fixes Vega's and Vega-Embed's) and
    the Vega-Lite version it is made for, so a cache never serves the bundle of another version. Read from the
    package's metadata: a run whose charts are drawn in helpers need not import vl-convert to find its cache."""
    return f"vega-embed-{metadata.version('vl-convert-python')}-vl{VEGA_LITE_VERSION}"


def vega_embed_bundle() -> str:
    """Vega-Embed's JavaScript with Vega and Vega-Lite, as vl-convert makes it: about 0.9 MB, made by the chart
    helper, whose runtime is started (seconds in a process where none is; `scenario run` keeps it in outputs/.cache/
    through model.io.bundle_cache)."""
    return vega.bundle(VEGA_LITE_VERSION)


def vega_embed_bundle_ahead() -> Callable[[], str]:
    """`vega_embed_bundle`, started now in a process of its own beside the charts; the function returned gives it."""
    return vega.bundle_ahead(VEGA_LITE_VERSION)


def inlinable(bundle: str) -> bool:
    """Whether `bundle` can stand inside a <script> element: it is Vega-Embed's, and no `</script` or `<!--` in it
    would end the element early or change how the browser reads it."""
    lowered = bundle.lower()
    return BUNDLE_MARK in bundle and "</script" not in lowered and "<!--" not in lowered


# Turns each figure's spec into a live view (tooltips, legend highlight) at the width of the page, and hides the
# static SVG only once the view has drawn; with scripts off, or should a view fail, the SVG stays. A faceted or
# layered chart cannot take Vega-Lite's "container" width, so the chart's width is set to what fills the figure:
# found by the secant method, as the drawn width grows linearly with it (a pixel per panel across, half that while
# a centred title is wider than the chart), in one or two steps. A single or layered view takes a new width through
# its `width` signal; a faceted one (by the facet operator or a row/column channel) does not lay itself out again
# when its `child_width` changes, so the spec's panel width is set and the view drawn anew. Last, the page states
# how many charts went live (`<html data-charts="11/11">`), for whoever waits on it, such as the browser tests.
EMBED = """
const figures = [...document.querySelectorAll("figure[data-chart]")];
const options = {actions: false, ast: true, renderer: "svg"};
const PANEL_SPACING = 20;
const live = [];
function drawnWidth(holder) {
  const svg = holder.querySelector("svg");
  return svg ? Number(svg.getAttribute("width")) : NaN;
}
function faceted(spec) {
  const channels = spec.encoding || {};
  return Boolean(spec.facet || channels.facet || channels.row || channels.column);
}
function panel(spec) {
  return spec.facet && spec.spec ? spec.spec : spec;
}
async function redraw(chart, width) {
  if (faceted(chart.spec)) {
    panel(chart.spec).width = width;
    chart.result.finalize();
    chart.holder.replaceChildren();
    chart.result = await vegaEmbed(chart.holder, chart.spec, options);
  } else {
    await chart.result.view.width(width).runAsync();
  }
  chart.width = width;
}
async function fit(chart) {
  let width = chart.width;
  if (typeof width !== "number") return;
  const target = chart.figure.clientWidth;
  let total = drawnWidth(chart.holder);
  // the panels across, as a first guess of the slope: each is its width and the spacing wide
  let slope = faceted(chart.spec) ? Math.max(1, Math.floor(total / (width + PANEL_SPACING))) : 1;
  for (let step = 0; step < 6 && Number.isFinite(total) && Math.abs(target - total) >= 1; step++) {
    const next = Math.max(40, Math.floor(width + (target - total) / slope));
    if (next === width) break;
    await redraw(chart, next);
    const measured = drawnWidth(chart.holder);
    // a centred title wider than the chart grows by half as much; where the title alone decides, no width fits
    if (measured !== total) slope = Math.max(0.25, (measured - total) / (next - width));
    width = next;
    total = measured;
  }
}
for (const figure of figures) {
  const holder = document.createElement("div");
  holder.className = "live";
  figure.append(holder);
  try {
    const spec = JSON.parse(figure.querySelector("script.spec").textContent);
    const chart = {figure, holder, spec, width: panel(spec).width, result: await vegaEmbed(holder, spec, options)};
    await fit(chart);
    figure.classList.add("interactive");
    live.push(chart);
  } catch (error) {
    holder.remove();
    console.error(`chart ${figure.id} stays static:`, error);
  }
}
let resizing = null;
window.addEventListener("resize", () => {
  clearTimeout(resizing);
  resizing = setTimeout(() => live.forEach(fit), 150);
});
document.documentElement.dataset.charts = `${live.length}/${figures.length}`;
"""


def _json_in_html(data: object) -> str:
    """`data` as JSON that a <script> element holds safely: `<`, `>` and `&` escaped as \\u003c..., so no text in
    it (a `</script>` in a scenario's narrative or a company's name) can end the element."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _script_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_policy(scripts: Sequence[str]) -> str:
    """The page's Content-Security-Policy: nothing from the network; only the page's own `scripts` (by hash) run,
    and Vega's expressions go through its interpreter (`ast: true`), so no eval is allowed; inline styles (Vega-Embed
    and its tooltip add theirs) and data: images."""
    hashes = " ".join(_script_hash(script) for script in scripts)
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
            "base-uri 'none'; form-action 'none'")


def _figure(name: str, chart: RenderedChart) -> str:
    return (f'<figure id="chart-{escape(name)}" data-chart="{escape(name)}">\n<div class="static">\n{chart.svg}\n'
            f'</div>\n<script type="application/json" class="spec">{_json_in_html(json.loads(chart.vega_lite_json))}'
            f'</script>\n</figure>')


def _paragraphs(text: str) -> str:
    return "\n".join(f"<p>{escape(block.strip())}</p>" for block in re.split(r"\n\s*\n", text) if block.strip())


def render_report(
    *,
    title: str,
    description: str,
    scenario_meta: dict[str, str],
    headline: pd.DataFrame,
    charts: dict[str, RenderedChart],
    register: pd.DataFrame,
    sources: pd.DataFrame,
    headline_caption: str = "",
    race: dict[str, pd.DataFrame] | None = None,
    problems: Sequence[str] = (),
    changes: pd.DataFrame | None = None,
    changes_caption: str = "",
    disagreements: pd.DataFrame | None = None,
    details: Collection[str] = (),
    vega_embed: str = "",
) -> str:
    """One self-contained HTML page (inline CSS, SVG and scripts, no external resource) for a scenario run.

    title: the scenario's name; description: its narrative (blank lines separate paragraphs); scenario_meta:
    label -> value shown under the title (horizon, reporting currency, as_of, inputs...); headline: the key
    table; charts: file stem -> rendering, in display order; register: one row per assumption, every column
    shown; sources: one row per source (a `url` column becomes links); headline_caption: a line under the
    headline table's title; race: title -> table, shown in a section of their own (a run with draws has them);
    problems: what the source audit rejects in the inputs, shown in a banner above everything else; changes: one
    row per assumption the scenario overrides, shown under "What this scenario changes" after changes_caption (the
    section is left out when None; an empty table shows the caption alone); disagreements: one row per candidate
    figure of each pooled assumption, under "Where sources disagree" (left out when None or empty); details: columns of any table shown on
    a labelled line under their row (evidence, rationales, history); vega_embed: Vega-Embed's bundle
    (`vega_embed_bundle`), inlined so that each chart becomes a live view over its SVG (without it, or with
    scripts off, the page shows the SVGs alone).
    """
    if vega_embed and not inlinable(vega_embed):
        raise ValueError("the Vega-Embed bundle is not one that a <script> element can hold")
    meta = "\n".join(f"<dt>{escape(label)}</dt><dd>{escape(value)}</dd>" for label, value in scenario_meta.items())
    caption = f'<p class="caption">{escape(headline_caption)}</p>\n' if headline_caption else ""
    race_section = race_link = ""
    if race:
        tables = "\n".join(f"<h3>{escape(name)}</h3>\n{_table(table)}" for name, table in race.items())
        race_section = f'<section id="race">\n<h2>The race</h2>\n{tables}\n</section>\n'
        race_link = '<a href="#race">The race</a>'
    banner = ""
    if problems:
        lines = "\n".join(f"<li>{escape(problem)}</li>" for problem in problems)
        banner = (f'<aside class="banner" role="alert">\n<strong>{UNAUDITED_BANNER}</strong>\n'
                  f'<ul>\n{lines}\n</ul>\n</aside>\n')
    changes_section = changes_link = ""
    if changes is not None:
        listed = f"\n{_table(changes, details)}" if not changes.empty else ""
        changes_section = (f'<section id="changes">\n<h2>What this scenario changes</h2>\n'
                           f'<p class="caption">{escape(changes_caption)}</p>{listed}\n</section>\n')
        changes_link = '<a href="#changes">What it changes</a>'
    disagree_section = disagree_link = ""
    if disagreements is not None and not disagreements.empty:
        pooled = disagreements.iloc[:, 0].nunique()
        disagree_section = (
            f'<section id="disagreements">\n<h2>Where sources disagree</h2>\n<p class="caption">'
            f'{pooled} assumption{"s" * (pooled != 1)} pool{"s" * (pooled == 1)} several sources\' figures into one '
            f'distribution, a mixture weighed by each source\'s kind and age; the value used is the pool\'s median.'
            f'</p>\n{_table(disagreements, details)}\n</section>\n')
        disagree_link = '<a href="#disagreements">Where sources disagree</a>'
    figures = "\n".join(
        _figure(name, chart) if vega_embed else f'<figure id="chart-{escape(name)}">\n{chart.svg}\n</figure>'
        for name, chart in charts.items()
    )
    scripts = policy = ""
    if vega_embed and charts:
        allowed = escape(content_policy([vega_embed, EMBED]))
        policy = f'<meta http-equiv="Content-Security-Policy" content="{allowed}">\n'
        scripts = f'<script type="module">{vega_embed}</script>\n<script type="module">{EMBED}</script>\n'

    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
{policy}<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{STYLESHEET}</style>
</head>
<body>
<main>
{banner}<header>
<h1>{escape(title)}</h1>
{_paragraphs(description)}
<dl class="meta">
{meta}
</dl>
<nav>
<a href="#headline">Headline</a>{race_link}<a href="#charts">Charts</a>
{changes_link}{disagree_link}<a href="#register">Assumptions</a><a href="#sources">Sources</a>
</nav>
</header>
<section id="headline">
<h2>Headline</h2>
{caption}{_table(headline)}
</section>
{race_section}<section id="charts">
<h2>Charts</h2>
{figures}
</section>
{changes_section}{disagree_section}<section id="register">
<h2>Assumption register</h2>
<p class="caption">{len(register)} assumptions, each with its sources, excerpts, date and confidence.</p>
{_table(register, details)}
</section>
<section id="sources">
<h2>Sources</h2>
{_table(sources)}
</section>
</main>
{scripts}</body>
</html>
"""
