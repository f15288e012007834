"""Colour scales: each company in its own colour, the legend limited to the companies drawn."""

from __future__ import annotations

from model.domain.colours import company_colours
from model.present.palette import company_scale

COLOURS = {"Alpha": "#cc79a7", "Beta": "#0072b2", "Gamma": "#009e73"}


def test_the_scale_pairs_each_company_with_its_colour():
    scale = company_scale(COLOURS).to_dict()
    assert dict(zip(scale["domain"], scale["range"])) == COLOURS


def test_only_the_companies_drawn_are_in_the_domain():
    assert company_scale(COLOURS, drawn=["Gamma", "Alpha"]).to_dict() == {
        "domain": ["Gamma", "Alpha"], "range": ["#009e73", "#cc79a7"]}


def test_a_company_drawn_without_a_colour_gets_its_names():
    assert company_scale(COLOURS, drawn=["Delta"]).to_dict()["range"] == [company_colours(["Delta"])["Delta"]]
