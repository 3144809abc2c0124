"""Custom modules: loading, checks (one clear line naming file and function), stage placement."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from dataraum_context.pipeline.extension import CUSTOM_STAGE, RULES_NODE, ExtensionError
from dataraum_context.pipeline.graph import build_driver, nodes_by_stage
from dataraum_context.pipeline.serialize import dump_outputs, load_outputs, node_types
from helpers import CliResult

HEADER = "from __future__ import annotations\n"


def write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + textwrap.dedent(body), encoding="utf-8")
    return path


def build_error(*paths: Path) -> str:
    with pytest.raises(ExtensionError) as info:
        build_driver(modules=list(paths))
    message = str(info.value)
    assert "\n" not in message
    return message


def stage_of(dr, name: str) -> str:
    return next(stage for stage, nodes in nodes_by_stage(dr).items() if name in {n.name for n in nodes})


# ------------------------------------------------------------------ errors


def test_missing_file(tmp_path: Path) -> None:
    message = build_error(tmp_path / "nope.py")
    assert "nope.py" in message and "no such file" in message


def test_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "broken.py", "def x(typed_tables: list) -> list:\n    return [\n")
    message = build_error(path)
    assert message.startswith(f"{path}: syntax error at line")


def test_import_error(tmp_path: Path) -> None:
    path = write(tmp_path, "imports.py", "import not_a_module_anywhere\n")
    assert "cannot import: ModuleNotFoundError" in build_error(path)


def test_unknown_dependency_names_function_and_input(tmp_path: Path) -> None:
    path = write(
        tmp_path, "my_nodes.py",
        """
        def fine(typed_tables: list) -> int:
            return len(typed_tables)

        def x(fine: int, typo_name: int) -> int:
            return fine + typo_name
        """,
    )
    assert build_error(path) == f"{path}: function 'x' needs 'typo_name', which is no node or input"


def test_optional_unknown_parameter_keeps_its_default(tmp_path: Path) -> None:
    path = write(tmp_path, "opt.py", "def y(typed_tables: list, factor: int = 2) -> int:\n    return factor\n")
    dr = build_driver(modules=[path])
    assert stage_of(dr, "y") == CUSTOM_STAGE


def test_cycle_is_reported_with_its_path(tmp_path: Path) -> None:
    path = write(
        tmp_path, "cyc.py",
        """
        def a(b: int) -> int:
            return b

        def b(a: int) -> int:
            return a
        """,
    )
    message = build_error(path)
    assert message in (
        f"{path}: function 'a' is part of a cycle: a -> b -> a",
        f"{path}: function 'b' is part of a cycle: b -> a -> b",
    )


def test_cycle_through_the_quality_stage(tmp_path: Path) -> None:
    # Contributed rules feed the quality stage, which they cannot depend on.
    path = write(
        tmp_path, "late.py",
        "def late_quality_rules(quality_scores: list) -> list[dict]:\n    return []\n",
    )
    message = build_error(path)
    assert "function 'late_quality_rules' is part of a cycle" in message
    assert "quality_scores" in message


def test_clash_with_builtin_node(tmp_path: Path) -> None:
    path = write(tmp_path, "clash.py", "def typed_tables(staged_tables: list) -> list:\n    return []\n")
    message = build_error(path)
    assert message == f"{path}: function 'typed_tables' clashes with the built-in node of that name; rename it"


def test_clash_between_custom_files(tmp_path: Path) -> None:
    one = write(tmp_path, "one.py", "def shared(typed_tables: list) -> int:\n    return 1\n")
    two = write(tmp_path, "two.py", "def shared(typed_tables: list) -> int:\n    return 2\n")
    assert build_error(one, two) == f"{two}: function 'shared' is also defined in {one}"


def test_reserved_name(tmp_path: Path) -> None:
    path = write(tmp_path, "res.py", f"def {RULES_NODE}() -> list:\n    return []\n")
    assert "reserved" in build_error(path)


def test_missing_return_annotation(tmp_path: Path) -> None:
    path = write(tmp_path, "noann.py", "def count(typed_tables: list):\n    return len(typed_tables)\n")
    message = build_error(path)
    assert message.startswith(f"{path}: function 'count' has no return annotation; annotate it")


def test_return_type_that_cannot_be_checkpointed(tmp_path: Path) -> None:
    path = write(
        tmp_path, "conn.py",
        """
        import duckdb

        def connection(duckdb_con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyConnection:
            return duckdb_con
        """,
    )
    message = build_error(path)
    assert message.startswith(f"{path}: function 'connection' returns DuckDBPyConnection")
    assert "cannot be checkpointed as JSON" in message


def test_quality_rules_node_must_return_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "rules.py", "def my_quality_rules() -> dict:\n    return {}\n")
    assert "function 'my_quality_rules' contributes quality rules, so it must return a list" in build_error(path)


def test_type_mismatch_from_hamilton_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "types.py", "def n_tables(typed_tables: dict[str, int]) -> int:\n    return 0\n")
    message = build_error(path)
    assert message.startswith(f"{path}: ") and "typed_tables" in message


def test_module_without_functions(tmp_path: Path) -> None:
    path = write(tmp_path, "empty.py", "from os.path import join\n\ndef _helper() -> int:\n    return 1\n")
    assert "defines no public functions" in build_error(path)


def test_cli_reports_bad_module_before_any_data_work(tmp_path: Path, cli) -> None:
    path = write(tmp_path, "my_nodes.py", "def x(typo_name: int) -> int:\n    return typo_name\n")
    data = tmp_path / "t.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    result: CliResult = cli("run", str(data), "--module", str(path), "--review", "defer")
    assert result.returncode == 2, (result.stdout, result.stderr)
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"error: {path}: function 'x' needs 'typo_name', which is no node or input"]
    assert not (cli.workspace / "data.duckdb").exists()  # no data work happened
    status = cli("status", "--json")
    assert status.returncode in (0, 2)
    if status.returncode == 0:
        assert json.loads(status.stdout)["runs"] == []


def test_cli_dag_reports_bad_module(tmp_path: Path, cli) -> None:
    path = write(tmp_path, "broken.py", "def x(:\n")
    result = cli("dag", "--module", str(path))
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.strip().startswith(f"error: {path}: syntax error at line")


# ------------------------------------------------------------------ placement and recording


def test_placement_custom_stage_and_consumed_rules(tmp_path: Path) -> None:
    first = write(
        tmp_path, "first.py",
        """
        def table_names(typed_tables: list) -> list[str]:
            return sorted(t.table_name for t in typed_tables)

        def rule_targets(table_names: list[str]) -> list[str]:
            return table_names[:1]
        """,
    )
    second = write(
        tmp_path, "second.py",
        """
        def row_check_quality_rules(rule_targets: list[str]) -> list[dict]:
            return [{"table_name": t, "rule_name": "has_rows", "expression": "true"} for t in rule_targets]
        """,
    )
    dr = build_driver(modules=[first, second])
    # Feeds the quality stage (through custom_quality_rules): runs there, with what it needs.
    assert stage_of(dr, "row_check_quality_rules") == "quality"
    assert stage_of(dr, "rule_targets") == "quality"
    assert stage_of(dr, "table_names") == "quality"
    assert stage_of(dr, RULES_NODE) == "quality"
    contributed = next(n for n in dr.list_available_variables() if n.name == "contributed_quality_rules")
    assert RULES_NODE in contributed.optional_dependencies


def test_unconsumed_nodes_run_in_the_custom_stage_after_builtins(tmp_path: Path) -> None:
    path = write(tmp_path, "late.py", "def summary_count(quality_scores: list, relationships: list) -> int:\n    return 0\n")
    dr = build_driver(modules=[path])
    grouped = nodes_by_stage(dr)
    assert list(grouped)[-1] == CUSTOM_STAGE
    assert [n.name for n in grouped[CUSTOM_STAGE]] == ["summary_count"]
    # No rule nodes, no gatherer: quality's optional dependency stays an (unused) input.
    assert next(n for n in dr.list_available_variables() if n.name == RULES_NODE).is_external_input


def test_without_modules_the_custom_stage_is_empty() -> None:
    grouped = nodes_by_stage(build_driver())
    assert grouped[CUSTOM_STAGE] == []
    assert grouped["quality"]


def test_contributed_rules_are_validated_and_sourced_custom(tmp_path: Path) -> None:
    path = write(
        tmp_path, "r.py",
        """
        def a_quality_rules() -> list[dict]:
            return [{"table_name": "t", "column_name": "x", "rule_name": "x_positive", "expression": "x > 0"}]

        def b_quality_rules() -> list[dict]:
            return [{"table_name": "t", "rule_name": "broken"}, {"rule_name": "no table"}]
        """,
    )
    dr = build_driver(modules=[path])
    out = dr.execute([RULES_NODE], overrides={"b_quality_rules": []})
    (rule,) = out[RULES_NODE]
    assert (rule.table_name, rule.rule_name, rule.source, rule.parameters["columns"]) == ("t", "x_positive", "custom", ["x"])
    from dataraum_context.errors import DataraumError

    with pytest.raises(DataraumError, match="node b_quality_rules returned an invalid quality rule: table_name"):
        dr.execute([RULES_NODE])


def test_custom_outputs_checkpoint_round_trip(tmp_path: Path) -> None:
    path = write(
        tmp_path, "models.py",
        """
        from decimal import Decimal
        from pydantic import BaseModel

        class Total(BaseModel):
            name: str
            amount: Decimal

        def totals(typed_tables: list) -> list[Total]:
            return [Total(name="a", amount=Decimal("1.10"))]
        """,
    )
    dr = build_driver(modules=[path])
    types = node_types(dr)
    value = dr.execute(["totals"], overrides={"typed_tables": []})["totals"]
    dumped = dump_outputs(types, {"totals": value})
    assert dumped == {"totals": [{"name": "a", "amount": "1.10"}]}
    assert load_outputs(types, json.loads(json.dumps(dumped))) == {"totals": value}
    assert next(n for n in dr.list_available_variables() if n.name == "totals").version  # code version recorded


def test_placement_refuses_a_dependency_from_a_later_stage(tmp_path: Path) -> None:
    from dataraum_context.pipeline.extension import place_custom_nodes

    path = write(tmp_path, "t.py", "def t_quality_rules(temporal_profiles: list) -> list[dict]:\n    return []\n")
    dr = build_driver(modules=[path])
    assert stage_of(dr, "t_quality_rules") == "quality"
    # Were temporal to run after quality, its consumer could not have what it needs.
    stage_of_builtin = {"temporal_profiles": "temporal", "contributed_quality_rules": "quality"}
    with pytest.raises(ExtensionError, match="t.py: custom node 't_quality_rules' feeds the quality stage but needs 'temporal_profiles' of the later temporal stage"):
        place_custom_nodes(dr, ["t_quality_rules"], stage_of_builtin, ["quality", "temporal"], {"t_quality_rules": str(path)})
