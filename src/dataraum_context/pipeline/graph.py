"""Building the Hamilton driver over the stage modules, and fingerprinting it."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
from types import ModuleType
from typing import Any

from hamilton import base, driver
from hamilton.graph_types import HamiltonNode
from hamilton.lifecycle import api as lifecycle_api

from dataraum_context.pipeline.stages import STAGES, StageSpec

# Hamilton logs node failures with tracebacks; the runner reports them itself.
_hamilton_logger = logging.getLogger("hamilton")
_hamilton_logger.addHandler(logging.NullHandler())
_hamilton_logger.propagate = False


def stage_modules(stages: tuple[StageSpec, ...] = STAGES) -> list[ModuleType]:
    return [importlib.import_module(stage.module_name) for stage in stages]


def build_driver(adapters: list[lifecycle_api.LifecycleAdapter] | None = None) -> driver.Driver:
    """A driver over every stage module; results come back as a dict."""
    builder = driver.Builder().with_modules(*stage_modules()).with_adapters(base.DictResult())
    if adapters:
        builder = builder.with_adapters(*adapters)
    return builder.build()


def nodes_by_stage(dr: driver.Driver) -> dict[str, list[HamiltonNode]]:
    """The computed (non-input) nodes of each stage, keyed by stage name."""
    by_module = {stage.module_name: stage.name for stage in STAGES}
    grouped: dict[str, list[HamiltonNode]] = {stage.name: [] for stage in STAGES}
    for node in dr.list_available_variables():
        if node.is_external_input or not node.originating_functions:
            continue
        module = node.originating_functions[0].__module__
        stage = by_module.get(module)
        if stage is not None:
            grouped[stage].append(node)
    for nodes in grouped.values():
        nodes.sort(key=lambda n: n.name)
    return grouped


def node_versions(dr: driver.Driver) -> dict[str, str]:
    """Per-node code version (hash of the function source without docs and comments)."""
    return {
        node.name: node.version
        for node in dr.list_available_variables()
        if not node.is_external_input and node.version is not None
    }


def graph_fingerprint(dr: driver.Driver, config: dict[str, Any]) -> dict[str, Any]:
    """What a paused run must find unchanged to resume: node code versions and config hash."""
    config_json = json.dumps(config, sort_keys=True, default=str)
    return {
        "nodes": node_versions(dr),
        "config_hash": hashlib.sha256(config_json.encode()).hexdigest(),
    }
