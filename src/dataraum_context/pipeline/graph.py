"""Building the Hamilton driver over the stage modules (plus custom modules), and fingerprinting it."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import weakref
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import Any

import duckdb
from hamilton import base, driver
from hamilton.graph_types import HamiltonNode
from hamilton.lifecycle import api as lifecycle_api

from dataraum_context.config import Settings
from dataraum_context.contracts.review import ReviewDecisions
from dataraum_context.pipeline import extension
from dataraum_context.pipeline.stages import STAGES, StageSpec

# Hamilton logs node failures with tracebacks; the runner reports them itself.
_hamilton_logger = logging.getLogger("hamilton")
_hamilton_logger.addHandler(logging.NullHandler())
_hamilton_logger.propagate = False


def stage_modules(stages: tuple[StageSpec, ...] = STAGES) -> list[ModuleType]:
    """The `dataflows` module of every built-in stage, in flow order."""
    return [importlib.import_module(stage.module_name) for stage in stages if stage.builtin]


def _build(modules: Sequence[ModuleType], adapters: list[lifecycle_api.LifecycleAdapter] | None) -> driver.Driver:
    builder = driver.Builder().with_modules(*modules).with_adapters(base.DictResult())
    if adapters:
        builder = builder.with_adapters(*adapters)
    return builder.build()


def dag_inputs(
    settings: Settings, paths: list[str], con: duckdb.DuckDBPyConnection, decisions: ReviewDecisions
) -> dict[str, Any]:
    """The DAG's external inputs: the sources, the workspace connection, the decisions, and
    each setting a built-in node uses, by its own name (a node takes the scalars it needs)."""
    return {
        "source_paths": list(paths),
        "duckdb_con": con,
        "sample_size": settings.sample_size,
        "sample_seed": settings.sample_seed,
        "auto_accept_threshold": settings.auto_accept_threshold,
        "type_rules": dict(settings.type_rules),
        "ontology": settings.ontology,
        "llm": settings.llm,
        "rules_file": settings.rules_file,
        "semantic_review_threshold": settings.semantic_review_threshold,
        "settings": settings,  # the LLM node and custom modules; built-in nodes take the scalars they use
        "review_decisions": decisions,
    }


def build_driver(
    adapters: list[lifecycle_api.LifecycleAdapter] | None = None, modules: Sequence[Path] = ()
) -> driver.Driver:
    """A driver over every stage module and the custom `modules` (files); results come back as a dict.

    Custom modules are checked before anything runs (`pipeline.extension`): a bad one raises
    `ExtensionError` (exit 2) naming the file and the function.
    """
    builtin = stage_modules()
    custom = extension.load_modules(modules)
    if not custom:
        return _build(builtin, adapters)
    extension.check_names(custom, _build(builtin, None))
    extra = [m.module for m in custom]
    rules = extension.rules_module(custom)
    if rules is not None:
        extra.append(rules)
    try:
        dr = _build([*builtin, *extra], adapters)
    except Exception as exc:  # noqa: BLE001 - Hamilton's build errors (type mismatches, ...) are the module's
        text = " ".join(str(exc).split()) or type(exc).__name__
        text = text.removeprefix("Error: ").split(" Hamilton does not consider")[0]  # keep what went wrong
        raise extension.ExtensionError(f"{', '.join(m.label for m in custom)}: {text}") from None
    extension.check_cycles(dr, custom)
    nodes_by_stage(dr, extension.custom_node_files(dr, custom))
    return dr


def nodes_by_stage(dr: driver.Driver, files: dict[str, str] | None = None) -> dict[str, list[HamiltonNode]]:
    """The computed (non-input) nodes of each stage, keyed by stage name, in flow order.

    A built-in node belongs to the stage of its module; a custom node to the stage
    `extension.place_custom_nodes` assigns (`custom`, or the stage of its earliest consumer).
    `files` (custom node -> file) only improves error messages.
    """
    by_module = {stage.module_name: stage.name for stage in STAGES if stage.builtin}
    grouped: dict[str, list[HamiltonNode]] = {stage.name: [] for stage in STAGES}
    stage_of: dict[str, str] = {}
    custom: dict[str, HamiltonNode] = {}
    for node in dr.list_available_variables():
        origin = extension.function_of(node)
        if node.is_external_input or origin is None:
            continue
        stage = by_module.get(origin[0])
        if stage is not None:
            grouped[stage].append(node)
            stage_of[node.name] = stage
        elif extension.is_custom_module(origin[0]):
            custom[node.name] = node
    if custom:
        placed = extension.place_custom_nodes(dr, sorted(custom), stage_of, [s.name for s in STAGES], files)
        for name, stage in placed.items():
            grouped[stage].append(custom[name])
    for nodes in grouped.values():
        nodes.sort(key=lambda n: n.name)
    return grouped


def custom_node_names(dr: driver.Driver) -> set[str]:
    """Names of the nodes that come from custom modules (and the extension's rules node)."""
    return {
        node.name
        for node in dr.list_available_variables()
        if (origin := extension.function_of(node)) is not None and extension.is_custom_module(origin[0])
    }


# Code version of each node function this process has hashed, by the function object: Hamilton
# parses and hashes the source of every node anew for each driver (46 nodes, ~0.15 s), which a
# process that runs the pipeline more than once (the web app, the MCP server, a resume after a
# run) paid every time. A module loaded again (a custom module) gives new function objects.
_FUNCTION_VERSIONS: weakref.WeakKeyDictionary[Any, str] = weakref.WeakKeyDictionary()


def _node_version(node: Any) -> str | None:
    functions = node.originating_functions
    if not functions:
        return node.version
    try:
        return _FUNCTION_VERSIONS[functions[0]]
    except (KeyError, TypeError):  # not hashed yet, or not weakly referable
        pass
    version = node.version
    if version is not None:
        try:
            _FUNCTION_VERSIONS[functions[0]] = version
        except TypeError:
            pass
    return version


def node_versions(dr: driver.Driver) -> dict[str, str]:
    """Per-node code version (hash of the function source without docs and comments)."""
    return {
        node.name: version
        for node in dr.list_available_variables()
        if not node.is_external_input and (version := _node_version(node)) is not None
    }


def graph_fingerprint(
    dr: driver.Driver, config: dict[str, Any], versions: dict[str, str] | None = None
) -> dict[str, Any]:
    """What a paused run must find unchanged to resume: node code versions and config hash
    (`versions`: the driver's `node_versions`, when the caller has them already)."""
    config_json = json.dumps(config, sort_keys=True, default=str)
    return {
        "nodes": dict(versions) if versions is not None else node_versions(dr),
        "config_hash": hashlib.sha256(config_json.encode()).hexdigest(),
    }
