"""Tables as text: CSV, the bytes of a run folder's tables, and GitHub-flavoured markdown."""

from __future__ import annotations

import pandas as pd

# What a command prints on the terminal, in order: a line of text, or a table with its title.
Shown = str | tuple[str, pd.DataFrame]


def to_csv(frame: pd.DataFrame) -> str:
    # Shortest round-trip float repr: the same numbers always give the same bytes.
    return frame.to_csv(index=False, lineterminator="\n")


def markdown(frame: pd.DataFrame) -> str:
    """A GitHub-flavoured markdown table (pipes in cells escaped)."""
    def cell(value: object) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(c) for c in frame.columns) + " |", "|" + "---|" * len(frame.columns)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join(lines) + "\n"
