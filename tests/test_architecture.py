"""The architecture of docs/architecture.md holds: imports go cli -> present -> analysis -> core -> domain, io at the
edge; the numeric core loads no heavy library; every module says what it is for and appears in the module map."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.conftest import REPO

PACKAGE = REPO / "model"
ARCHITECTURE = REPO / "docs" / "architecture.md"

# The layers, lowest first; a layered module may import its own layer and those below it, nothing above.
LAYERS = ("domain", "core", "analysis", "present")
# The foundation modules every layer may use, counted as domain.
FOUNDATION = ("model.errors", "model.catalogue", "model.units", "model.format")
# Libraries the numeric core and the domain never import: files, schemas, tables and charts belong to the others.
HEAVY = ("pandas", "altair", "pydantic", "ruamel", "typer", "rich", "vl_convert", "xlsxwriter")


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules(package: Path = PACKAGE) -> dict[str, Path]:
    return {module_name(path, package): path for path in sorted(package.rglob("*.py"))}


def layer(module: str) -> str:
    """domain, core, analysis, present, io, cli or api (the package's __init__ and model.api) of a model module."""
    if module in FOUNDATION:
        return "domain"
    if module in ("model", "model.api"):
        return "api"
    if module == "model.__main__":
        return "cli"
    return module.split(".")[1]


def imports(path: Path, module: str, known: set[str]) -> Iterator[str]:
    """Every module `path` imports, at the top, inside functions or under TYPE_CHECKING alike: `from a.b import c`
    counts as a.b.c when that is a module, else as a.b; a relative import is resolved against `module`."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            for alias in node.names:
                yield f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base


def rule_broken(importer: str, imported: str) -> str | None:
    """The rule `importer` breaks by importing `imported`, or None."""
    source = layer(importer)
    if not imported.startswith("model"):
        top = imported.split(".")[0]
        if source in ("domain", "core") and top in HEAVY:
            return f"{source} imports no {', '.join(HEAVY)}"
        return None
    target = layer(imported) if imported != "model" else "api"
    if source in ("cli", "api") or target == source:
        return None
    if source == "io":  # the edge: it builds domain objects, and may check them with the pure core
        return None if target in ("domain", "core") else "io imports only io, core and domain"
    allowed = LAYERS[: LAYERS.index(source) + 1]
    if target not in allowed:
        return f"{source} imports only {', '.join(reversed(allowed))}"
    return None


def violations(package: Path = PACKAGE) -> list[str]:
    found = modules(package)
    return [
        f"{module} -> {imported} ({rule})"
        for module, path in found.items()
        for imported in dict.fromkeys(imports(path, module, set(found)))
        if (rule := rule_broken(module, imported)) is not None
    ]


def test_imports_go_one_way():
    assert violations() == []


def test_the_check_reports_each_violation_with_its_rule(tmp_path):
    package = tmp_path / "model"
    for relative, text in {
        "__init__.py": '"""The package."""\n',
        "errors.py": '"""Errors."""\n',
        "io/__init__.py": "",
        "io/loading.py": "from model.errors import ScenarioError\n",
        "core/__init__.py": "",
        "core/engine.py": "import numpy\n\ndef f():\n    import pandas\n    from model.io import loading\n",
        "analysis/__init__.py": "",
        "analysis/review.py": "from ..core.engine import f\nfrom model.present import charts\n",
        "present/__init__.py": "",
        "present/charts.py": "from model.analysis.review import f\nimport altair\n",
        "cli/__init__.py": "",
        "cli/run.py": "from model.io.loading import x\nfrom model.present.charts import y\nimport model\n",
    }.items():
        (package / relative).parent.mkdir(parents=True, exist_ok=True)
        (package / relative).write_text(text)
    assert violations(package) == [
        "model.analysis.review -> model.present.charts (analysis imports only analysis, core, domain)",
        f"model.core.engine -> pandas (core imports no {', '.join(HEAVY)})",
        "model.core.engine -> model.io.loading (core imports only core, domain)",
    ]


def test_every_module_says_what_it_is_for():
    undocumented = [name for name, path in modules().items() if not ast.get_docstring(ast.parse(path.read_text()))]
    assert undocumented == []


def test_the_module_map_names_every_module():
    text = ARCHITECTURE.read_text()
    missing = [str(path.relative_to(REPO)) for path in modules().values()
               if f"`{path.relative_to(REPO)}`" not in text]
    assert missing == []
