"""Imports point down (DESIGN.md, "Layering").

Every `dataraum_context` import in the package and in `dataflows/` is read with `ast`
(module-level and function-level alike) and checked against the layers below. A new
upward import fails here with the file, the line and the rule it breaks.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "dataraum_context"

# Lowest first. A part may import its own layer's parts only where listed in SIDEWAYS.
LAYERS: list[set[str]] = [
    {"errors"},
    {"sqlutil", "yamlfile", "quantiles"},  # quantiles: exact quantiles from value counts (DuckDB only)
    {"fanout"},  # one table's column batches on several cursors (uses sqlutil)
    {"config"},
    {"storage", "contracts"},
    {"detectors", "ontology", "llm"},
    {"staging", "profiling", "type_resolution", "semantic", "topology", "temporal", "quality"},
    {"invariants"},
    {"dataflows"},
    {"pipeline", "preflight"},
    {"context"},  # the document reads everything a run stored, the run records included
    {"api"},  # the Python API (`Workspace`): what the interfaces call
    {"mcp", "web"},  # `dataraum mcp`; `dataraum serve` / `report`: interfaces on the API, review API, runner and document
    {"cli"},
    {"__main__", "_entry"},  # the script entry points
]
# Stage packages read what earlier stages produced (their models), never their runners.
SIDEWAYS = {
    ("contracts", "storage"),
    ("llm", "ontology"),
    ("llm", "detectors"),
    ("ontology", "detectors"),
    ("profiling", "staging"),
    ("type_resolution", "staging"),
    ("type_resolution", "profiling"),
    ("semantic", "staging"),
    ("semantic", "profiling"),
    ("semantic", "type_resolution"),
    ("topology", "staging"),
    ("topology", "profiling"),
    ("topology", "type_resolution"),
    ("semantic", "topology"),  # semantic runs after topology: keys and relationships decide roles
    ("temporal", "staging"),
    ("temporal", "profiling"),
    ("temporal", "type_resolution"),
    ("temporal", "semantic"),
    ("temporal", "topology"),
    ("quality", "staging"),
    ("quality", "profiling"),
    ("quality", "type_resolution"),
    ("quality", "semantic"),
    ("quality", "topology"),
    ("quality", "temporal"),
    ("preflight", "pipeline"),
    ("__main__", "_entry"),
}


def _part(path: Path) -> str:
    if path.is_relative_to(ROOT / "dataflows"):
        return "dataflows"
    rel = path.relative_to(PACKAGE)
    return rel.parts[0].removesuffix(".py")


def _imported_part(module: str) -> str | None:
    if module.startswith("dataraum_context.dataflows"):
        return "dataflows"
    if not module.startswith("dataraum_context."):
        return None
    return module.split(".")[1]


def _layer(part: str) -> int:
    for index, layer in enumerate(LAYERS):
        if part in layer:
            return index
    raise AssertionError(f"{part!r} is in no layer of tests/test_layering.py: add it")


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            if node.module == "dataraum_context":
                found.extend(
                    (node.lineno, f"dataraum_context.{alias.name}")
                    for alias in node.names
                    if (PACKAGE / alias.name).is_dir() or (PACKAGE / f"{alias.name}.py").is_file()
                )
        elif isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
    return found


def upward_imports() -> list[str]:
    files = [p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts or p.name == "env.py"]
    files += list((ROOT / "dataflows").glob("*.py"))
    problems: list[str] = []
    for path in sorted(files):
        if path.name == "__init__.py" and path.parent == PACKAGE:
            continue  # the package root re-exports the public API
        part = _part(path)
        for line, module in _imports(path):
            target = _imported_part(module)
            if target is None or target == part:
                continue
            if _layer(target) > _layer(part) or (
                _layer(target) == _layer(part) and (part, target) not in SIDEWAYS
            ):
                problems.append(f"{path.relative_to(ROOT)}:{line}: {part} imports {module}")
    return problems


def test_imports_point_down() -> None:
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    # The check itself: a stage importing the runner is reported.
    sample = tmp_path / "x.py"
    sample.write_text("from dataraum_context.pipeline.runner import Executor\nimport dataraum_context.cli\n")
    assert [module for _, module in _imports(sample)] == ["dataraum_context.pipeline.runner", "dataraum_context.cli"]
    assert _layer("pipeline") > _layer("topology") and _layer("storage") < _layer("profiling")
