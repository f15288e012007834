"""Allows `python -m model ...` as a synonym of the `scenario` console script."""

from model.cli import main

main()
