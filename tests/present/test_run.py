"""The run's renderings: the headline table as text, and the marks of figures that mix cloud revenue bases."""

import io

import pandas as pd

from model.analysis.projection import RunResult, frame_bases, run, run_result
from model.catalogue import Kind
from model.io.loading import load_inputs
from model.present.run import charts, formatted_headline, headline_text, report, terminal
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
