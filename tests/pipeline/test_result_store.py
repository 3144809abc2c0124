"""The result store: node outputs stored once by content, checkpoints refer to them,
retention deletes what nothing refers to, and a value that would not load back equal
is refused when it is stored."""

from __future__ import annotations

import asyncio
import json
import math
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa
from pydantic import BaseModel, Field

from dataraum_context.errors import DataraumError
from dataraum_context.pipeline import results
from dataraum_context.pipeline.db_models import Checkpoint, CheckpointResult, NodeResult, Run
from dataraum_context.pipeline.runstore import prune_results
from dataraum_context.pipeline.serialize import dump_outputs, same_value
from dataraum_context.storage.engine import create_engine, session_factory
from dataraum_context.pipeline.stages import init_store
from helpers import DEMO_DATA, metadata_rows, run_cli


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return f"sqlite+aiosqlite:///{tmp_path / 'metadata.db'}"


def test_a_value_is_stored_once_and_pruned_when_nothing_refers_to_it(store_url: str) -> None:
    shared = {"tables": ["orders", "customers"], "n": 2, "text": "Zürich ✓ 'q' \"d\""}

    async def go() -> None:
        engine = create_engine(store_url)
        try:
            await init_store(engine)
            factory = session_factory(engine)
            async with factory() as session, session.begin():
                old, new = Run(status="completed"), Run(status="completed")
                session.add_all([old, new])
                await session.flush()
                refs = []
                for run, extra in ((old, {"only": "old"}), (new, {"only": "new"})):
                    checkpoint = Checkpoint(run_id=run.run_id, dataflow_name="s", status="completed",
                                            checkpoint_type="stage")
                    session.add(checkpoint)
                    await session.flush()
                    refs.append(await results.put_results(
                        session, checkpoint.checkpoint_id, {"out:a": shared, "memo:k": shared, "out:b": extra}
                    ))
            # The shared value is one row; each checkpoint refers to it.
            assert refs[0]["out:a"] == refs[0]["memo:k"] == refs[1]["out:a"]
            async with factory() as session:
                assert (await results.stored_size(session))[0] == 3
                back = await results.get_results(session, [refs[0]["out:a"], refs[1]["out:b"]])
                assert back == {refs[0]["out:a"]: shared, refs[1]["out:b"]: {"only": "new"}}
            # Keep only the newest run: the old run's own value goes, the shared one stays.
            async with factory() as session, session.begin():
                await prune_results(session, keep=1)
            async with factory() as session:
                left = set((await session.execute(sa.select(NodeResult.content_hash))).scalars())
                assert left == {refs[1]["out:a"], refs[1]["out:b"]}
                assert (await session.execute(sa.select(sa.func.count()).select_from(CheckpointResult))).scalar() == 2
                with pytest.raises(DataraumError, match="lost 1 saved result"):
                    await results.get_results(session, [refs[0]["out:b"]])
        finally:
            await engine.dispose()

    asyncio.run(go())


def test_checkpoints_written_before_the_result_store_are_still_read(store_url: str) -> None:
    async def go() -> None:
        engine = create_engine(store_url)
        try:
            await init_store(engine)
            async with session_factory(engine)() as session:
                legacy = {"outputs": {"x": [1, 2]}, "memo": {"k": {"node": "x", "value": [1, 2]}}}
                assert await results.checkpoint_outputs(session, legacy) == {"x": [1, 2]}
                assert await results.checkpoint_memo(session, [legacy]) == {"k": {"node": "x", "value": [1, 2]}}
        finally:
            await engine.dispose()

    asyncio.run(go())


class _WithSecret(BaseModel):
    name: str
    secret: str = Field(default="", exclude=True)


class _Plain(BaseModel):
    name: str
    ratio: float | None = None


def test_a_value_that_does_not_load_back_equal_is_refused_when_stored() -> None:
    # A field left out of the dump would come back empty on resume: refused now, not then.
    with pytest.raises(DataraumError, match="does not load back equal"):
        dump_outputs({"n": _WithSecret}, {"n": _WithSecret(name="a", secret="pw")})
    assert dump_outputs({"n": _WithSecret}, {"n": _WithSecret(name="a")}) == {"n": {"name": "a"}}
    # NaN is not JSON (PostgreSQL's JSONB refuses it, other readers turn it into null).
    with pytest.raises(DataraumError, match="not valid JSON"):
        results.canonical(dump_outputs({"n": _Plain}, {"n": _Plain(name="a", ratio=math.nan)})["n"])
    assert dump_outputs({"n": list[_Plain]}, {"n": [_Plain(name="a", ratio=0.1)]}) == {"n": [{"name": "a", "ratio": 0.1}]}
    assert same_value([_Plain(name="a", ratio=math.nan)], [_Plain(name="a", ratio=math.nan)])
    assert not same_value(_WithSecret(name="a", secret="x"), _WithSecret(name="a"))


def test_an_unchanged_rerun_stores_almost_nothing_new(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DEMO_DATA, data)
    env = {"DATARAUM_WORKSPACE": str(tmp_path / "ws")}

    def run() -> None:
        result = run_cli("run", str(data), "--review", "auto", "--json", cwd=tmp_path, env=env)
        assert result.returncode == 0, result.stderr

    def stored() -> tuple[int, int]:
        [(count, size)] = metadata_rows(env, "SELECT count(*), coalesce(sum(size_bytes), 0) FROM node_results")
        return int(count), int(size)

    run()
    first = stored()
    run()
    second = stored()
    assert first[1] > 0
    # Outputs are stored by content: a second run of the same data adds only what differs
    # (run-specific values), a small fraction of the first run's results.
    assert second[1] - first[1] < first[1] * 0.1, (first, second)
    states = metadata_rows(env, "SELECT checkpoint_state FROM checkpoints")
    for (state,) in states:
        state = json.loads(state) if isinstance(state, str) else state
        assert "outputs" not in state and all(len(h) == 64 for h in state["results"].values())
