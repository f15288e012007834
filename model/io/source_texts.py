"""The texts of the sources, read for the audit from the folder given to `scenario validate --sources`."""

from __future__ import annotations

from pathlib import Path

from model.domain import AssumptionSet
from model.errors import InputError, Problem, display_path
from model.io.project import SOURCES_FILE
from model.io.yaml_files import locate, read_confined

MAX_SOURCE_TEXT_BYTES = 5_000_000


def read_source_bytes(path: Path, sources_dir: Path) -> bytes:
    """A source's text file: a regular file inside the --sources folder (symlinks resolved), at most 5 MB."""
    return read_confined(path, MAX_SOURCE_TEXT_BYTES, "source texts", folder=sources_dir)


def read_source_texts(assumption_set: AssumptionSet, sources_dir: Path) -> tuple[dict[str, str | None], list[Problem]]:
    """Each text sources.yaml names, decoded, by its `file`; one that is missing or not UTF-8 is None, with an error
    at its `file` line."""
    node, located = locate(assumption_set.directory / SOURCES_FILE)
    entries = node.get("sources") if isinstance(node, dict) else None
    # each source's place in the file's list (an entry that did not load is not in the registry)
    places = {entry.get("id"): i for i, entry in enumerate(entries or ()) if isinstance(entry, dict)}
    texts: dict[str, str | None] = {}
    problems: list[Problem] = []
    for source in assumption_set.sources.values():
        if source.file is None or source.file in texts:
            continue
        path = sources_dir / source.file
        texts[source.file] = None
        try:
            data = read_source_bytes(path, sources_dir)
        except InputError as error:
            reason = error.problems[0].message
            reason = (f"no such file {display_path(path)} (the folder given to --sources)" if reason == "file not found"
                      else f"{display_path(path)} {reason}")
        else:
            try:
                texts[source.file] = data.decode("utf-8")
                continue
            except UnicodeDecodeError as error:
                reason = f"{display_path(path)} is not UTF-8 text ({error.reason})"
        problems.append(located.problem(("sources", places.get(source.id), "file"), reason))
    return texts, problems
