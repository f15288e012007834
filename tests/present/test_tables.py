"""Tables as text: CSV bytes and markdown."""

from __future__ import annotations

import pandas as pd

from model.present.tables import markdown, to_csv


def test_markdown_escapes_pipes():
    frame = pd.DataFrame({"key": ["a|b"], "note": ["line\nbreak"]})
    assert markdown(frame) == "| key | note |\n|---|---|\n| a\\|b | line break |\n"


def test_csv_keeps_every_digit_and_no_index():
    frame = pd.DataFrame({"company": ["Alpha"], "value": [0.1 + 0.2]})
    assert to_csv(frame) == "company,value\nAlpha,0.30000000000000004\n"
