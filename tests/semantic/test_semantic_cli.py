"""`dataraum run --ontology`: a broken or unknown ontology is bad input (exit 2, one line)."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import run_cli


def _data(tmp_path: Path) -> Path:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,amount\n1,2.50\n2,3.75\n", encoding="utf-8")
    return path


def test_invalid_ontology_file_exits_2_naming_file_and_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nconcepts:\n  - name: amount\n    description: x\n    indicators: {}\n", encoding="utf-8")
    result = run_cli("run", str(_data(tmp_path)), "--ontology", str(bad), "--review", "defer",
                     "-w", str(tmp_path / "ws"), cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert str(bad) in lines[0] and "concepts[0].indicators.name_patterns: field required" in lines[0]
    assert "Traceback" not in result.stderr


def test_unknown_ontology_name_exits_2(tmp_path: Path) -> None:
    result = run_cli("run", str(_data(tmp_path)), "--ontology", "astrology", "--review", "defer",
                     "-w", str(tmp_path / "ws"), "--json", cwd=tmp_path)
    assert result.returncode == 2
    summary = json.loads(result.stdout)
    assert summary["status"] == "failed" and "unknown ontology 'astrology'" in summary["error"]
    # Found before stage 1 (preflight): no run was started, nothing was written.
    assert summary["run_id"] is None and not (tmp_path / "ws").exists()
