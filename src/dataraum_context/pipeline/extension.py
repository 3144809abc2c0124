"""Custom DAG nodes from Python files: `dataraum run --module FILE` (or `modules: [...]` in a config).

A custom module is an ordinary Python file; the package is not touched. The rules:

- **Nodes.** Every public function (name not starting with `_`) *defined* in the file is a
  Hamilton node: its name is the node's name, its parameters are its dependencies by name,
  its docstring says what it is. Imported functions and `_helpers` are not nodes.
- **Dependencies.** A parameter names a built-in node (`typed_tables`, `table_profiles`,
  `relationships`, ...), a node of a custom module, or a run input (`duckdb_con`,
  `settings`, ...). A parameter with a default that names nothing keeps its default.
- **Results.** The return annotation is required and must be a type pydantic's
  `TypeAdapter` can dump to JSON and load back (pydantic models, dataclasses, lists and
  dicts of plain values): outputs are checkpointed as JSON like every built-in node's.
  Executions are recorded in `node_executions` like built-in ones.
- **Stage.** A custom node runs in the `custom` stage, after every built-in stage, unless a
  built-in node consumes it (directly or through other custom nodes): then it runs in the
  stage of its earliest built-in consumer, which must not come before any stage it
  depends on.
- **Quality rules.** A custom node whose name ends in `_quality_rules` and that returns a
  list of rules (dicts with the fields of `QualityRuleSpec`: table_name, column_name,
  rule_name, rule_type, expression, severity, description, ...) contributes them to the
  quality stage with source `custom`. The extension adds one node, `custom_quality_rules`,
  that gathers them; the quality stage's `contributed_quality_rules` consumes it, so by
  the rule above the contributing nodes run in the quality stage.
- **Errors.** A missing file, a syntax or import error, a missing or unsupported return
  annotation, a name taken by a built-in node (or by another custom module), an unknown
  dependency or a cycle is reported in one line naming the file and the function, with
  exit code 2, before any data is touched.
"""

from __future__ import annotations

import hashlib
import importlib.util
import inspect
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from hamilton import driver
from hamilton.function_modifiers import group, inject, source
from hamilton.graph_types import HamiltonNode
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import AsyncSession

from dataraum_context.errors import UserError
from dataraum_context.contracts.run_context import RunContext
from dataraum_context.quality import contributed
from dataraum_context.quality.models import QualityRuleSpec
from dataraum_context.pipeline.stages import CUSTOM_STAGE

MODULE_PREFIX = "dataraum_custom__"
RULES_SUFFIX = "_quality_rules"
RULES_NODE = "custom_quality_rules"
_RULES_MODULE = f"{MODULE_PREFIX}contributed_rules"

if TYPE_CHECKING:  # imported where custom modules need it: a run without them never does (~0.1 s)
    import networkx as nx


class ExtensionError(UserError):
    """A custom module cannot be loaded or does not fit the DAG (exit code 2)."""


@dataclass
class CustomModule:
    """One loaded custom file and the functions that become its nodes."""

    path: Path
    module: ModuleType
    functions: dict[str, Callable[..., Any]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(self.path)


def is_custom_module(module_name: str) -> bool:
    """Whether a node's originating module is a custom module (or the extension's own rules node)."""
    return module_name.startswith(MODULE_PREFIX)


def _module_name(path: Path) -> str:
    stem = "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in path.stem)
    digest = hashlib.sha256(str(path).encode()).hexdigest()[:10]
    return f"{MODULE_PREFIX}{stem}_{digest}"


def _public_functions(module: ModuleType) -> dict[str, Callable[..., Any]]:
    """Functions defined in the module itself (not imported), without a leading underscore."""
    return {
        name: fn
        for name, fn in inspect.getmembers(module, inspect.isfunction)
        if not name.startswith("_") and fn.__module__ == module.__name__
    }


def load_module(path: Path) -> CustomModule:
    """Import one custom file under a unique module name; check its functions' annotations."""
    label = str(path)
    resolved = path.expanduser().resolve()
    if not resolved.is_file():
        raise ExtensionError(f"{label}: no such file (--module)")
    name = _module_name(resolved)
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise ExtensionError(f"{label}: not a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # Hamilton finds a module's functions through sys.modules
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        raise ExtensionError(f"{label}: syntax error at line {exc.lineno}: {exc.msg}") from None
    except Exception as exc:  # noqa: BLE001 - anything the module raises on import is the user's to fix
        sys.modules.pop(name, None)
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        raise ExtensionError(f"{label}: cannot import: {type(exc).__name__}" + (f": {detail}" if detail else "")) from None
    loaded = CustomModule(path, module, _public_functions(module))
    if not loaded.functions:
        raise ExtensionError(f"{label}: defines no public functions, so no nodes")
    for fn_name, fn in loaded.functions.items():
        _check_function(label, fn_name, fn)
    return loaded


def _check_function(label: str, fn_name: str, fn: Callable[..., Any]) -> None:
    """The return annotation exists, resolves, and is a JSON-checkpointable type."""
    where = f"{label}: function {fn_name!r}"
    if inspect.signature(fn).return_annotation is inspect.Signature.empty:
        raise ExtensionError(f"{where} has no return annotation; annotate it (e.g. -> list[dict])")
    try:
        hints = typing.get_type_hints(fn)
    except Exception as exc:  # noqa: BLE001 - NameError and friends from string annotations
        raise ExtensionError(f"{where}: cannot resolve its annotations: {exc}") from None
    returns = hints.get("return")
    try:
        TypeAdapter(returns)
    except Exception:  # noqa: BLE001 - pydantic's schema errors are long; the type says enough
        raise ExtensionError(
            f"{where} returns {_type_name(returns)}, which cannot be checkpointed as JSON; "
            "return a pydantic model, a dataclass, or lists/dicts of plain values"
        ) from None
    if fn_name.endswith(RULES_SUFFIX) and typing.get_origin(returns) is not list and returns is not list:
        raise ExtensionError(f"{where} contributes quality rules, so it must return a list (e.g. -> list[dict])")


def _type_name(tp: Any) -> str:
    return tp.__qualname__ if isinstance(tp, type) else str(tp).replace("typing.", "")


def load_modules(paths: Sequence[Path]) -> list[CustomModule]:
    """Load every custom file once (the same file given twice counts once); names must not clash."""
    modules: list[CustomModule] = []
    seen: set[Path] = set()
    owner: dict[str, str] = {}
    for path in paths:
        resolved = Path(path).expanduser().resolve()
        if resolved in seen:
            continue
        seen.add(resolved)
        loaded = load_module(Path(path))
        for fn_name in loaded.functions:
            if fn_name == RULES_NODE:
                raise ExtensionError(f"{loaded.label}: function {fn_name!r}: the name is reserved for the gathered custom rules")
            if fn_name in owner:
                raise ExtensionError(f"{loaded.label}: function {fn_name!r} is also defined in {owner[fn_name]}")
            owner[fn_name] = loaded.label
        modules.append(loaded)
    return modules


def rules_module(modules: Sequence[CustomModule]) -> ModuleType | None:
    """A module holding `custom_quality_rules`, which gathers every custom `*_quality_rules` node."""
    names = sorted(n for m in modules for n in m.functions if n.endswith(RULES_SUFFIX))
    if not names:
        return None

    @inject(contributions=group(*[source(name) for name in names]))
    def custom_quality_rules(contributions: list[Any]) -> list[QualityRuleSpec]:
        """Quality rules contributed by custom nodes named `*_quality_rules` (source 'custom')."""
        return contributed.collect(dict(zip(names, contributions, strict=True)), source="custom")

    custom_quality_rules.__module__ = _RULES_MODULE
    module = ModuleType(_RULES_MODULE)
    module.custom_quality_rules = custom_quality_rules  # type: ignore[attr-defined]
    sys.modules[_RULES_MODULE] = module
    return module


def check_names(modules: Sequence[CustomModule], builtin: driver.Driver) -> None:
    """No custom function takes a built-in node's name; every required parameter names something."""
    variables = builtin.list_available_variables()
    nodes = {n.name for n in variables if not n.is_external_input}
    inputs = run_inputs(variables)
    custom = {n for m in modules for n in m.functions}
    has_rules = any(n.endswith(RULES_SUFFIX) for n in custom)
    known = nodes | inputs | custom | ({RULES_NODE} if has_rules else set())
    for loaded in modules:
        for fn_name, fn in loaded.functions.items():
            if fn_name in nodes or fn_name in inputs:
                what = "built-in node" if fn_name in nodes else "run input"
                raise ExtensionError(f"{loaded.label}: function {fn_name!r} clashes with the {what} of that name; rename it")
            for param in inspect.signature(fn).parameters.values():
                if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
                    raise ExtensionError(f"{loaded.label}: function {fn_name!r} takes *{param.name}; name each dependency")
                if param.default is param.empty and param.name not in known:
                    raise ExtensionError(
                        f"{loaded.label}: function {fn_name!r} needs {param.name!r}, which is no node or input"
                    )


def run_inputs(variables: Sequence[HamiltonNode]) -> set[str]:
    """The inputs the runner supplies: the external inputs some built-in node requires."""
    external = {n.name for n in variables if n.is_external_input}
    required = set().union(*(n.required_dependencies for n in variables if not n.is_external_input))
    return external & required


def digraph(dr: driver.Driver) -> nx.DiGraph:
    """Dependency -> node edges of every node (required and optional dependencies)."""
    import networkx as nx

    graph = nx.DiGraph()
    for node in dr.list_available_variables():
        graph.add_node(node.name)
        for dep in node.required_dependencies | node.optional_dependencies:
            graph.add_edge(dep, node.name)
    return graph


def function_of(node: HamiltonNode) -> tuple[str, str] | None:
    """(module name, function name) a node comes from, when it comes from a function."""
    if not node.originating_functions:
        return None
    fn = node.originating_functions[0]
    return fn.__module__, fn.__name__


def custom_node_files(dr: driver.Driver, modules: Sequence[CustomModule]) -> dict[str, str]:
    """Each custom node's name -> the file it comes from."""
    files = {m.module.__name__: m.label for m in modules}
    found: dict[str, str] = {}
    for node in dr.list_available_variables():
        origin = function_of(node)
        if origin is not None and origin[0] in files:
            found[node.name] = files[origin[0]]
    return found


def check_cycles(dr: driver.Driver, modules: Sequence[CustomModule]) -> None:
    """The built-in graph is acyclic, so any cycle runs through a custom node: name it."""
    import networkx as nx

    try:
        edges = nx.find_cycle(digraph(dr))
    except nx.NetworkXNoCycle:
        return
    cycle = [edge[0] for edge in edges]
    files = custom_node_files(dr, modules)
    first = next((name for name in cycle if name in files), cycle[0])
    label = files.get(first) or ", ".join(m.label for m in modules)
    start = cycle.index(first)
    path = [*cycle[start:], *cycle[:start], first]
    raise ExtensionError(f"{label}: function {first!r} is part of a cycle: {' -> '.join(path)}")


def place_custom_nodes(
    dr: driver.Driver,
    custom_nodes: Sequence[str],
    stage_of: dict[str, str],
    order: Sequence[str],
    files: dict[str, str] | None = None,
) -> dict[str, str]:
    """The stage each custom node runs in (see the module docstring). `stage_of` maps the
    built-in nodes to their stages, `order` is the stages' flow order.

    Raises when a consumed custom node needs a built-in node of a later stage than its consumer.
    """
    import networkx as nx

    graph = digraph(dr)
    rank = {name: i for i, name in enumerate(order)}
    placed: dict[str, str] = {}
    for name in custom_nodes:
        consumers = [stage_of[n] for n in nx.descendants(graph, name) if n in stage_of]
        if not consumers:
            placed[name] = CUSTOM_STAGE
            continue
        stage = min(consumers, key=rank.__getitem__)
        needs = [(n, stage_of[n]) for n in nx.ancestors(graph, name) if n in stage_of]
        late = [(n, s) for n, s in needs if rank[s] > rank[stage]]
        if late:
            dep, dep_stage = sorted(late)[0]
            where = f"{files[name]}: " if files and name in files else ""
            raise ExtensionError(
                f"{where}custom node {name!r} feeds the {stage} stage but needs {dep!r} of the later {dep_stage} stage"
            )
        placed[name] = stage
    return placed


async def persist_custom(session: AsyncSession, results: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    """Custom nodes store nothing of their own: their outputs are in the stage checkpoint.
    The run summary lists which custom nodes ran."""
    names = sorted(results)
    ctx.summary["custom_nodes"] = names
    return {"nodes": names}
