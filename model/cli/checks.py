"""The checks `scenario validate` and `scenario set` run: the loader's rules, the actuals files and the source audit,
in one loading of the files (where io's loading and reading meet the audit)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from functools import partial
from pathlib import Path

from model.analysis.audit import AuditReport, AuditSettings, ProjectAudit
from model.domain import AssumptionSet, Scenario
from model.errors import Problem, UsageError
from model.io.actuals import actuals_files, read_actuals
from model.io.loading import load_project, validate_project
from model.io.source_texts import read_source_texts
from model.io.validation import Problems as ParsingProblems


def project_audit(settings: AuditSettings | None) -> ProjectAudit:
    """The audit with `settings`, reading source texts from their folder when it is given."""
    settings = settings or AuditSettings()
    if settings.sources_dir is None:
        return ProjectAudit(settings)
    if not settings.sources_dir.is_dir():
        raise UsageError(f"--sources: no such folder: {settings.sources_dir}")
    return ProjectAudit(settings, read_texts=partial(read_source_texts, sources_dir=settings.sources_dir))


def audit_project(scenario_paths: Iterable[Path], assumption_dirs: Iterable[Path],
                  settings: AuditSettings | None = None) -> AuditReport:
    """Audit the sources of the given scenarios and assumption folders (rules in the module docstring).

    Files that do not load are skipped: `loading.validate_project` reports why.
    """
    audit = project_audit(settings)
    scratch = ParsingProblems()  # loading problems are validate_project's to report
    for assumption_set, scenario in load_project(scenario_paths, assumption_dirs, scratch):
        audit.visit(assumption_set, scenario)
    return audit.report()


def validate_and_audit(scenario_paths: Iterable[Path], assumption_dirs: Iterable[Path],
                       settings: AuditSettings | None = None) -> tuple[list[Problem], AuditReport]:
    """What `scenario validate` finds, in one loading of the files: the loader's rules, the actuals files of each
    assumptions folder (assumptions/actuals/*.yaml) and the source audit's problems together (each once), and the
    audit's report (for its counts of source texts and actuals files)."""
    audit = project_audit(settings)
    actuals = ParsingProblems()
    read: list[Path] = []

    def visit(assumption_set: AssumptionSet, scenario: Scenario | None) -> None:
        audit.visit(assumption_set, scenario)
        if scenario is None:  # a folder, seen once
            for path in actuals_files(assumption_set.directory):
                read_actuals(path, assumption_set, actuals)
                read.append(path)

    problems = validate_project(scenario_paths, assumption_dirs, visit=visit)
    report = replace(audit.report(), actuals_files=len(read))
    found = problems + [p for p in actuals.items if p not in problems]
    return found + [p for p in report.problems if p not in found], report
