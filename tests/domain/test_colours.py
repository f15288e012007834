"""Company colours: declared ones kept, the others fixed by name, so adding a company recolours no other."""

from __future__ import annotations

from model.domain.colours import PALETTE, company_colours, slot


def test_a_declared_colour_is_kept_lowercase():
    assert company_colours(["Alpha", "Beta"], {"Alpha": "#D55E00"})["Alpha"] == "#d55e00"


def test_an_undeclared_company_takes_its_names_slot():
    assert company_colours(["Gamma"]) == {"Gamma": PALETTE[slot("Gamma")]}


def test_adding_companies_recolours_none_of_the_others():
    before = company_colours(["Alibaba", "ByteDance", "Tencent"])
    after = company_colours(["Alibaba", "Baidu", "ByteDance", "Huawei", "Tencent"])
    assert {name: after[name] for name in before} == before


def test_a_slot_held_by_a_declared_colour_passes_to_the_next_free_one():
    taken = PALETTE[slot("Gamma")]
    colours = company_colours(["Gamma", "Delta"], {"Delta": taken})
    assert colours == {"Gamma": PALETTE[(slot("Gamma") + 1) % len(PALETTE)], "Delta": taken}


def test_more_companies_than_colours_still_get_one_each():
    names = [f"Company {n}" for n in range(len(PALETTE) + 3)]
    colours = company_colours(names)
    assert list(colours) == names and len(set(colours.values())) == len(PALETTE)
