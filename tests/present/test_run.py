"""The run's renderings: the headline table as text."""

import pandas as pd

from model.catalogue import Kind
from model.present.run import formatted_headline


def test_the_headline_shows_the_median_beside_the_value_only_where_they_differ():
    value = pd.DataFrame({"Capex": [4.634, 1.0], "Share": [0.44, 0.30]}, index=["A", "B"])
    median = pd.DataFrame({"Capex": [4.249, 1.02], "Share": [0.427, 0.3004]}, index=["A", "B"])
    low, high = value * 0.5, value * 2
    text = formatted_headline(value, {"Capex": Kind.money, "Share": Kind.share}, low, high, median)
    assert text.loc["A", "Capex"] == "4.6 (median 4.2) [2.3-9.3]"
    assert text.loc["B", "Capex"] == "1.0 [0.5-2.0]"  # 1.02 reads 1.0 too: nothing to add
    assert text.loc["A", "Share"] == "44.0% (median 42.7%) [22.0%-88.0%]"
    assert text.loc["B", "Share"] == "30.0% [15.0%-60.0%]"
