"""Node code versions (`graph.node_versions`) are hashed once per function object in a process:
they equal what Hamilton computes for a fresh node, driver after driver, and a custom module
loaded again after an edit gets the version of its new source (a paused run must not resume
on changed code)."""

from __future__ import annotations

from pathlib import Path

from hamilton.graph_types import hash_source_code

from dataraum_context.pipeline import graph
from dataraum_context.pipeline.graph import build_driver, node_versions


def _hamiltons(dr) -> dict[str, str]:
    """Hamilton's own versions, hashed here from each node's function (no cache)."""
    return {
        node.name: hash_source_code(node.originating_functions[0], strip=True)
        for node in dr.list_available_variables()
        if not node.is_external_input and node.originating_functions
    }


def test_versions_equal_hamiltons_driver_after_driver() -> None:
    first = build_driver()
    versions = node_versions(first)
    assert versions == _hamiltons(first)
    assert len(versions) > 40
    second = build_driver()
    assert node_versions(second) == versions == _hamiltons(second)
    assert set(versions.values()) <= set(graph._FUNCTION_VERSIONS.values())


def test_an_edited_custom_module_gets_its_new_version(tmp_path: Path) -> None:
    path = tmp_path / "mine.py"
    path.write_text("def my_count(typed_tables: list) -> int:\n    return len(typed_tables)\n", encoding="utf-8")
    before = node_versions(build_driver(modules=[path]))["my_count"]
    path.write_text("def my_count(typed_tables: list) -> int:\n    return len(typed_tables) + 1\n", encoding="utf-8")
    dr = build_driver(modules=[path])
    after = node_versions(dr)["my_count"]
    assert after != before
    assert after == _hamiltons(dr)["my_count"]
