"""A run's results: the projected metrics with their labels, and the tidy and headline tables made from them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from model.engine import BILLION, METRICS, project, share
from model.loading import Inputs, plan_window
from model.parameters import engine_inputs

TIDY_COLUMNS = ["scenario", "company", "year", "metric", "unit", "value"]


@dataclass(frozen=True)
class Projection:
    """Metrics (D, C, H) for companies C over horizon years H, in the reporting currency."""

    scenario: str
    companies: tuple[str, ...]  # display names, in the order of the company files
    years: np.ndarray
    reporting_currency: str
    metrics: dict[str, np.ndarray]
    plans: pd.DataFrame  # capex plans in the reporting currency: company, plan_total, unit, start, end

    def unit(self, metric: str) -> str:
        return METRICS[metric].unit.format(cur=self.reporting_currency)

    def tidy(self) -> pd.DataFrame:
        """The long table `scenario, company, year, metric, unit, value` of a one-draw run."""
        if any(m.shape[0] != 1 for m in self.metrics.values()):
            raise ValueError("tidy() takes a one-draw projection; summarise draws first")
        n_companies, n_years = len(self.companies), len(self.years)
        blocks = [
            pd.DataFrame({
                "scenario": self.scenario,
                "company": np.repeat(self.companies, n_years),
                "year": np.tile(self.years, n_companies),
                "metric": name,
                "unit": self.unit(name),
                "value": values[0].reshape(-1),
            })
            for name, values in self.metrics.items()
        ]
        return pd.concat(blocks, ignore_index=True)[TIDY_COLUMNS]


def run(inputs: Inputs) -> Projection:
    """Project a resolved scenario with every assumption at its value (one draw)."""
    engine = engine_inputs(inputs)
    currency = inputs.scenario.reporting_currency
    plan_rows = []
    for index, company in enumerate(inputs.companies):
        if (plan := inputs.of(company).get("capex.plan_total")) is not None:
            start, end = plan_window(plan)
            plan_rows.append({"company": company.name, "plan_total": float(engine.plan_total[0, index, 0]) / BILLION,
                              "unit": METRICS["capex"].unit.format(cur=currency), "start": start, "end": end})
    return Projection(
        scenario=inputs.scenario.name,
        companies=tuple(c.name for c in inputs.companies),
        years=np.array(list(inputs.scenario.years)),
        reporting_currency=currency,
        metrics=project(engine),
        plans=pd.DataFrame(plan_rows, columns=["company", "plan_total", "unit", "start", "end"]),
    )


def headline(projection: Projection) -> pd.DataFrame:
    """One row per company: the figures an analyst reads first, labelled with years and units."""
    first, last = int(projection.years[0]), int(projection.years[-1])
    cur = projection.reporting_currency
    m = {name: values[0] for name, values in projection.metrics.items()}  # (C, H) of the one draw
    cumulative_share = share(projection.metrics["capex_cumulative"][..., -1:])[0, :, 0]
    columns = {
        f"Capex {first} ({cur} bn)": m["capex"][:, 0],
        f"Capex {last} ({cur} bn)": m["capex"][:, -1],
        f"Capex {first}-{last} ({cur} bn)": m["capex_cumulative"][:, -1],
        f"Share of capex {first}-{last}": cumulative_share,
        f"AI chips {first}-{last} ({cur} bn)": m["ai_chip_spend_cumulative"][:, -1],
        f"Accelerators in service {last} (k)": m["accelerators_installed"][:, -1],
        f"Cloud revenue {last} ({cur} bn)": m["cloud_revenue"][:, -1],
        f"AI revenue {last} ({cur} bn)": m["ai_revenue"][:, -1],
    }
    return pd.DataFrame(columns, index=pd.Index(projection.companies, name="Company"))


def formatted_headline(table: pd.DataFrame) -> pd.DataFrame:
    """The headline table as text: shares in percent, thousands of units whole, money to one decimal."""
    def fmt(column: str, value: float) -> str:
        if column.startswith("Share"):
            return f"{value:.1%}"
        if column.endswith("(k)"):
            return f"{value:,.0f}"
        return f"{value:,.1f}"

    return pd.DataFrame({c: [fmt(c, v) for v in table[c]] for c in table.columns}, index=table.index)
