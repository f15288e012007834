"""The README stays true: CI runs its test command verbatim, and its tables of keys and metrics are the catalogue's."""

from __future__ import annotations

import re

from model.catalogue import (
    HEADLINE,
    MARKET_PARAMETERS,
    MARKET_PREFIX,
    MAX_EXCHANGE_RATE,
    METRICS,
    PARAMETERS,
    Parameter,
    View,
)
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
COMMANDS = re.findall(r"```sh\n(.+?)\n```", README)


def test_the_readme_gives_exactly_two_commands():
    assert COMMANDS == [
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/scenario run base.yaml",
        "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest",
    ]


def test_ci_runs_the_readme_test_command():
    ci = (REPO / ".ci" / "run").read_text().splitlines()
    assert COMMANDS[1] in ci


def test_every_picture_the_readme_shows_is_in_the_repository():
    pictures = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", README)
    assert {"docs/fan_chart.png", "docs/tornado_chart.png", "docs/report.png"} <= set(pictures)
    for picture in pictures:
        assert (REPO / picture).is_file(), picture


# ------------------------------------------------------------------------------------- the catalogue's tables
METRICS_START = "<!-- metrics table: generated from model/catalogue.py by `python -m tests.test_readme` -->\n"
METRICS_END = "<!-- end of the metrics table -->\n"


def metrics_table() -> str:
    """The README's table of metrics, one row per catalogue entry in the catalogue's order."""
    rows = ["| metric | unit | label | meaning | appears in |", "|---|---|---|---|---|"]
    for key, metric in METRICS.items():
        views = ["headline"] if any(cell.metric == key for cell in HEADLINE) else []
        views += ["race (leads, overtakes)"] if View.race in metric.views else []
        views += [f"chart `{metric.chart}`"] if metric.chart else []
        views += [view.value for view in (View.compare, View.backtest) if view in metric.views]
        views += ["sensitivity heatmap"] if View.heatmap in metric.views else []
        rows.append(f"| `{key}` | {metric.unit('CCY')} | {metric.label} | {metric.description} | "
                    f"{', '.join(views) or '-'} |")
    return "\n".join(rows) + "\n"


def written_metrics_table(readme: str) -> str:
    start = readme.index(METRICS_START) + len(METRICS_START)
    return readme[start:readme.index(METRICS_END, start)]


def test_the_readme_lists_every_metric_as_the_catalogue_declares_it():
    assert written_metrics_table(README) == metrics_table(), "run `python -m tests.test_readme` to rewrite it"


def test_the_metrics_table_names_a_metric_s_unit_label_and_views():
    row = next(line for line in metrics_table().splitlines() if line.startswith("| `accelerators_installed` |"))
    assert row == ("| `accelerators_installed` | thousand units | Accelerators installed | accelerators in service: "
                   "the opening fleet, retired evenly over the service life, and the purchases since | headline, race (leads, overtakes), chart `accelerators_installed`, "
                   "compare, backtest, sensitivity heatmap |")
    row = next(line for line in metrics_table().splitlines() if line.startswith("| `compute_installed` |"))
    assert row == ("| `compute_installed` | thousand H100e | Compute installed | H100-equivalents in service: each "
                   "surviving cohort's accelerators times their performance | headline, race (leads, overtakes), chart "
                   "`compute_installed`, compare |")


def _number(value: float) -> str:
    """A bound as the README writes it: 1e15, 0.5, -1."""
    return re.sub(r"e\+0*", "e", f"{value:g}")


def _interval(parameter: Parameter) -> str:
    low = "[" if parameter.lower_inclusive else "("
    text = f"{low}{_number(parameter.lower)}, {_number(parameter.upper)}]"
    return f"{text}, not all zero" if parameter.not_all_zero else text


def _key_rows(readme: str) -> list[list[str]]:
    section = readme[readme.index("### The catalogue of assumption keys"):readme.index("## The model, in plain words")]
    lines = [line for line in section.splitlines() if line.startswith("| `")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


def test_the_readme_s_table_of_keys_gives_each_key_s_unit_and_interval_from_the_catalogue():
    described = {}
    for keys, units, intervals, _meaning in _key_rows(README):
        names = re.findall(r"`([^`]+)`", keys)
        kinds = units.split(", ")
        bounds = re.findall(r"[\[(][^\])]*\](?:, not all zero)?", intervals)
        assert len(names) == len(kinds) == len(bounds), keys
        described |= {name: (kind, bound) for name, kind, bound in zip(names, kinds, bounds, strict=True)}
    fx = described.pop("fx.<CCY>")
    assert fx == ("CCY per base", f"(0, {_number(MAX_EXCHANGE_RATE)}]")
    market = {key.removeprefix(f"{MARKET_PREFIX}."): described.pop(key) for key in list(described)
              if key.startswith(f"{MARKET_PREFIX}.")}
    assert market == {key: (p.kind, _interval(p)) for key, p in MARKET_PARAMETERS.items()}
    assert described == {key: (p.kind, _interval(p)) for key, p in PARAMETERS.items()}


if __name__ == "__main__":  # rewrite the README's table of metrics from the catalogue
    path = REPO / "README.md"
    start = README.index(METRICS_START) + len(METRICS_START)
    path.write_text(README[:start] + metrics_table() + README[README.index(METRICS_END, start):])
