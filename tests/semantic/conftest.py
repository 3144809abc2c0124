"""Fixtures of the semantic tests: whole pipeline runs on the demo data and on TPC-H SF 0.01."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import DEMO_DATA
from semantic_support import PipelineRun, run_pipeline, tpchgen_binary


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    run = run_pipeline([DEMO_DATA], tmp_path_factory.mktemp("demo") / "ws")
    assert run.outcome.status == "completed", run.outcome.error
    return run


@pytest.fixture(scope="session")
def tpch_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    binary = tpchgen_binary()
    if binary is None:
        pytest.skip("tpchgen-cli is not installed (pip install tpchgen-cli; it belongs in the test extra)")
    out = tmp_path_factory.mktemp("tpch") / "csv"
    subprocess.run([binary, "csv", "-s", "0.01", f"--output-dir={out}"], check=True, capture_output=True, timeout=300)
    return out


@pytest.fixture(scope="session")
def tpch_run(tpch_data: Path, tmp_path_factory: pytest.TempPathFactory) -> PipelineRun:
    run = run_pipeline([tpch_data], tmp_path_factory.mktemp("tpch_ws") / "ws")
    assert run.outcome.status == "completed", run.outcome.error
    return run
