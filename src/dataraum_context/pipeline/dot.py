"""The DAG as Graphviz DOT: one cluster per stage, inputs outside."""

from __future__ import annotations

from dataraum_context.pipeline.graph import build_driver, nodes_by_stage
from dataraum_context.pipeline.stages import STAGES


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def render_dot() -> str:
    dr = build_driver()
    grouped = nodes_by_stage(dr)
    variables = {node.name: node for node in dr.list_available_variables()}
    lines = ["digraph dataraum {", "  rankdir=LR;", '  node [shape=box, fontname="Helvetica"];']
    for stage in STAGES:
        nodes = grouped[stage.name]
        lines.append(f"  subgraph {_q('cluster_' + stage.name)} {{")
        lines.append(f"    label={_q(stage.name + (': ' + stage.description if stage.description else ''))};")
        lines.append('    style=rounded; color=gray50;')
        if not nodes:
            lines.append(f"    {_q(stage.name + ' (empty)')} [shape=plaintext];")
        for node in nodes:
            lines.append(f"    {_q(node.name)};")
        lines.append("  }")
    for name, node in sorted(variables.items()):
        if node.is_external_input:
            lines.append(f"  {_q(name)} [shape=ellipse, style=dashed];")
    for name, node in sorted(variables.items()):
        for dep in sorted(node.required_dependencies | node.optional_dependencies):
            lines.append(f"  {_q(dep)} -> {_q(name)};")
    lines.append("}")
    return "\n".join(lines) + "\n"
