"""The DAG as Graphviz DOT, and as PNG/SVG/PDF when Graphviz is installed.

Layout: one cluster per stage in flow order (numbered), the stage's nodes inside; gate
nodes are double octagons whose label lists the review types they raise; run inputs are
dashed ellipses outside the clusters (inputs only some node takes optionally, dotted);
custom nodes (`--module`) are filled and sit in their own cluster: the `custom` stage's,
or a `custom` cluster inside the built-in stage that consumes them. Optional
dependencies are dashed edges, edges from run inputs light gray.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from hamilton.graph_types import HamiltonNode

from dataraum_context.errors import DataraumError, UserError
from dataraum_context.pipeline.stages import CUSTOM_STAGE
from dataraum_context.pipeline.gates import gate_types
from dataraum_context.pipeline.graph import build_driver, custom_node_names, nodes_by_stage
from dataraum_context.pipeline.stages import STAGES

RENDERED_FORMATS = ("png", "svg", "pdf")
_CUSTOM_STYLE = 'style="rounded,filled", fillcolor="#fff3c4"'


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _node_line(node: HamiltonNode, nodes: list[HamiltonNode], custom: set[str], indent: str) -> str:
    attrs: list[str] = []
    if node.tags.get("gate"):
        types = ", ".join(gate_types(nodes, node.name))
        attrs += ["shape=doubleoctagon", 'color="#b03a2e"', f"label={_q(node.name + chr(10) + 'gate: ' + types)}"]
    if node.name in custom:
        attrs.append(_CUSTOM_STYLE)
    return f"{indent}{_q(node.name)}" + (f" [{', '.join(attrs)}];" if attrs else ";")


def render_dot(modules: Sequence[Path] = ()) -> str:
    """The whole DAG (built-in stages plus the custom `modules`) as DOT text."""
    dr = build_driver(modules=modules)
    grouped = nodes_by_stage(dr)
    custom = custom_node_names(dr)
    variables = sorted(dr.list_available_variables(), key=lambda n: n.name)
    lines = [
        "digraph dataraum {",
        "  rankdir=LR; compound=true; newrank=true;",
        '  node [shape=box, style=rounded, fontname="Helvetica"];',
        '  edge [color=gray40];',
    ]
    for number, stage in enumerate(STAGES, start=1):
        nodes = grouped[stage.name]
        if not stage.builtin and not nodes:
            continue  # no custom modules: no custom cluster
        label = f"{number}. {stage.name}" + (f": {stage.description}" if stage.description else "")
        lines.append(f"  subgraph {_q('cluster_' + stage.name)} {{")
        lines.append(f"    label={_q(label)}; style=rounded; color=gray50;")
        if stage.name == CUSTOM_STAGE:
            lines.append('    style="rounded,dashed"; color="#b7950b";')
        if not nodes:
            lines.append(f"    {_q(stage.name + ' (empty)')} [shape=plaintext];")
        own = [n for n in nodes if n.name not in custom or stage.name == CUSTOM_STAGE]
        guests = [n for n in nodes if n.name in custom and stage.name != CUSTOM_STAGE]
        lines += [_node_line(n, nodes, custom, "    ") for n in own]
        if guests:
            lines.append(f"    subgraph {_q('cluster_' + stage.name + '_custom')} {{")
            lines.append(f"      label={_q('custom (runs in ' + stage.name + ')')}; style=\"rounded,dashed\"; color=\"#b7950b\";")
            lines += [_node_line(n, nodes, custom, "      ") for n in guests]
            lines.append("    }")
        lines.append("  }")
    required = set().union(*(n.required_dependencies for n in variables if not n.is_external_input))
    for node in variables:
        if node.is_external_input:
            style = "dashed" if node.name in required else "dotted"
            lines.append(f"  {_q(node.name)} [shape=ellipse, style={style}, color=gray40];")
    inputs = {n.name for n in variables if n.is_external_input}
    for node in variables:
        for dep in sorted(node.required_dependencies | node.optional_dependencies):
            attrs = [] if dep in node.required_dependencies else ["style=dashed"]
            if dep in inputs:
                attrs.append("color=gray75")  # inputs feed many nodes: keep their edges in the background
            lines.append(f"  {_q(dep)} -> {_q(node.name)}" + (f" [{', '.join(attrs)}];" if attrs else ";"))
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_graph(text: str, output: Path) -> str | None:
    """Write DOT `text` to `output`, rendered when its suffix is .png/.svg/.pdf.

    Without the Graphviz `dot` binary the DOT text goes next to it (`<stem>.dot`) and the
    returned one-line note says so; None when `output` holds what was asked for.
    """
    fmt = output.suffix.lower().lstrip(".")
    if fmt not in RENDERED_FORMATS:
        _write(output, text)
        return None
    dot_path = output.with_suffix(".dot")
    _write(output, "")  # a bad output path is the user's error (exit 2), not Graphviz's
    binary = shutil.which("dot")
    if binary is None:
        output.unlink(missing_ok=True)
        _write(dot_path, text)
        return f"Graphviz is not installed (no `dot` on PATH): wrote DOT to {dot_path} instead of {output}"
    try:
        done = subprocess.run(
            [binary, f"-T{fmt}", "-o", str(output)], input=text.encode(), capture_output=True, timeout=120, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        _write(dot_path, text)
        raise DataraumError(f"Graphviz failed ({exc}); wrote DOT to {dot_path}") from None
    if done.returncode != 0:
        _write(dot_path, text)
        message = done.stderr.decode(errors="replace").strip().splitlines()
        raise DataraumError(f"Graphviz failed: {message[0] if message else done.returncode}; wrote DOT to {dot_path}")
    return None


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {path}: {exc.strerror or exc}") from None
