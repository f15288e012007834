"""The run's renderings: the headline table as text, and the marks of figures that mix cloud revenue bases."""

import io
from html import escape

import pandas as pd

from model.analysis.projection import RunResult, frame_bases, run, run_result
from model.catalogue import Kind
from model.io.loading import load_inputs
from model.present.run import changes_table, charts, formatted_headline, headline_text, report, terminal
from tests.conftest import Project


def test_the_headline_shows_the_median_beside_the_value_only_where_they_differ():
    value = pd.DataFrame({"Capex": [4.634, 1.0], "Share": [0.44, 0.30]}, index=["A", "B"])
    median = pd.DataFrame({"Capex": [4.249, 1.02], "Share": [0.427, 0.3004]}, index=["A", "B"])
    low, high = value * 0.5, value * 2
    text = formatted_headline(value, {"Capex": Kind.money, "Share": Kind.share}, low, high, median)
    assert text.loc["A", "Capex"] == "4.6 (median 4.2) [2.3-9.3]"
    assert text.loc["B", "Capex"] == "1.0 [0.5-2.0]"  # 1.02 reads 1.0 too: nothing to add
    assert text.loc["A", "Share"] == "44.0% (median 42.7%) [22.0%-88.0%]"
    assert text.loc["B", "Share"] == "30.0% [15.0%-60.0%]"


# ------------------------------------------------------------------------------------------ cloud revenue bases
NOTE = ("* Cloud revenue and AI revenue mix bases (Alpha segment-reported; Beta market-share-estimate), so they do "
        "not compare like for like; cloud market share and cloud market revenue do (one market total x each "
        "company's share)")


def _run_of(project: Project) -> RunResult:
    inputs = load_inputs(project.path("scenarios/base.yaml"))
    return run_result(inputs, run(inputs))


def test_where_bases_differ_the_cloud_revenue_columns_are_marked_and_the_note_lists_each_company(small):
    result = _run_of(small)
    columns = headline_text(result).columns.tolist()
    assert [c for c in columns if c.endswith(" *")] == ["Cloud revenue 2027 (USD bn) *", "AI revenue 2027 (USD bn) *"]
    assert "Cloud market share 2027" in columns  # like for like: no mark
    assert NOTE in terminal(result)
    assert NOTE.partition(", so")[0] in report(result, {})


def test_where_bases_agree_nothing_is_marked(small):
    small.edit("assumptions/beta.yaml", "basis: market-share-estimate", "basis: segment-reported")
    result = _run_of(small)
    assert not any(c.endswith(" *") for c in headline_text(result).columns)
    assert not any(isinstance(shown, str) and "mix bases" in shown for shown in terminal(result))


def test_the_cloud_revenue_chart_says_so_under_its_title(small):
    result = _run_of(small)
    title = charts(result)["cloud_revenue"].to_dict()["title"]
    assert title["subtitle"] == [NOTE.partition(" so ")[0], "so " + NOTE.partition(" so ")[2]]
    small.edit("assumptions/beta.yaml", "basis: market-share-estimate", "basis: segment-reported")
    assert charts(_run_of(small))["cloud_revenue"].to_dict()["title"] == title["text"]


def test_the_tidy_table_gives_the_basis_on_the_rows_built_on_cloud_revenue(small):
    tidy = _run_of(small).projection.tidy()
    bases = tidy.groupby("metric")["basis"].agg(lambda b: tuple(sorted(set(b.dropna()))))
    assert bases["cloud_revenue"] == bases["ai_revenue"] == ("market-share-estimate", "segment-reported")
    assert bases["capex"] == bases["cloud_market_revenue"] == ()
    assert frame_bases(tidy) == {"Alpha": "segment-reported", "Beta": "market-share-estimate"}
    # as a run folder's CSV reads back: empty cells are missing
    assert frame_bases(pd.read_csv(io.StringIO(tidy.to_csv(index=False)))) == frame_bases(tidy)
    assert frame_bases(tidy.drop(columns="basis")) == {}  # a run folder of an earlier version


# ------------------------------------------------------------------------------------------------------ colours
def _chart_colours(result: RunResult) -> dict[str, dict[str, str]]:
    """Each chart's company -> colour, from the colour scale of its first view that has one."""
    found = {}
    for name, chart in charts(result).items():
        spec = chart.to_dict()
        views = [spec, *spec.get("layer", []), *spec.get("spec", {}).get("layer", [])]
        scale = next(view["encoding"]["color"]["scale"] for view in views if "color" in view.get("encoding", {}))
        found[name] = dict(zip(scale["domain"], scale["range"], strict=True))
    return found


def test_adding_a_company_file_leaves_the_others_colours_as_they_were(small):
    small.edit("assumptions/alpha.yaml", "name: Alpha\n", "name: Alpha\ncolour: '#123456'\n")
    before = _chart_colours(_run_of(small))
    text = small.path("assumptions/beta.yaml").read_text()
    small.write("assumptions/aardvark.yaml", text.replace("company: beta", "company: aardvark").replace(
        "name: Beta", "name: Aardvark"))
    after = _run_of(small)
    assert list(after.projection.companies) == ["Aardvark", "Alpha", "Beta"]
    for name, colours in _chart_colours(after).items():
        assert {company: colours[company] for company in before[name]} == before[name], name
        assert colours["Alpha"] == "#123456", name  # the file's own colour
        assert colours["Aardvark"] not in {colours["Alpha"], colours["Beta"]}, name


# -------------------------------------------------------------------------------------- what a scenario changes
def _result(project: Project, scenario: str) -> RunResult:
    inputs = load_inputs(project.path(f"scenarios/{scenario}.yaml"))
    return run_result(inputs, run(inputs))


def _changes(html: str) -> str:
    return html[html.index('<section id="changes">') : html.index('<section id="register">')]


HIGH_EVIDENCE = ('60 CNY bn (high: later-news "RMB 60 billion") replaces 30 CNY bn (base: alpha-filing "RMB 30 '
                 'billion over two years")')


def test_the_report_lists_each_override_against_the_value_it_replaces(small):
    section = _changes(report(_result(small, "high"), {}))
    assert ('<p class="caption">high overrides 1 assumption of base. Each is set against the value it replaces (the '
            'one the scenario it extends uses), with the sources of both.</p>') in section
    assert ("<tr><td class=\"nowrap\">alpha.capex.plan_total</td><td class=\"nowrap\">Alpha</td>"
            "<td>base 30 CNY bn -&gt; high 60 CNY bn</td><td class=\"nowrap\">2025-2026</td>"
            "<td class=\"nowrap\">high -&gt; low</td></tr>") in section
    assert f'<p><span class="label">Evidence</span> {escape(HIGH_EVIDENCE)}</p>' in section
    assert '<p><span class="label">Rationale</span> the later report doubles the plan</p>' in section


def test_the_changes_table_reads_as_a_sentence(small):
    row = changes_table(_result(small, "high").overrides).iloc[0]
    assert row.to_dict() == {"Key": "alpha.capex.plan_total", "Company": "Alpha",
                             "Change": "base 30 CNY bn -> high 60 CNY bn", "Period": "2025-2026",
                             "Confidence": "high -> low", "Evidence": HIGH_EVIDENCE,
                             "Rationale": "the later report doubles the plan"}


def test_base_says_it_changes_nothing(small):
    result = _result(small, "base")
    assert _changes(report(result, {})) == (
        '<section id="changes">\n<h2>What this scenario changes</h2>\n<p class="caption">base overrides no assumption: '
        'every value is the one its assumption file gives, as the assumption register lists it.</p>\n</section>\n')
    assert not any(isinstance(shown, str) and "overrides" in shown for shown in terminal(result))


def test_the_terminal_says_in_one_line_how_many_assumptions_a_scenario_overrides(small):
    assert terminal(_result(small, "high"))[-1] == ("high overrides 1 assumption of base; report.html lists each "
                                                    "against the value it replaces.")


HIGHER = """name: higher
description: Alpha triples its plan; the yuan strengthens.
extends: high
overrides:
  alpha.capex.plan_total:
    value: 90
    rationale: {rationale}
    confidence: low
    sources:
      - ref: rumour
        excerpt: "{excerpt}"
  fx.CNY:
    value: 7
    rationale: the yuan strengthens
    confidence: medium
    sources:
      - ref: rumour
        excerpt: "7 yuan per dollar"
"""


def test_a_chain_of_two_names_the_scenario_between(small):
    small.write("scenarios/higher.yaml", HIGHER.format(rationale="a later report triples it", excerpt="RMB 90 billion"))
    result = _result(small, "higher")
    assert terminal(result)[-1].startswith("higher overrides 2 assumptions of base (through high); ")
    section = _changes(report(result, {}))
    assert "<td>high 60 CNY bn -&gt; higher 90 CNY bn</td>" in section
    assert "<td>base 8 CNY per USD -&gt; higher 7 CNY per USD</td>" in section


def test_hostile_excerpts_and_rationales_are_escaped(small):
    hostile = "<script>alert(1)</script> & <img src=x onerror=alert(2)>"
    small.write("scenarios/higher.yaml", HIGHER.format(rationale=f"'{hostile}'", excerpt=hostile.replace('"', "")))
    html = report(_result(small, "higher"), {})
    assert "<script" not in html and "<img" not in html
    section = _changes(html)
    assert f"<span class=\"label\">Rationale</span> {escape(hostile)}</p>" in section
    assert escape(f'(higher: rumour "{hostile}")') in section


def test_the_register_reads_with_human_headers_and_keeps_its_machine_columns(small):
    result = _result(small, "high")
    html = report(result, {})
    register = html[html.index('<section id="register">') : html.index('<section id="sources">')]
    heads = ["Key", "Company", "Value", "Unit", "Period", "Confidence", "Source kinds", "As of", "Sources", "Excerpts",
             "Overridden by"]
    assert "".join(f"<th>{head}</th>" for head in heads) in register
    assert '<td class="confidence-high">high</td>' in register  # the levels keep their colours
    assert "overridden_by" not in html and "source_kinds" not in html
    assert result.register.columns[0] == "key"  # CSV, JSON and the Python API read machine names
