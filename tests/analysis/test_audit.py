"""The source audit: figures read from excerpts, conversions against our rates, excerpts in source texts, stale
assumptions, and what the audit finds in the shipped files (the US$54.5bn conversion of RMB 380bn among it)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model.analysis.audit import (
    AuditSettings,
    ProjectAudit,
    SourceText,
    check_conversion,
    conversion_message,
    conversion_pairs,
    excerpt_states,
    figures_in,
    normalise,
)
from model.cli import app
from model.cli.checks import audit_project
from model.domain import Value
from model.errors import UsageError
from model.io.loading import validate_project
from model.units import ExchangeRates
from tests.conftest import REPO, at

runner = CliRunner()
RATES = ExchangeRates("USD", {"CNY": 7.1717})
SHARED_SOURCES = REPO.parent / "shared" / "sources"


def invoke(*args: str):
    return runner.invoke(app, list(args))


def audit(project, **settings) -> list[str]:
    scenarios = sorted(project.path("scenarios").glob("*.yaml"))
    report = audit_project(scenarios, [project.path("assumptions")], AuditSettings(**settings))
    return [str(p) for p in report.problems]


# ------------------------------------------------------------------------------------------------------- figures
@pytest.mark.parametrize(("excerpt", "value", "unit"), [
    ("380 billion", 380, "CNY bn"),
    ("RMB 380bn", 380, "CNY bn"),
    ("RMB380 billion", 380, "CNY bn"),
    ("380 billion yuan", 380, "CNY bn"),
    ("¥380bn", 380, "CNY bn"),
    ("380bn", 380, "CNY bn"),
    ("CNY 380 B", 380, "CNY bn"),
    ("RMB 380,000 million", 380, "CNY bn"),
    ("RMB 0.38 trillion", 380, "CNY bn"),
    ("0.38tn yuan", 380, "CNY bn"),
    ("more than 380 billion", 380, "CNY bn"),  # a number without scale, read in the unit's scale
    ("$12 billion", 12, "USD bn"),
    ("US$12bn", 12, "USD bn"),
    ("USD 12 billion", 12, "USD bn"),
    ("12 billion U.S. dollars", 12, "USD bn"),
    ("US$14,000 each", 14000, "USD"),
    ("US$14,000 each", 14, "USD k"),
    ("20k units", 20000, "count"),
    ("1,200 units", 1200, "count"),
    ("11%", 0.11, "ratio"),
    ("11 per cent", 0.11, "ratio"),
    ("11 percent", 0.11, "ratio"),
    ("0.11", 0.11, "ratio"),
    ("about 14%", 0.137, "ratio"),  # the text's figure is the value rounded to the digits it shows
    ("31.7 billion RMB", 31.742, "CNY bn"),
    ("RMB 31.742bn", 31.7, "CNY bn"),  # and the other way round: the value is the text rounded
    ("prices fall 5% a year", -0.05, "ratio"),  # signs are not read
    ("half of its capex", 0.5, "ratio"),
    ("a third of it", 0.33, "ratio"),
    ("RMB 80-100bn", 80, "CNY bn"),  # a range shares the scale written once
    ("11-14%", 0.11, "ratio"),
    ("weakened 21 pips to 7.1717", 7.1717, "CNY per USD"),
    ("lasts 5 years", 5, "years"),
    ("a series: up 15% in 2026", {2026: 0.15, 2027: 0.10}, "ratio"),  # one of a series' values suffices
])
def test_an_excerpt_states_its_figure_in_the_forms_sources_use(excerpt, value, unit):
    assert excerpt_states(excerpt, Value.of(value), unit)


@pytest.mark.parametrize(("excerpt", "value", "unit"), [
    ("US$53bn", 380, "CNY bn"),  # another currency
    ("381 billion yuan", 380, "CNY bn"),
    ("380 million yuan", 380, "CNY bn"),  # another scale
    ("38bn", 380, "CNY bn"),
    ("RMB 12bn", 12, "USD bn"),
    ("11%", 11, "CNY bn"),  # a percentage is not money
    ("13%", 0.137, "ratio"),  # 0.137 rounds to 14%
    ("13.6%", 0.137, "ratio"),
    ("31.8 billion RMB", 31.742, "CNY bn"),
    ("11 billion", 0.11, "ratio"),
    ("half of its capex", 0.5, "USD bn"),  # fraction words state ratios only
    ("in FY2025", 2025, "count"),  # digits inside a word are not a figure
    ("grew in the triple-digit range", 0.15, "ratio"),
])
def test_an_excerpt_that_does_not_state_the_figure(excerpt, value, unit):
    assert not excerpt_states(excerpt, Value.of(value), unit)


def test_figures_are_read_with_their_currency_scale_and_precision():
    figures = figures_in("CNY160 billion (approx. US$22.70 billion) in 2026")
    assert [(f.text, str(f.number), f.decimals, f.scale, f.currency) for f in figures] == [
        ("CNY160 billion", "160", 0, 10**9, "CNY"),
        ("US$22.70 billion", "22.70", 2, 10**9, "USD"),
        ("2026", "2026", 0, 1, None),
    ]


# --------------------------------------------------------------------------------------------------- conversions
def conversion(excerpt: str):
    [(given, converted)] = conversion_pairs(figures_in(excerpt), excerpt)
    return check_conversion(given, converted, RATES)


def test_the_us_54_5bn_conversion_of_rmb_380bn_is_flagged():
    found = conversion("more than 380 billion RMB (approximately $54.5 billion)")
    # 380 / 54.5 = 6.97248 CNY per USD; 380 / 7.1717 = 52.98604 USD bn; 54.5 / 52.98604 - 1 = 2.857%
    assert (found.quote, found.per) == ("CNY", "USD")
    assert found.implied_rate == pytest.approx(6.972477, abs=1e-6)
    assert found.our_rate == 7.1717
    assert found.ours == pytest.approx(52.986042, abs=1e-6)
    assert found.deviation == pytest.approx(0.028573, abs=1e-6)
    assert found.flagged
    assert conversion_message(found, "seed-001", "USD") == (
        "'seed-001' converts 380 billion RMB to $54.5 billion: 6.9725 CNY per USD against our 7.1717 (fx.CNY), "
        "which gives USD 52.99 billion; $54.5 billion is 2.86% above it (tolerance 2%)")


@pytest.mark.parametrize(("excerpt", "cny_bn", "usd_bn"), [
    ("RMB 380 billion (US$53bn)", 380, 53),  # 7.1698 CNY per USD: +0.03%
    ("380 billion yuan (about 53 billion U.S. dollars)", 380, 53),
    ("more than 380 billion yuan (US$52.4 billion)", 380, 52.4),  # Bloomberg's 7.2519: -1.11%
    ("over RMB 150bn (US$20.64bn)", 150, 20.64),  # 7.2674: -1.32%
    ("CNY160 billion (approx. US$22.70 billion)", 160, 22.70),  # 7.0485: +1.75%
])
def test_conversions_within_the_tolerance_pass(excerpt, cny_bn, usd_bn):
    found = conversion(excerpt)
    assert found.implied_rate == pytest.approx(cny_bn / usd_bn)
    # the stated USD figure against ours, cny / 7.1717: usd / (cny / 7.1717) - 1
    assert found.deviation == pytest.approx(usd_bn * 7.1717 / cny_bn - 1)
    assert abs(found.deviation) < 0.02 and not found.flagged


def test_the_rounding_of_the_figures_widens_the_tolerance():
    # 40 / 7.1717 = 5.57748, so $5.5bn is 5.5 x 7.1717 / 40 - 1 = 1.39% below; rounding allows 0.5/40 + 0.05/5.5
    found = conversion("40 billion Rmb ($5.5 billion)")
    assert found.deviation == pytest.approx(-0.013891, abs=1e-6)
    assert found.allowed == pytest.approx(0.5 / 40 + 0.05 / 5.5)
    # US$5bn for RMB 38bn is 5.64% below our US$5.30bn, but "5" rounds anything from 4.5 to 5.5
    rounded = conversion("RMB 38bn (US$5bn)")
    assert rounded.deviation == pytest.approx(5 / (38 / 7.1717) - 1)
    assert rounded.allowed == pytest.approx(0.5 / 38 + 0.5 / 5) and not rounded.flagged


def test_a_conversion_written_the_other_way_round_reads_in_cny_per_usd():
    found = conversion("US$53bn (RMB 400bn)")
    # 53 x 7.1717 = 380.1001 CNY bn; 400 / 380.1001 - 1 = 5.235%; 400 / 53 = 7.5472 CNY per USD
    assert (found.quote, found.per) == ("CNY", "USD")
    assert found.implied_rate == pytest.approx(7.547170, abs=1e-6)
    assert found.ours == pytest.approx(380.1001)
    assert found.deviation == pytest.approx(0.052354, abs=1e-6) and found.flagged


@pytest.mark.parametrize("excerpt", [
    "RMB 380bn over three years, while Tencent spends US$12bn",  # too far apart to be a conversion
    "20,000 units at roughly US$20,000 each",  # one figure has no currency
    "RMB 380bn (RMB 126.7bn a year)",  # the same currency
])
def test_figures_that_are_not_a_conversion(excerpt):
    assert conversion_pairs(figures_in(excerpt), excerpt) == []


def test_a_currency_without_a_rate_is_not_checked():
    [(given, converted)] = conversion_pairs(figures_in("HK$100 (US$12.8)"), "HK$100 (US$12.8)")
    assert check_conversion(given, converted, RATES) is None


# -------------------------------------------------------------------------------------------------- the value rule
def test_an_assumption_none_of_whose_excerpts_states_its_value(small):
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', '"RMB 35 billion (US$4.4bn) over two years"')
    small.edit("assumptions/beta.yaml", '"50% more"', '"40% more in 2025"')
    assert audit(small) == [
        at("assumptions/alpha.yaml", "capex.plan_total.sources") + ': no excerpt states the value 30 CNY bn (as '
        '"30 billion" or "CNY 30bn"); the excerpts give "RMB 35 billion", "US$4.4bn"',
        at("assumptions/beta.yaml", "capex.growth.sources") + ': no excerpt states any of its values 0.5, 0.1 '
        '(ratio); the excerpts give "40%"',
    ]
    result = invoke("validate")
    assert result.exit_code == 1
    assert result.stdout == "checked 2 scenarios, 1 assumption folder: 2 errors, 0 warnings\n"


def test_the_market_file_is_audited_as_a_company_file_is(small):
    small.edit("assumptions/market.yaml", '"a US$10bn market"', '"a US$12bn market"')
    assert audit(small) == [
        at("assumptions/market.yaml", "cloud.total_base.sources") + ': no excerpt states the value 10 USD bn (as '
        '"10 billion" or "USD 10bn"); the excerpts give "US$12bn"']


def test_one_excerpt_stating_the_value_is_enough(small):
    small.edit("assumptions/alpha.yaml", '        excerpt: "RMB 30 billion over two years"',
               '        excerpt: "RMB 30 billion over two years"\n'
               '      - ref: later-news\n        excerpt: "doubles its plan to RMB 60bn"')
    assert audit(small) == []


def test_derived_figures_are_not_checked(small):
    # alpha's post-plan growth rests on analyst judgement, and every override carries its own rationale
    small.edit("assumptions/alpha.yaml", "        rationale: spending keeps rising after the plan",
               "        rationale: spending keeps rising after the plan\n"
               '      - ref: alpha-filing\n        excerpt: "RMB 30 billion over two years"')
    small.edit("scenarios/high.yaml", "value: 60", "value: 70")
    assert audit(small) == []


# ---------------------------------------------------------------------------------------------------- source texts
def with_texts(small, tmp_path: Path, alpha_text: str) -> Path:
    """The fixture with alpha-filing's text in a folder of source texts."""
    texts = tmp_path / "texts"
    (texts / "filings").mkdir(parents=True)
    (texts / "filings" / "alpha.txt").write_text(alpha_text, encoding="utf-8")
    small.edit("assumptions/sources.yaml", "    kind: filing\n", "    kind: filing\n    file: filings/alpha.txt\n")
    return texts


ALPHA_TEXT = (
    "Alpha\u00a0Corp will spend\nRMB 30 billion   over two years. Its chip budget is 8 BILLION yuan. Revenue was "
    "RMB 2 billion in the quarter, up 10%; the rate used is 8.0 yuan per dollar.\n"
)


def test_every_excerpt_is_found_in_its_source_text(small, tmp_path):
    texts = with_texts(small, tmp_path, ALPHA_TEXT)
    result = invoke("validate", "--strict", "--sources", str(texts))
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "checked 2 scenarios, 1 assumption folder: 0 errors, 0 warnings\n"
        "source texts: 5 excerpts checked in 1 file; 6 excerpts cite sources without a text file (skipped)\n"
    )


def test_an_excerpt_missing_from_its_source_text(small, tmp_path):
    texts = with_texts(small, tmp_path, ALPHA_TEXT.replace("up 10%", "up 9%"))
    assert audit(small, sources_dir=texts) == [
        at("assumptions/alpha.yaml", "cloud.growth.sources[0].excerpt") + ": not found in filings/alpha.txt, the text "
        "of 'alpha-filing' (compared ignoring case, spacing, quote marks and dashes)",
    ]


def test_a_source_text_that_does_not_exist(small, tmp_path):
    texts = with_texts(small, tmp_path, ALPHA_TEXT)
    (texts / "filings" / "alpha.txt").unlink()
    assert audit(small, sources_dir=texts) == [
        at("assumptions/sources.yaml", "sources[0].file") + f": no such file {texts}/filings/alpha.txt (the folder "
        f"given to --sources)",
    ]
    with pytest.raises(UsageError, match=r"^--sources: no such folder: nowhere$"):
        audit(small, sources_dir=Path("nowhere"))


def test_quotes_dashes_spacing_and_case_are_normalised():
    text = SourceText("t.txt", normalise("He said: \u201cWe\u2019ll spend\n RMB 30 BILLION\u201d \u2014 a record."),
                      [], [])
    assert text.find("\"we'll spend RMB 30 billion\" - a record") == [(9, 48)]
    assert text.find("we will spend") == []


def test_a_conversion_beside_the_excerpt_in_the_source_text(small, tmp_path):
    # seed 001's sentence: the excerpt stops at the RMB figure, the text goes on to convert it
    texts = with_texts(small, tmp_path, "an ambitious plan to invest more than 380 billion RMB (approximately $54.5 "
                                        "billion) in the development of the company's cloud")
    small.edit("assumptions/fx.yaml", "value: 8.0", "value: 7.1717")
    small.edit("assumptions/fx.yaml", '- ref: alpha-filing\n        excerpt: "8.0 yuan per dollar"',
               "- ref: analyst-judgement\n        rationale: the central parity of the day")
    small.edit("assumptions/alpha.yaml", "value: 30\n", "value: 380\n")
    # the excerpt ends inside the figure "380 billion RMB", whose conversion follows in the text
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', '"more than 380 billion"')
    found = audit(small, sources_dir=texts)
    assert found[0] == (
        at("assumptions/alpha.yaml", "capex.plan_total.sources[0].excerpt") + ": warning: 'alpha-filing' converts 380 "
        "billion RMB to $54.5 billion in its text filings/alpha.txt, beside the excerpt: 6.9725 CNY per USD against "
        "our 7.1717 (fx.CNY), which gives USD 52.99 billion; $54.5 billion is 2.86% above it (tolerance 2%)"
    )
    assert all("not found" in problem for problem in found[1:])  # alpha's other excerpts are not in this text


# -------------------------------------------------------------------------------------------------------------- age
def test_assumptions_older_than_the_maximum_age_are_warned_about(small):
    # alpha's filing figures are dated 2025-03-01 and beta's press figures 2025-02-01: 92 and 120 days before
    # 2025-06-01; the rumour of 2025-04-01 (61 days) and the judgements of 2025-05-31 are younger than 90 days
    found = audit(small, max_age_days=90, today=dt.date(2025, 6, 1))
    assert found == [
        at("assumptions/fx.yaml", "CNY.as_of") + ": warning: as_of 2025-03-01 is 92 days before 2025-06-01, older than "
        "the 90 days of --max-age",
        at("assumptions/alpha.yaml", "capex.plan_total.as_of") + ": warning: as_of 2025-03-01 is 92 days before "
        "2025-06-01, older than the 90 days of --max-age",
        at("assumptions/alpha.yaml", "ai_chips.budget_base.as_of") + ": warning: as_of 2025-03-01 is 92 days before "
        "2025-06-01, older than the 90 days of --max-age",
        at("assumptions/alpha.yaml", "cloud.revenue_base.as_of") + ": warning: as_of 2025-03-01 is 92 days before "
        "2025-06-01, older than the 90 days of --max-age",
        at("assumptions/alpha.yaml", "cloud.growth.as_of") + ": warning: as_of 2025-03-01 is 92 days before "
        "2025-06-01, older than the 90 days of --max-age",
        at("assumptions/beta.yaml", "capex.base.as_of") + ": warning: as_of 2025-02-01 is 120 days before 2025-06-01, "
        "older than the 90 days of --max-age",
        at("assumptions/beta.yaml", "capex.growth.as_of") + ": warning: as_of 2025-02-01 is 120 days before "
        "2025-06-01, older than the 90 days of --max-age",
        at("assumptions/beta.yaml", "cloud.revenue_base.as_of") + ": warning: as_of 2025-02-01 is 120 days before "
        "2025-06-01, older than the 90 days of --max-age",
        at("assumptions/market.yaml", "cloud.total_base.as_of") + ": warning: as_of 2025-03-01 is 92 days before "
        "2025-06-01, older than the 90 days of --max-age",
    ]
    assert audit(small, max_age_days=92, today=dt.date(2025, 6, 1))[0].startswith(
        at("assumptions/beta.yaml", "capex.base.as_of") + ":")  # 92 days is not older than 92
    assert audit(small) == []  # no --max-age, no age check


def test_the_age_options_on_the_command_line(small):
    result = invoke("validate", "--max-age", "120", "--today", "2025-06-01")
    assert result.exit_code == 0
    assert result.stdout == "checked 2 scenarios, 1 assumption folder: 0 errors, 0 warnings\n"
    result = invoke("validate", "--strict", "--max-age", "119", "--today", "2025-06-01")
    assert result.exit_code == 1 and result.stderr.count("older than the 119 days of --max-age") == 3
    result = invoke("validate", "--today", "2025-06-01")
    assert (result.exit_code, result.stderr) == (
        2, "error: --today is the reference date of --max-age; give --max-age DAYS too\n")
    result = invoke("validate", "--max-age", "30", "--today", "June 1")
    assert (result.exit_code, result.stderr) == (2, "error: --today must be a date such as 2026-01-31, not 'June 1'\n")


# ---------------------------------------------------------------------------------------------- the shipped files
# The three conversions that disagree with fx.CNY, each acknowledged where it is cited (its reason is file content,
# so only the finding is pinned here): seed 001's own error, and a 2026 report's 2026 rate.
SHIPPED_ACKNOWLEDGED = [
    at("assumptions/alibaba.yaml", "capex.plan_total.sources[3].excerpt", REPO) + ": acknowledged: "
    "'seed-001-alibaba-38bn-blog' converts 380 billion RMB to $54.5 billion: 6.9725 CNY per USD against our 7.1717 "
    "(fx.CNY), which gives USD 52.99 billion; $54.5 billion is 2.86% above it (tolerance 2%)",
    at("scenarios/bull.yaml", "bytedance.capex.growth.sources[0].excerpt", REPO) + ": acknowledged: 'edgen-2026-05-10' "
    "converts 200 billion yuan to $29.4 billion: 6.8027 CNY per USD against our 7.1717 (fx.CNY), which gives USD 27.89 "
    "billion; $29.4 billion is 5.42% above it (tolerance 2%)",
    at("scenarios/bull.yaml", "bytedance.cloud.growth.sources[0].excerpt", REPO) + ": acknowledged: 'edgen-2026-05-10' "
    "converts 200 billion yuan to $29.4 billion: 6.8027 CNY per USD against our 7.1717 (fx.CNY), which gives USD 27.89 "
    "billion; $29.4 billion is 5.42% above it (tolerance 2%)",
]


def findings(problems: list[str]) -> list[str]:
    """The findings without the reasons the files give, each reason checked to be there."""
    split = [problem.partition("; reason: ") for problem in problems]
    assert all(reason.strip() for _, _, reason in split), problems
    return [finding for finding, _, _ in split]


def shipped_audit(**settings) -> list[str]:
    scenarios = sorted((REPO / "scenarios").glob("*.yaml"))
    return [str(p) for p in audit_project(scenarios, [REPO / "assumptions"], AuditSettings(**settings)).problems]


def test_the_shipped_audit_finds_only_the_acknowledged_conversions(monkeypatch):
    # Every other excerpt states its figure or supports a derived one, and every other conversion is within 2%.
    monkeypatch.chdir(REPO)
    assert findings(shipped_audit()) == SHIPPED_ACKNOWLEDGED
    result = invoke("validate", "--strict")
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"checked \d+ scenarios, 1 assumption folder, 1 actuals file: 0 errors, 0 warnings, "
                        r"\d+ acknowledged\n", result.stdout)
    assert findings(result.stderr.splitlines()) == SHIPPED_ACKNOWLEDGED


def test_the_audit_finds_the_same_when_it_shares_the_loading_of_validate_project(monkeypatch):
    monkeypatch.chdir(REPO)
    scenarios = sorted((REPO / "scenarios").glob("*.yaml"))
    project_audit = ProjectAudit()
    validate_project(scenarios, [REPO / "assumptions"], visit=project_audit.visit)
    assert findings([str(p) for p in project_audit.report().problems]) == SHIPPED_ACKNOWLEDGED


@pytest.mark.skipif(not SHARED_SOURCES.is_dir(), reason="the source texts (../shared/sources) are not in the project")
def test_the_shipped_excerpts_are_found_in_the_stored_source_texts(monkeypatch):
    monkeypatch.chdir(REPO)
    assert findings(shipped_audit(sources_dir=SHARED_SOURCES)) == SHIPPED_ACKNOWLEDGED
    result = invoke("validate", "--strict", "--sources", str(SHARED_SOURCES))
    assert result.exit_code == 0, result.output
    assert re.match(r"source texts: \d+ excerpts checked in \d+ files; ", result.stdout.splitlines()[1])


# -------------------------------------------------------------------------------------------------- acknowledgements
# alpha's plan converted at 6.0 yuan per dollar where fx.yaml says 8.0: a source's own conversion, 33% above ours
CONVERTED = '"RMB 30 billion (US$5bn) over two years"'
CONVERSION = ("'alpha-filing' converts RMB 30 billion to US$5bn: 6.0000 CNY per USD against our 8 (fx.CNY), which "
              "gives USD 3.75 billion; US$5bn is 33.33% above it (tolerance 11.7%)")
REASON = "the filing converts at the rate of its own year end; recorded in its notes"


def acknowledge(small, reason: str = f'"{REASON}"') -> None:
    small.edit("assumptions/alpha.yaml", '        excerpt: "RMB 30 billion over two years"',
               f"        excerpt: {CONVERTED}\n        acknowledged: {reason}")


def test_a_conversion_that_disagrees_with_our_rate_is_a_warning(small):
    small.edit("assumptions/alpha.yaml", '"RMB 30 billion over two years"', CONVERTED)
    assert audit(small) == [at("assumptions/alpha.yaml", "capex.plan_total.sources[0].excerpt") + f": warning: "
                                                                                                 f"{CONVERSION}"]
    assert invoke("validate", "--strict").exit_code == 1


def test_an_acknowledged_finding_is_listed_with_its_reason_but_is_no_warning(small):
    acknowledge(small)
    expected = (at("assumptions/alpha.yaml", "capex.plan_total.sources[0].excerpt") + f": acknowledged: {CONVERSION}; "
                f"reason: {REASON}")
    assert audit(small) == [expected]
    result = invoke("validate", "--strict")
    assert result.exit_code == 0, result.output
    assert result.stdout == "checked 2 scenarios, 1 assumption folder: 0 errors, 0 warnings, 1 acknowledged\n"
    assert result.stderr == expected + "\n"


def test_an_acknowledgement_that_matches_no_finding_is_stale(small):
    acknowledge(small)
    small.edit("assumptions/alpha.yaml", CONVERTED, '"RMB 30 billion (US$3.75bn) over two years"')  # now our rate
    expected = (at("assumptions/alpha.yaml", "capex.plan_total.sources[0].acknowledged") + ": warning: acknowledges a "
                "finding the audit does not make (stale): no conversion in this excerpt, nor beside it in its source's "
                "text, disagrees with our rates; remove `acknowledged`")
    assert audit(small) == [expected]
    result = invoke("validate", "--strict")
    assert (result.exit_code, result.stderr) == (1, expected + "\n")


def test_an_acknowledgement_on_analyst_judgement_acknowledges_nothing(small):
    small.edit("assumptions/alpha.yaml", "        rationale: spending keeps rising after the plan",
               "        rationale: spending keeps rising after the plan\n        acknowledged: a known conflict")
    assert audit(small) == [
        at("assumptions/alpha.yaml", "capex.post_plan_growth.sources[0].acknowledged") + ": warning: acknowledges a "
        "finding, but the audit reads no excerpt in this citation (analyst judgement or none given); remove "
        "`acknowledged`"]


def test_an_override_acknowledges_a_conversion_checked_against_its_scenario_rates(small):
    # high converts at 6.0 yuan per dollar; where the scenario itself sets fx.CNY to 6.0 the acknowledgement is stale
    small.edit("scenarios/high.yaml", '"RMB 60 billion"', '"RMB 60 billion (US$10bn)"\n        acknowledged: "its rate"')
    assert audit(small) == [
        at("scenarios/high.yaml", "alpha.capex.plan_total.sources[0].excerpt") + ": acknowledged: 'later-news' converts "
        "RMB 60 billion to US$10bn: 6.0000 CNY per USD against our 8 (fx.CNY), which gives USD 7.50 billion; US$10bn is "
        "33.33% above it (tolerance 5.83%); reason: its rate"]
    small.edit("scenarios/high.yaml", "overrides:\n", "overrides:\n  fx.CNY:\n    value: 6.0\n    rationale: a dearer "
               "yuan\n    confidence: low\n    sources:\n      - ref: analyst-judgement\n        rationale: the "
               "later rate\n")
    assert audit(small) == [
        at("scenarios/high.yaml", "alpha.capex.plan_total.sources[0].acknowledged") + ": warning: acknowledges a "
        "finding the audit does not make (stale): no conversion in this excerpt, nor beside it in its source's text, "
        "disagrees with our rates; remove `acknowledged`"]


@pytest.mark.parametrize(("reason", "message"), [
    ('""', "an acknowledgement needs its reason: why the finding is a known, documented conflict"),
    ('"   "', "an acknowledgement needs its reason: why the finding is a known, documented conflict"),
    ("5", "Input should be a valid string"),
    ("[a, b]", "Input should be a valid string"),
])
def test_an_acknowledgement_needs_a_reason(small, reason, message):
    acknowledge(small, reason)
    result = invoke("validate")
    assert result.exit_code == 1
    assert result.stderr == at("assumptions/alpha.yaml", "capex.plan_total.sources[0].acknowledged") + f": {message}\n"


def test_a_reported_figure_has_nothing_to_acknowledge(small):
    # actuals are not audited for conversions, so their citations take no acknowledgement
    (small.path("assumptions/actuals")).mkdir()
    small.write("assumptions/actuals/reported.yaml", (
        "actuals:\n  - company: alpha\n    metric: capex\n    value: 15\n    unit: CNY bn\n    period: 2025\n"
        "    basis: outturn\n    confidence: high\n    as_of: 2026-01-15\n    sources:\n      - ref: later-news\n"
        '        excerpt: "RMB 15bn (US$2.5bn)"\n        acknowledged: "its own rate"\n'))
    result = invoke("validate")
    assert (result.exit_code, result.stderr) == (1, "assumptions/actuals/reported.yaml:13: actuals[0].sources[0]."
                                                    "acknowledged: unknown field; valid fields: ref, excerpt, "
                                                    "locator, rationale\n")


def test_a_finding_beside_the_excerpt_in_its_source_text_is_acknowledged_only_with_sources(small, tmp_path):
    texts = with_texts(small, tmp_path, "Alpha will invest RMB 30 billion (US$5bn) over two years")
    small.edit("assumptions/alpha.yaml", '        excerpt: "RMB 30 billion over two years"',
               f'        excerpt: "invest RMB 30 billion"\n        acknowledged: "{REASON}"')
    assert audit(small) == []  # without the text the finding cannot be seen, so the acknowledgement is not stale
    found = audit(small, sources_dir=texts)
    acknowledged = [problem for problem in found if "acknowledged" in problem]
    assert all("not found in filings/alpha.txt" in p for p in found if p not in acknowledged)  # the other excerpts
    assert acknowledged == [(
        at("assumptions/alpha.yaml", "capex.plan_total.sources[0].excerpt") + ": acknowledged: 'alpha-filing' converts "
        "RMB 30 billion to US$5bn in its text filings/alpha.txt, beside the excerpt: 6.0000 CNY per USD against our 8 "
        f"(fx.CNY), which gives USD 3.75 billion; US$5bn is 33.33% above it (tolerance 11.7%); reason: {REASON}")]
