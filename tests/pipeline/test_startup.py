"""A run's start-up (issue 14): what a process imports before the first stage, and the garbage
collector paused while start-up builds (pipeline/startup.py). Fresh interpreters: what this
test process has imported already says nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

from dataraum_context.pipeline import startup

# Needed by no stage before its own (or only with an option): never imported by start-up.
LATE_MODULES = ("networkx", "alembic", "httpx2", "dataraum_context.llm.annotate")


def _python(code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATARAUM_", "HAMILTON_"))}
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr
    return result


def test_start_up_imports_no_module_only_later_stages_need(tmp_path: Path) -> None:
    """The runner, the store's models and the whole Hamilton graph, as a run builds them
    before its first stage, without the modules of later stages (or of options not given)."""
    result = _python(
        f"""
        import asyncio, sys
        from dataraum_context.pipeline import runner
        from dataraum_context.pipeline.graph import build_driver, node_versions
        from dataraum_context.pipeline.stages import init_store
        from dataraum_context.storage.engine import create_engine

        async def store():
            engine = create_engine("sqlite+aiosqlite:///{tmp_path / 'metadata.db'}")
            await init_store(engine)  # a new store: created and stamped without Alembic
            await engine.dispose()

        asyncio.run(store())
        node_versions(build_driver())
        print(sorted(m for m in {LATE_MODULES!r} if m in sys.modules))
        """,
        tmp_path,
    )
    assert result.stdout.strip() == "[]"


def test_the_collector_waits_for_the_first_stage_of_a_dataraum_run(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,name\n1,a\n2,b\n")
    seen = tmp_path / "seen.json"
    _python(
        f"""
        import gc, json, sys
        from dataraum_context.pipeline import startup
        startup.begin_startup()  # what the `dataraum` script does first
        from dataraum_context import cli
        from dataraum_context.pipeline import runner

        seen = {{}}
        build = runner._Executor.__init__
        def init(self, *args, **kwargs):
            seen["while building"] = gc.isenabled()
            build(self, *args, **kwargs)
        runner._Executor.__init__ = init
        drive = runner._Executor.drive
        async def first_stage(self, *args, **kwargs):
            seen["first stage"] = [gc.isenabled(), gc.get_freeze_count() > 0]
            return await drive(self, *args, **kwargs)
        runner._Executor.drive = first_stage
        code = cli.main(["run", "a.csv", "--review", "defer", "--json", "--workspace", "ws"])
        seen["exit"] = code
        seen["hamilton plugins"] = sorted(m for m in sys.modules if m.startswith("hamilton.plugins."))
        seen["after status"] = [cli.main(["status", "--json", "--workspace", "ws"]), gc.isenabled()]
        open({str(seen)!r}, "w").write(json.dumps(seen))
        """,
        tmp_path,
    )
    assert json.loads(seen.read_text()) == {
        "while building": False, "first stage": [True, True], "exit": 0, "after status": [0, True],
        "hamilton plugins": [],
    }


def test_a_command_without_stages_turns_the_collector_on_at_once(tmp_path: Path) -> None:
    result = _python(
        """
        import gc
        from dataraum_context.pipeline import startup
        startup.begin_startup()
        from dataraum_context import cli
        before = gc.isenabled()
        cli.main(["status", "--json", "--workspace", "ws"])  # no workspace there: exit 2, one line
        print(before, gc.isenabled())
        """,
        tmp_path,
    )
    assert result.stdout.split()[-2:] == ["False", "True"]


def test_startup_done_leaves_a_process_that_did_not_pause_alone() -> None:
    """The Python API in someone's program: its collector settings are its own."""
    import gc

    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    startup.startup_done()
    assert gc.isenabled() and gc.get_freeze_count() == frozen
