"""`scenario set` on copies of the small project and of the shipped files: the file keeps every byte but the edited
fields, a result that would not validate writes nothing, and the edited project still runs."""

from __future__ import annotations

import copy
import datetime as dt
import shutil
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from typer.testing import CliRunner

from model.cli import app
from model.errors import UsageError
from model.io import editing
from model.io.loading import load_inputs
from tests.conftest import REPO, SMALL, Project, at

runner = CliRunner()
SHIPPED = sorted([*(REPO / "assumptions").glob("*.yaml"), *(REPO / "scenarios").glob("*.yaml"),
                  *SMALL.rglob("*.yaml")])


TODAY = dt.date(2026, 6, 1)
KEPT = "the previous value is kept in history"


@pytest.fixture(autouse=True)
def fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    """`set` dates analyst judgement and replaced values by today; these tests run on one day."""
    monkeypatch.setattr(editing, "today", lambda: TODAY)


def invoke(*args: str):
    return runner.invoke(app, list(args))


def safe_load(text: str):
    return YAML(typ="safe").load(text)


@pytest.fixture
def shipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A copy of the shipped assumptions and scenarios, and the working directory set to it."""
    root = tmp_path / "shipped"
    for folder in ("assumptions", "scenarios"):
        shutil.copytree(REPO / folder, root / folder)
    monkeypatch.chdir(root)
    return Project(root)


# -------------------------------------------------------- the file's layout, read by hand (independent of editing)
def indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def filler(line: str) -> bool:
    return not line.strip() or line.strip().startswith("#")


def block(lines: list[str], start: int) -> range:
    """The line at `start` and the lines under it, without blank or comment lines at the end."""
    stop = start + 1
    while stop < len(lines) and (not lines[stop].strip() or indent(lines[stop]) > indent(lines[start])):
        stop += 1
    while stop > start + 1 and filler(lines[stop - 1]):
        stop -= 1
    return range(start, stop)


def field_lines(text: str, entry: str, fields=editing.EDITED_FIELDS) -> set[int]:
    """Lines of the given fields of the entry whose key line is `entry` (such as '  CNY:')."""
    lines = text.split("\n")
    start = lines.index(entry)
    inside = block(lines, start)
    column = next(indent(line) for line in lines[start + 1:inside.stop] if not filler(line))
    found: set[int] = set()
    for index in inside:
        line = lines[index]
        if indent(line) == column and not filler(line) and line.strip().split(":")[0] in fields:
            found |= set(block(lines, index))
    return found


def kept(text: str, removed: set[int]) -> list[str]:
    return [line for index, line in enumerate(text.split("\n")) if index not in removed]


# ------------------------------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(REPO)))
def test_ruamel_reproduces_every_shipped_file_byte_for_byte(path):
    text = path.read_text(encoding="utf-8")
    assert editing.round_trip(text) == text


def test_set_changes_only_the_value_confidence_as_of_and_sources_of_a_file_with_comments(small):
    small.edit("assumptions/alpha.yaml", "    value: 30\n", "    value: 30   # the plan, in total\n")
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"\n',
               '"RMB 30 billion over two years"\n      # a second filing would go here\n')
    small.edit("assumptions/alpha.yaml", "\n  capex.post_plan_growth:", "\n  # after the plan\n  capex.post_plan_growth:")
    before = small.path("assumptions/alpha.yaml").read_text()
    result = invoke("set", "alpha.capex.plan_total", "35", "--source", "alpha-filing", "--excerpt",
                    "RMB 35 billion over two years", "--locator", "p. 4", "--confidence", "medium",
                    "--as-of", "2025-04-02")
    assert result.exit_code == 0, result.output
    assert result.stdout == at("assumptions/alpha.yaml", "capex.plan_total") + f": 30 -> 35 (source alpha-filing; " \
                            f"{KEPT})\n"
    # the comment after the sources stays on its line, after the new history
    expected = (before
                .replace("    value: 30   # the plan, in total\n", "    value: 35   # the plan, in total\n")
                .replace("    confidence: high\n    as_of: 2025-03-01\n", "    confidence: medium\n    as_of: 2025-04-02\n", 1)
                .replace('        excerpt: "RMB 30 billion over two years"\n',
                         '        excerpt: "RMB 35 billion over two years"\n        locator: p. 4\n'
                         "    history:\n      - value: 30\n"
                         "        confidence: high\n"
                         "        as_of: 2025-03-01\n"
                         "        replaced: 2026-06-01\n"
                         "        sources:\n"
                         "          - ref: alpha-filing\n"
                         '            excerpt: "RMB 30 billion over two years"\n'))
    assert small.path("assumptions/alpha.yaml").read_text() == expected


def test_as_of_defaults_to_the_source_date_and_confidence_stays(small):
    result = invoke("set", "beta.ai_chips.share_of_capex", "0.4", "--source", "beta-press", "--excerpt", "40%")
    assert result.exit_code == 0, result.output
    assumption = load_inputs(small.path("scenarios/base.yaml")).resolved["beta.ai_chips.share_of_capex"].assumption
    assert (assumption.value.scalar, assumption.as_of, assumption.confidence) == (0.4, dt.date(2025, 2, 1), "low")
    assert [(s.ref, s.excerpt, s.locator) for s in assumption.sources] == [("beta-press", "40%", None)]


def test_a_series_value_keeps_the_file_style_of_series(small):
    result = invoke("set", "beta.capex.growth", "2025:0.4,2027:0.2", "--source", "beta-press", "--excerpt", "40% more")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        at("assumptions/beta.yaml", "capex.growth") + ": 2025: 0.5, 2027: 0.1 -> 2025: 0.4, 2027: 0.2 "
                             f"(source beta-press; {KEPT})\n")
    text = small.path("assumptions/beta.yaml").read_text()
    assert "    value: {2025: 0.4, 2027: 0.2}\n" in text  # the file writes series in flow style
    assert "      - value: {2025: 0.5, 2027: 0.1}\n" in text  # and so does the history it keeps
    result = invoke("set", "alpha.ai_chips.growth", "{2025: 0.5, 2026: 0.3}", "--source", "analyst-judgement",
                    "--rationale", "budgets grow more slowly after the first year")
    assert result.exit_code == 0, result.output
    assert ("    value:\n      2025: 0.5\n      2026: 0.3\n    unit: ratio\n" in
            small.path("assumptions/alpha.yaml").read_text())  # a number becomes a block series
    resolved = load_inputs(small.path("scenarios/base.yaml")).resolved
    assert resolved["beta.capex.growth"].assumption.value.series == {2025: 0.4, 2027: 0.2}
    assert resolved["alpha.ai_chips.growth"].assumption.value.series == {2025: 0.5, 2026: 0.3}


def test_a_negative_value_is_a_value_not_an_option(small):
    result = invoke("set", "alpha.accelerators.price_change", "-0.3", "--source", "analyst-judgement",
                    "--rationale", "prices fall more slowly")
    assert result.exit_code == 0, result.output
    assert "    value: -0.3\n" in small.path("assumptions/alpha.yaml").read_text()
    assert ("        rationale: prices fall more slowly\n" in small.path("assumptions/alpha.yaml").read_text())


def test_an_override_is_created_then_edited(small):
    result = invoke("set", "beta.capex.growth", "{2025: 0.4, 2026: 0.2}", "--scenario", "base", "--source", "rumour",
                    "--excerpt", "growth of 40%", "--rationale", "a rumour of faster growth")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        at("scenarios/base.yaml", "beta.capex.growth") + ": 2025: 0.5, 2027: 0.1 -> 2025: 0.4, 2026: 0.2 "
                             "(new override; source rumour)\n")
    assert small.path("scenarios/base.yaml").read_text() == (
        "name: base\ndescription: Two made-up companies over three years, for hand-checked tests.\n"
        "horizon: [2025, 2027]\n"
        "reporting_currency: USD\n"
        "as_of: 2025-05-31\n"
        "overrides:\n  beta.capex.growth:\n"
        "    value:\n      2025: 0.4\n"
        "      2026: 0.2\n"
        "    rationale: a rumour of faster growth\n"
        "    confidence: medium\n"  # the assumption's, as none was given
        "    as_of: 2025-04-01\n"
        "    sources:\n      - ref: rumour\n"
        '        excerpt: "growth of 40%"\n'
    )
    result = invoke("set", "beta.capex.growth", "0.3", "--scenario", "base", "--source", "beta-press",
                    "--excerpt", "30% more", "--rationale", "the press puts it lower", "--confidence", "low")
    assert result.exit_code == 0, result.output
    assert result.stdout == (at("scenarios/base.yaml", "beta.capex.growth") + ": 2025: 0.4, 2026: 0.2 -> 0.3 "
                             f"(source beta-press; {KEPT})\n")
    assert small.path("scenarios/base.yaml").read_text().endswith(
        "overrides:\n  beta.capex.growth:\n"
        "    value: 0.3\n"
        "    rationale: the press puts it lower\n"
        "    confidence: low\n"
        "    as_of: 2025-02-01\n"
        "    sources:\n      - ref: beta-press\n"
        '        excerpt: "30% more"\n'
        "    history:\n      - value:\n"
        "          2025: 0.4\n"
        "          2026: 0.2\n"
        "        rationale: a rumour of faster growth\n"
        "        confidence: medium\n"
        "        as_of: 2025-04-01\n"
        "        replaced: 2026-06-01\n"
        "        sources:\n"
        "          - ref: rumour\n"
        '            excerpt: "growth of 40%"\n'
    )
    resolved = load_inputs(small.path("scenarios/base.yaml")).resolved["beta.capex.growth"]
    assert (resolved.assumption.value.scalar, resolved.overridden_by, resolved.rationale) == (0.3, "base",
                                                                                        "the press puts it lower")


def test_an_existing_override_gains_as_of_before_its_sources(small):
    before = small.path("scenarios/high.yaml").read_text()
    result = invoke("set", "alpha.capex.plan_total", "70", "--scenario", "high", "--source", "later-news",
                    "--excerpt", "RMB 70 billion", "--rationale", "the later report says 70")
    assert result.exit_code == 0, result.output
    assert small.path("scenarios/high.yaml").read_text() == before.replace(
        "    value: 60\n    rationale: the later report doubles the plan\n    confidence: low\n    sources:\n"
        "      - ref: later-news\n        excerpt: \"RMB 60 billion\"\n",
        "    value: 70\n    rationale: the later report says 70\n    confidence: low\n    as_of: 2026-01-15\n"
        "    sources:\n      - ref: later-news\n        excerpt: \"RMB 70 billion\"\n"
        # the override had no as_of: its vintage takes what loading took, its source's date
        "    history:\n      - value: 60\n        rationale: the later report doubles the plan\n"
        "        confidence: low\n        as_of: 2026-01-15\n        replaced: 2026-06-01\n"
        "        sources:\n          - ref: later-news\n            excerpt: \"RMB 60 billion\"\n")


def test_an_override_needs_a_rationale(small):
    result = invoke("set", "fx.CNY", "7.5", "--scenario", "high", "--source", "later-news", "--excerpt", "7.5 yuan")
    assert result.exit_code == 2
    assert result.stderr == ("error: --rationale is required with --scenario: an override says why it departs from "
                             "the assumption\n")


def test_an_exchange_rate_override_joins_the_others_and_warns_of_a_late_source(small):
    result = invoke("set", "fx.CNY", "7.5", "--scenario", "base", "--source", "later-news", "--excerpt", "7.5 yuan",
                    "--rationale", "a weaker yuan")
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        at("scenarios/base.yaml", "fx.CNY") + ": warning: source 'later-news' is dated 2026-01-15, after "
                             "as_of 2025-05-31 of scenario 'base'\n")
    assert result.stdout == at("scenarios/base.yaml", "fx.CNY") + ": 8 -> 7.5 (new override; source later-news)\n"


# ------------------------------------------------------------------------------------------ nothing is written
def test_a_value_outside_the_keys_valid_interval_writes_nothing(small):
    before = small.path("assumptions/alpha.yaml").read_bytes()
    result = invoke("set", "alpha.cloud.ai_share", "2025:1.2,2027:0.5", "--source", "rumour", "--excerpt",
                    "120% in 2025")
    assert result.exit_code == 1
    assert result.stderr == (
        at("assumptions/alpha.yaml", "cloud.ai_share.value") + ": 1.2 is outside the valid interval "
                             "[0, 1]\n1 error; nothing was written\n")
    assert small.path("assumptions/alpha.yaml").read_bytes() == before


def test_a_value_outside_its_explicit_range_writes_nothing(small):
    before = small.path("assumptions/alpha.yaml").read_bytes()
    result = invoke("set", "alpha.ai_chips.budget_base", "12", "--source", "alpha-filing", "--excerpt", "12 billion")
    assert result.exit_code == 1
    # one error, said once: the scenario that overrides another of alpha's keys is not told alpha is unknown
    assert result.stderr == (
        at("assumptions/alpha.yaml", "ai_chips.budget_base") + ": value 12 lies outside its range [6, 10]\n"
        "1 error; nothing was written\n"
    )
    assert small.path("assumptions/alpha.yaml").read_bytes() == before
    assert sorted(p.name for p in small.path("assumptions").iterdir()) == ["alpha.yaml", "beta.yaml", "fx.yaml",
                                                                           "market.yaml", "sources.yaml"]


def test_an_excerpt_that_does_not_state_the_figure_fails_the_source_audit_and_writes_nothing(small):
    before = small.path("assumptions/alpha.yaml").read_bytes()
    result = invoke("set", "alpha.capex.plan_total", "35", "--source", "alpha-filing", "--excerpt", "RMB 30 billion")
    assert result.exit_code == 1
    assert result.stderr == (
        at("assumptions/alpha.yaml", "capex.plan_total.sources") + ": no excerpt states the value 35 CNY bn (as \"35 "
        "billion\" or \"CNY 35bn\"); the excerpts give \"RMB 30 billion\"\n"
        "1 error; nothing was written\n"
    )
    assert small.path("assumptions/alpha.yaml").read_bytes() == before


def test_an_unknown_source_is_a_usage_error(small):
    result = invoke("set", "alpha.capex.plan_total", "35", "--source", "alpha-filling", "--excerpt", "RMB 35 billion")
    assert result.exit_code == 2
    assert result.stderr == ("error: unknown source 'alpha-filling' (register it in assumptions/sources.yaml first); "
                             "did you mean 'alpha-filing'? valid: alpha-filing, analyst-judgement, beta-press, "
                             "later-news, rumour\n")


def test_setting_the_capex_route_a_company_does_not_use_says_which_it_uses(shipped):
    result = invoke("set", "tencent.capex.growth", "0.1", "--source", "analyst-judgement", "--rationale", "x")
    assert (result.exit_code, result.stderr) == (2, (
        "error: assumptions/tencent.yaml has no assumption 'capex.growth' to set: tencent gives its capex as "
        "capex.intensity (a share of group revenue), so it has no capex.growth to set; set tencent.capex.intensity "
        "instead\n"))


def test_an_unknown_company_or_key_names_the_valid_ones(small):
    resolved = load_inputs(small.path("scenarios/base.yaml")).resolved  # the list grows with the fixture
    beta_keys = ", ".join(sorted(key.removeprefix("beta.") for key in resolved if key.startswith("beta.")))
    result = invoke("set", "alhpa.capex.plan_total", "35", "--source", "alpha-filing", "--excerpt", "x")
    assert (result.exit_code, result.stderr) == (2, "error: unknown company 'alhpa' in KEY 'alhpa.capex.plan_total'; "
                                                    "did you mean 'alpha'? valid: alpha, beta, fx, market\n")
    result = invoke("set", "beta.capex.grwth", "0.1", "--source", "beta-press", "--excerpt", "x")
    assert (result.exit_code, result.stderr) == (2, (
        "error: assumptions/beta.yaml has no assumption 'capex.grwth' to set (add a new one by hand, with its unit "
        f"and period); did you mean 'capex.growth'? valid: {beta_keys}\n"))
    result = invoke("set", "fx.EUR", "0.9", "--source", "beta-press", "--excerpt", "x")
    assert (result.exit_code, result.stderr) == (2, "error: assumptions/fx.yaml has no exchange rate 'EUR' to set "
                                                    "(add a new one by hand, with its unit and period); valid: CNY\n")


def test_the_command_line_forms_of_a_value():
    assert editing.parse_value("0.12") == 0.12
    assert editing.parse_value("1.5e3") == 1500.0
    assert editing.parse_value("380") == 380
    assert editing.parse_value("2027:0.08, 2025:0.1") == {2025: 0.1, 2027: 0.08}
    assert editing.parse_value("{2025: 0.1, 2027: 0.08}") == {2025: 0.1, 2027: 0.08}
    for bad in ("abc", "true", ".nan", ".inf", "2025:x", "{}", "[1, 2]", ""):
        with pytest.raises(UsageError, match=r"^VALUE '.*' is not a number \(0\.12, 1\.5e3\) or a per-year series"):
            editing.parse_value(bad)
    with pytest.raises(UsageError, match=r"^VALUE '25:0\.1': a series is keyed by years such as 2025$"):
        editing.parse_value("25:0.1")
    with pytest.raises(UsageError, match=r"^VALUE '2025:0\.1,2025:0\.2' gives a year twice$"):
        editing.parse_value("2025:0.1,2025:0.2")


def test_the_edited_project_still_runs(small):
    assert invoke("set", "alpha.capex.plan_total", "36", "--source", "alpha-filing", "--excerpt",
                  "RMB 36 billion").exit_code == 0
    result = invoke("run", "base")
    assert result.exit_code == 0, result.output
    rows = [line for line in small.path("outputs/base/projection.csv").read_text().splitlines()
            if line.startswith("base,Alpha,") and ",capex,USD bn," in line]
    # 36 CNY bn over 2025-2026 is 18 a year at 8 CNY per USD; 2027 grows 20% after the plan (capex has no basis)
    assert rows == ["base,Alpha,2025,capex,USD bn,2.25,", "base,Alpha,2026,capex,USD bn,2.25,",
                    "base,Alpha,2027,capex,USD bn,2.7,"]


# ------------------------------------------------------------------------------ files ruamel cannot reproduce
def test_a_file_ruamel_would_reformat_keeps_its_other_lines(small):
    small.edit("assumptions/alpha.yaml", "    range: [6, 10]\n", "    range: [ 6, 10 ]\n")
    small.edit("assumptions/alpha.yaml", "    unit: CNY bn\n    period: 2025-2026\n",
               "    unit:   CNY bn\n    period: 2025-2026\n")
    before = small.path("assumptions/alpha.yaml").read_text()
    assert editing.round_trip(before) != before
    result = invoke("set", "alpha.capex.plan_total", "35", "--source", "alpha-filing", "--excerpt", "RMB 35 billion")
    assert result.exit_code == 0, result.output
    assert small.path("assumptions/alpha.yaml").read_text() == before.replace(
        "    value: 30\n", "    value: 35\n").replace(
        '        excerpt: "RMB 30 billion over two years"\n',
        '        excerpt: "RMB 35 billion"\n    history:\n      - value: 30\n        confidence: high\n'
        '        as_of: 2025-03-01\n        replaced: 2026-06-01\n        sources:\n          - ref: alpha-filing\n'
        '            excerpt: "RMB 30 billion over two years"\n')


def test_a_file_with_windows_line_ends_keeps_them(small):
    path = small.path("assumptions/beta.yaml")
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    result = invoke("set", "beta.capex.base", "2.5", "--source", "beta-press", "--excerpt", "US$2.5bn")
    assert result.exit_code == 0, result.output
    data = path.read_bytes()
    assert b"    value: 2.5\r\n" in data and b'        excerpt: "US$2.5bn"\r\n' in data
    assert b"\n" not in data.replace(b"\r\n", b"")


# ---------------------------------------------------------------------------- every entry of the shipped files
def _entries(root: Path):
    """(key, scenario, entry key line) for every assumption and exchange rate of a project, and the first and last
    override of each scenario (the overrides between them are laid out alike; each edit takes a tenth of a second)."""
    for path in sorted((root / "assumptions").glob("*.yaml")):
        data = safe_load(path.read_text())
        if path.name == "fx.yaml":
            yield from ((f"fx.{ccy}", None, f"  {ccy}:") for ccy in data["rates"])
        elif path.name != "sources.yaml":
            # (a pool has no single value to set: test_a_pools_own_entry_is_not_set)
            yield from ((f"{path.stem}.{key}", None, f"  {key}:") for key, entry in data["assumptions"].items()
                        if "candidates" not in entry)
    for path in sorted((root / "scenarios").glob("*.yaml")):
        keys = list(safe_load(path.read_text()).get("overrides") or {})
        for key in dict.fromkeys(keys[:1] + keys[-1:]):
            yield key, path.stem, f"  {key}:"


@pytest.mark.parametrize("root", [REPO, SMALL], ids=["shipped", "small"])
def test_every_entry_can_be_set_leaving_every_other_line(root, tmp_path):
    for folder in ("assumptions", "scenarios"):
        shutil.copytree(root / folder, tmp_path / folder)
    registry = editing.read_registry(tmp_path / "assumptions")
    judgement = registry["analyst-judgement"]
    other = next(s for s in registry.values() if s.kind != "analyst-judgement")
    for index, (key, scenario, entry) in enumerate(_entries(tmp_path)):
        target = editing.find_target(tmp_path, key, scenario)
        old_text = target.path.read_text()
        value = 0.5 if index % 2 else {2025: 0.25, 2027: 0.5}
        source = judgement if index % 3 == 0 else other
        change = editing.Change(value, source, "a short phrase", "para 1" if index % 2 else None,
                                dt.date(2025, 1, 2), None, "why, at some length " * 8 if scenario else "why",
                                replaced=dt.date(2025, 1, 3))
        edited = editing.edit(target, change)
        assert kept(old_text, field_lines(old_text, entry)) == kept(edited.text, field_lines(edited.text, entry)), key
        expected = copy.deepcopy(safe_load(old_text))
        fields = expected[target.loc[0]][target.loc[1]]
        vintage = {name: fields[name] for name in ("value", "rationale", "confidence", "range") if name in fields}
        # an override without as_of was as of its sources' latest date
        vintage["as_of"] = fields.get("as_of") or max(registry[c["ref"]].date for c in fields["sources"])
        vintage |= {"replaced": dt.date(2025, 1, 3), "sources": fields["sources"]}
        fields["history"] = [*fields.get("history", []), vintage]
        citation = {"ref": source.id, "excerpt": "a short phrase"}
        if index % 2:
            citation["locator"] = "para 1"
        if source is judgement:
            citation["rationale"] = " ".join(change.rationale.split()) + ("\n" if scenario else "")
        fields |= {"value": value, "as_of": dt.date(2025, 1, 2), "sources": [citation]}
        if scenario:
            fields["rationale"] = " ".join(change.rationale.split()) + "\n"
        assert safe_load(edited.text) == expected, key


def test_a_new_override_in_a_shipped_scenario_follows_the_others(shipped):
    before = shipped.path("scenarios/bull.yaml").read_text()
    result = invoke("set", "tencent.accelerators.service_life", "6", "--scenario", "bull", "--source",
                    "analyst-judgement", "--rationale", "lives lengthen as export controls keep supply scarce")
    assert result.exit_code == 0, result.output
    after = shipped.path("scenarios/bull.yaml").read_text()
    added = ("\n"
             "  tencent.accelerators.service_life:\n"
             "    value: 6\n    rationale: lives lengthen as export controls keep supply scarce\n"
             "    confidence: low\n"
             "    as_of: 2026-06-01\n"  # analyst judgement is dated the day it is made
             "    sources:\n      - ref: analyst-judgement\n"
             "        rationale: lives lengthen as export controls keep supply scarce\n")
    assert added in after
    assert after.replace(added, "", 1) == before
    assert invoke("run", "bull", "--out", str(shipped.root / "run")).exit_code == 0


# ------------------------------------------------------------------------------------ history: set keeps the evidence
README_EXAMPLE = ("set", "tencent.capex.intensity", "2025:0.12,2026:0.13,2028:0.12,2030:0.11", "--source",
                  "analyst-judgement", "--rationale", "...")


def test_the_readmes_example_keeps_the_eight_excerpts_and_the_rationale_in_history(shipped):
    path = shipped.path("assumptions/tencent.yaml")
    before_text = path.read_text()
    before = safe_load(before_text)["assumptions"]["capex.intensity"]
    assert sum("excerpt" in s for s in before["sources"]) == 8  # what the README's example would have deleted
    result = invoke(*README_EXAMPLE)
    assert result.exit_code == 0, result.output
    # the console wraps the line at its width; the text is the README's
    assert " ".join(result.stdout.split()) == (
        at("assumptions/tencent.yaml", "capex.intensity") + ": 2025: 0.12, 2028: 0.12, 2030: 0.11 -> 2025: 0.12, "
        f"2026: 0.13, 2028: 0.12, 2030: 0.11 (source analyst-judgement; {KEPT})")
    after_text = path.read_text()
    after = safe_load(after_text)["assumptions"]["capex.intensity"]
    assert after["history"] == [{"value": before["value"], "confidence": "medium", "as_of": dt.date(2025, 5, 31),
                                 "replaced": TODAY, "sources": before["sources"]}]
    assert after["sources"] == [{"ref": "analyst-judgement", "rationale": "..."}]
    assert after["as_of"] == TODAY
    # every other byte stays: only the entry's edited fields' lines differ
    removed_before = field_lines(before_text, "  capex.intensity:")
    removed_after = field_lines(after_text, "  capex.intensity:")
    assert kept(before_text, removed_before) == kept(after_text, removed_after)
    assert invoke("validate").exit_code == 0


def test_a_second_set_appends_to_history_oldest_first(small):
    assert invoke("set", "alpha.capex.plan_total", "35", "--source", "alpha-filing", "--excerpt",
                  "RMB 35 billion").exit_code == 0
    result = invoke("set", "alpha.capex.plan_total", "40", "--source", "alpha-filing", "--excerpt", "RMB 40 billion",
                    "--as-of", "2025-05-01")
    assert result.exit_code == 0, result.output
    entry = safe_load(small.path("assumptions/alpha.yaml").read_text())["assumptions"]["capex.plan_total"]
    assert [(v["value"], v["as_of"]) for v in entry["history"]] == [(30, dt.date(2025, 3, 1)),
                                                                   (35, dt.date(2025, 3, 1))]
    assert (entry["value"], entry["as_of"]) == (40, dt.date(2025, 5, 1))


def test_add_source_keeps_the_old_sources_and_adds_the_new_one(small):
    result = invoke("set", "alpha.capex.plan_total", "30", "--source", "beta-press", "--excerpt", "RMB 30 billion",
                    "--add-source")
    assert result.exit_code == 0, result.output
    assert result.stdout == (at("assumptions/alpha.yaml", "capex.plan_total") + ": 30 -> 30 (source beta-press added; "
                             f"{KEPT})\n")
    entry = safe_load(small.path("assumptions/alpha.yaml").read_text())["assumptions"]["capex.plan_total"]
    assert entry["sources"] == [{"ref": "alpha-filing", "excerpt": "RMB 30 billion over two years"},
                                {"ref": "beta-press", "excerpt": "RMB 30 billion"}]
    assert entry["history"][0]["sources"] == [{"ref": "alpha-filing", "excerpt": "RMB 30 billion over two years"}]


def test_analyst_judgement_is_dated_today_unless_as_of_is_given(small):
    result = invoke("set", "alpha.capex.post_plan_growth", "0.25", "--source", "analyst-judgement", "--rationale",
                    "faster after the plan")
    assert result.exit_code == 0, result.output
    entry = safe_load(small.path("assumptions/alpha.yaml").read_text())["assumptions"]["capex.post_plan_growth"]
    assert entry["as_of"] == TODAY
    result = invoke("set", "alpha.capex.post_plan_growth", "0.3", "--source", "analyst-judgement", "--rationale",
                    "faster still", "--as-of", "2025-04-01")
    assert result.exit_code == 0, result.output
    entry = safe_load(small.path("assumptions/alpha.yaml").read_text())["assumptions"]["capex.post_plan_growth"]
    assert entry["as_of"] == dt.date(2025, 4, 1)
    assert [v["as_of"] for v in entry["history"]] == [dt.date(2025, 5, 31), TODAY]


def test_range_sets_the_interval(small):
    result = invoke("set", "alpha.ai_chips.budget_base", "9", "--source", "alpha-filing", "--excerpt",
                    "9 billion yuan", "--range", "7", "11")
    assert result.exit_code == 0, result.output
    entry = safe_load(small.path("assumptions/alpha.yaml").read_text())["assumptions"]["ai_chips.budget_base"]
    assert (entry["value"], entry["range"]) == (9, [7, 11])
    assert entry["history"][0]["range"] == [6, 10]


@pytest.mark.parametrize(("key", "value", "bounds", "message"), [
    ("alpha.ai_chips.budget_base", "9", ("11", "7"), "--range 11 7: low 11 is above high 7"),
    ("alpha.ai_chips.budget_base", "9", ("nan", "11"), "--range nan 11: 'nan' is not a finite number"),
    ("alpha.ai_chips.budget_base", "9", ("7", "inf"), "--range 7 inf: 'inf' is not a finite number"),
    ("alpha.ai_chips.budget_base", "9", ("7", "1e999"), "--range 7 1e999: '1e999' is not a finite number"),
    ("alpha.ai_chips.budget_base", "9", ("7", "ten"), "--range 7 ten: 'ten' is not a finite number"),
    ("alpha.ai_chips.budget_base", "9", ("10", "11"), "--range 10 11 does not hold VALUE 9"),
    ("alpha.cloud.ai_share", "0.5", ("0.2", "1.5"), ("--range 0.2 1.5: 1.5 is outside the valid interval [0, 1] "
                                                      "for alpha.cloud.ai_share")),
    ("beta.capex.growth", "2025:0.1,2027:0.08", ("0", "0.2"), ("--range 0 0.2: an explicit range needs a single "
                                                                "VALUE; a series moves as one by its confidence")),
    ("fx.CNY", "7.2", ("0", "8"), "--range 0 8: rate 0 must be positive for fx.CNY"),
])
def test_hostile_ranges_are_refused_and_nothing_is_written(small, key, value, bounds, message):
    before = {p.name: p.read_bytes() for p in small.path("assumptions").iterdir()}
    result = invoke("set", key, value, "--source", "alpha-filing", "--excerpt", "x", "--range", *bounds)
    assert (result.exit_code, result.stderr) == (2, f"error: {message}\n")
    assert {p.name: p.read_bytes() for p in small.path("assumptions").iterdir()} == before


def test_range_with_one_argument_is_a_usage_error_without_a_traceback(small):
    before = small.path("assumptions/alpha.yaml").read_bytes()
    result = invoke("set", "alpha.ai_chips.budget_base", "9", "--source", "alpha-filing", "--excerpt", "x",
                    "--range", "7")
    assert result.exit_code == 2
    assert "Option '--range' requires 2 arguments." in result.output
    assert "Traceback" not in result.output
    assert small.path("assumptions/alpha.yaml").read_bytes() == before
