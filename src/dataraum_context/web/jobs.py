"""Resume in the background: one job at a time, in a thread with its own event loop,
through `Workspace.resume` (what `dataraum resume` calls). The page polls the
job's progress (stage, node, nodes done) until the run completes or pauses again."""

from __future__ import annotations

import contextlib
import threading
import uuid
from dataclasses import dataclass, field
from typing import Any

from dataraum_context.config import Settings
from dataraum_context.pipeline.stages import CUSTOM_STAGE, stage_names


def _flow() -> list[str]:
    return [name for name in stage_names() if name != CUSTOM_STAGE]


@dataclass
class Job:
    id: str
    run_id: str | None
    state: str = "running"  # running | completed | paused | failed | interrupted | noop ...
    stage: str | None = None
    node: str | None = None
    nodes_done: int = 0
    nodes_total: int = 0
    stages_done: list[str] = field(default_factory=list)
    stages: list[str] = field(default_factory=_flow)
    """Every stage of the flow, in order (the custom stage joins when its nodes run)."""
    message: str | None = None
    error: str | None = None
    result_run_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "percent": self.percent}

    @property
    def percent(self) -> int:
        """The whole run's progress: stages done, plus the share of the current stage's nodes."""
        if self.state == "completed":
            return 100
        done = len([s for s in self.stages if s in self.stages_done])
        current = self.nodes_done / self.nodes_total if self.state == "running" and self.nodes_total else 0.0
        return min(100, round(100 * (done + current) / max(1, len(self.stages))))


class _Listener:
    """The runner's progress protocol, written into the job (read by the page)."""

    def __init__(self, job: Job) -> None:
        self.job = job

    def stage_started(self, stage: str, node_count: int) -> None:
        job = self.job
        if stage not in job.stages:
            job.stages.append(stage)
        # A resumed run starts after its last committed stage: the ones before it are done.
        for earlier in job.stages[: job.stages.index(stage)]:
            if earlier not in job.stages_done:
                job.stages_done.append(earlier)
        job.stage, job.nodes_done, job.nodes_total, job.node = stage, 0, node_count, None

    def node_started(self, node: str) -> None:
        self.job.node = node

    def node_finished(self, node: str, success: bool) -> None:
        self.job.nodes_done += 1

    def stage_finished(self, stage: str) -> None:
        self.job.stages_done.append(stage)


class Jobs:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        self.threads: list[threading.Thread] = []

    def running(self) -> Job | None:
        return next((j for j in self.jobs.values() if j.state == "running"), None)

    def start_resume(self, run_id: uuid.UUID | None) -> Job:
        """Start resuming `run_id` (None: the latest paused or interrupted run); a job
        already running is returned instead of starting a second one."""
        with self._lock:
            busy = self.running()
            if busy is not None:
                return busy
            job = Job(id=uuid.uuid4().hex[:12], run_id=str(run_id) if run_id else None)
            self.jobs[job.id] = job
            thread = threading.Thread(target=self._resume, args=(job, run_id), name=f"resume-{job.id}", daemon=True)
            self.threads.append(thread)
            thread.start()
            return job

    def _resume(self, job: Job, run_id: uuid.UUID | None) -> None:
        """`Workspace.resume`, what `dataraum resume` calls (the run's recorded options are
        checked first), reporting to the job."""
        from dataraum_context.api import Workspace
        from dataraum_context.errors import DataraumError

        try:
            ws = Workspace(self.settings.workspace, self.settings.metadata_url)
            with contextlib.suppress(Exception):  # progress display only: the resume reports store problems
                ws.read(lambda session: _known_progress(session, job, run_id))
            result = ws.resume(str(run_id) if run_id else None, progress=_Listener(job))
        except DataraumError as exc:
            job.state, job.error = "failed", str(exc)
            return
        except Exception as exc:  # shown as one line on the page, never a traceback
            job.state, job.error = "failed", (str(exc).strip().splitlines() or [type(exc).__name__])[0]
            return
        job.result_run_id = result.run_id
        job.message = result.message
        job.error = result.error
        job.state = result.status
        if result.status == "completed":
            job.stages_done = list(job.stages)

    def wait(self, timeout: float | None = None) -> None:
        for thread in list(self.threads):
            thread.join(timeout)


async def _known_progress(session: Any, job: Job, run_id: uuid.UUID | None) -> None:
    """The stages the run committed before this job: shown done from the first refresh."""
    from dataraum_context.pipeline.db_models import Run
    from dataraum_context.pipeline.runstore import latest_resumable

    run = await session.get(Run, run_id) if run_id is not None else await latest_resumable(session)
    if run is not None:
        job.run_id = job.run_id or str(run.run_id)
        job.stages_done = [s for s in job.stages if s in (run.completed_stages or [])]
