"""`dataraum dag`: DOT with stage clusters in flow order, gates marked, inputs dashed, custom nodes."""

from __future__ import annotations

import re
import os
import shutil
from pathlib import Path

import pytest

from dataraum_context.pipeline import dot as dot_module
from dataraum_context.pipeline.dot import render_dot, write_graph
from dataraum_context.pipeline.stages import STAGES
from helpers import REPO

EXAMPLE = REPO / "examples" / "custom_node" / "my_nodes.py"
GATES = {
    "type_review_proposals": {"type_review", "quarantine_review"},
    "semantic_review_proposals": {"semantic_review"},
    "relationship_review_proposals": {"relationship_review"},
}


def clusters(text: str) -> list[str]:
    return re.findall(r'^  subgraph "cluster_([^"]+)" \{', text, flags=re.M)


def assert_dot_shape(text: str) -> None:
    assert text.startswith("digraph dataraum {") and text.rstrip().endswith("}")
    assert text.count("{") == text.count("}")
    for line in text.splitlines()[1:-1]:
        stripped = line.strip()
        assert stripped.endswith((";", "{", "}")), line


def test_stage_clusters_in_flow_order_and_gates_marked() -> None:
    text = render_dot()
    assert_dot_shape(text)
    builtin = [s.name for s in STAGES if s.builtin]
    assert clusters(text) == builtin  # no custom cluster without custom modules
    for number, name in enumerate(builtin, start=1):
        assert f'label="{number}. {name}' in text
    for gate, types in GATES.items():
        line = next(line for line in text.splitlines() if line.strip().startswith(f'"{gate}" ['))
        assert "shape=doubleoctagon" in line
        label = re.search(r'label="[^"]*gate: ([^"]*)"', line)
        assert label and set(label.group(1).split(", ")) == types
    assert text.count("doubleoctagon") == len(GATES)
    assert '"duckdb_con" [shape=ellipse, style=dashed' in text
    assert '"staged_tables" -> "typed_tables"' in text or '"staged_tables" -> ' in text


def test_custom_nodes_get_their_own_clusters() -> None:
    text = render_dot([EXAMPLE])
    assert_dot_shape(text)
    assert clusters(text)[-1] == "custom"
    custom = text[text.index('subgraph "cluster_custom"'):]
    assert '"order_value_by_country"' in custom.split("}")[0]
    quality = text[text.index('subgraph "cluster_quality"'):text.index('subgraph "cluster_custom"')]
    inner = quality[quality.index('subgraph "cluster_quality_custom"'):]
    assert '"order_status_quality_rules"' in inner and '"custom_quality_rules"' in inner
    assert "fillcolor" in next(line for line in text.splitlines() if line.strip().startswith('"order_value_by_country" ['))


def test_cli_writes_dot_file(cli, tmp_path: Path) -> None:
    out = tmp_path / "graph.dot"
    result = cli("dag", "-o", str(out), "--module", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    assert '"order_value_by_country"' in out.read_text(encoding="utf-8")


def test_svg_without_graphviz_writes_dot_and_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dot_module.shutil, "which", lambda name: None)
    out = tmp_path / "graph.svg"
    note = write_graph(render_dot(), out)
    assert note is not None and "Graphviz is not installed" in note and "\n" not in note
    assert not out.exists()
    assert (tmp_path / "graph.dot").read_text(encoding="utf-8").startswith("digraph dataraum {")


@pytest.mark.skipif(
    shutil.which("dot") is None and os.environ.get("CI") != "true",
    reason="Graphviz `dot` is not installed (CI installs it and runs this test)",
)
def test_svg_with_graphviz(cli, tmp_path: Path) -> None:
    out = tmp_path / "graph.svg"
    result = cli("dag", "-o", str(out), "--module", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    assert "<svg" in svg and "order_value_by_country" in svg and "cluster_custom" in svg
    assert not (tmp_path / "graph.dot").exists()


def test_cli_dag_without_graphviz(tmp_path: Path) -> None:
    from helpers import run_cli

    # A PATH without Graphviz: the command still succeeds, with one line saying so.
    out = tmp_path / "graph.png"
    result = run_cli("dag", "-o", str(out), cwd=tmp_path, env={"PATH": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert [line for line in result.stderr.splitlines() if line.strip()] == [
        f"Graphviz is not installed (no `dot` on PATH): wrote DOT to {tmp_path / 'graph.dot'} instead of {out}"
    ]
    assert (tmp_path / "graph.dot").exists() and not out.exists()


def test_cli_dag_reads_modules_from_config(cli, tmp_path: Path) -> None:
    config = tmp_path / "dataraum.yaml"
    config.write_text(f"modules:\n  - {EXAMPLE}\n", encoding="utf-8")
    result = cli("dag", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert '"order_value_by_country"' in result.stdout and 'subgraph "cluster_custom"' in result.stdout
