"""LLM annotation of tables: privacy, cache, budget, concurrency, retries, give-up.

`annotate_tables(briefs, settings, cache=...)` returns one `TableAnnotationProposal`
per table, or None where the caller keeps its deterministic result, and an
`LLMRunReport`. Per table:

1. the brief is made safe to send (`privacy.prepare_brief`);
2. the cache is asked under the content hash of provider, endpoint, model, prompt
   template version and that brief; a valid hit is used without any request;
3. otherwise, under the concurrency cap, the token/cost budget is reserved and the
   provider is called; timeouts, 429 and 5xx are retried by `RetryPolicy`;
4. the answer is validated (`schema.validate_output`); an invalid answer is sent back
   once with the error, a second invalid answer leaves the table to the rules;
5. a valid answer is stored in the cache.

After `RetryPolicy.give_up_after` consecutive failed tables, or one fatal error
(bad key, no quota, unknown model), the provider is given up for the rest of the run;
when the budget cannot cover another call, calling stops. Both are in the report.
Nothing here raises for provider trouble; only configuration mistakes raise
`ConfigError` (unknown provider, missing API key).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy.exc import SQLAlchemyError

from dataraum_context.config import Settings
from dataraum_context.llm.budget import Budget, estimate_tokens
from dataraum_context.llm.cache import LLMCacheStore, cache_key, canonical_json
from dataraum_context.llm.models import LLMRunReport, TableAnnotationProposal, TableBrief
from dataraum_context.llm.privacy import prepare_brief
from dataraum_context.llm.provider import (
    Completion,
    CompletionRequest,
    Provider,
    api_key_for,
    build_provider,
    provider_spec,
)
from dataraum_context.llm.retry import ProviderCallError, RetryPolicy
from dataraum_context.llm.schema import OUTPUT_DESCRIPTION, OUTPUT_NAME, InvalidOutput, output_schema, validate_output
from dataraum_context.llm.templates import PromptTemplate, load_template
from dataraum_context.storage.engine import redact_url

log = logging.getLogger(__name__)

FEATURE = "semantic_analysis"
TEMPLATE_NAME = "semantic_annotation"
TEMPLATE_VERSION = 2  # v2: the brief carries the measured structure (keys, references, kind)
# Output allowance per call: a base plus room per column, capped.
OUTPUT_TOKENS_BASE = 1024
OUTPUT_TOKENS_PER_COLUMN = 200
OUTPUT_TOKENS_MAX = 16_000

T = TypeVar("T")


def max_output_tokens(brief: TableBrief) -> int:
    return min(OUTPUT_TOKENS_BASE + OUTPUT_TOKENS_PER_COLUMN * len(brief.columns), OUTPUT_TOKENS_MAX)


class _TableFailed(Exception):
    """This table gets no LLM annotation (the message says why)."""


class _Stopped(Exception):
    """No more calls in this run (provider given up or budget used)."""


@dataclass
class _RunState:
    provider: Provider
    template: PromptTemplate
    budget: Budget
    policy: RetryPolicy
    report: LLMRunReport
    cache: LLMCacheStore | None
    allow_pii: bool
    consecutive_failures: int = 0
    stop_reason: str | None = None
    skipped: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        text = self.provider.redact(text)
        self.report.messages.append(text)
        log.info("%s", text)

    def stop(self, reason: str, *, gave_up: bool) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
            self.report.gave_up = self.report.gave_up or gave_up
            self.note(reason)

    def table_failed(self, table: str, why: str, *, fatal: bool = False) -> None:
        self.note(f"{table}: no LLM annotation ({why}); the rules decide")
        self.consecutive_failures += 1
        name = self.provider.name
        if fatal:
            self.stop(f"gave up on {name} for the rest of the run: {why}", gave_up=True)
        elif self.consecutive_failures >= self.policy.give_up_after:
            self.stop(
                f"gave up on {name} for the rest of the run after {self.consecutive_failures} failed tables in a row",
                gave_up=True,
            )

    def cache_failed(self, exc: Exception) -> None:
        if self.cache is not None:
            url = redact_url(self.cache.metadata_url)
            self.note(f"LLM cache in {url} unavailable ({type(exc).__name__}); continuing without it")
            self.cache = None


async def _request_once(
    state: _RunState, request: CompletionRequest, retry: tuple[Completion, str] | None, table: str
) -> Completion:
    """One logical call: budget reserved, then up to `max_attempts` HTTP requests."""
    policy = state.policy
    prompt_tokens = estimate_tokens(request.system + request.user)
    reservation = state.budget.reserve(prompt_tokens, request.max_output_tokens)
    if reservation is None:
        budget = state.budget
        raise _Stopped(
            f"LLM budget reached (limits: {budget.max_tokens} tokens, ${budget.max_cost_usd:.2f}; "
            f"used: {budget.input_tokens + budget.output_tokens} tokens, ${budget.cost_usd:.4f}); "
            "no more calls in this run"
        )
    used = (0, 0)
    try:
        for attempt in range(1, policy.max_attempts + 1):
            if state.stop_reason is not None:
                raise _Stopped(state.stop_reason)
            state.report.calls += 1
            try:
                completion = await state.provider.complete(request, retry)
            except ProviderCallError as exc:
                if exc.fatal:
                    raise _TableFailed(str(exc)) from exc
                if not exc.retryable or attempt == policy.max_attempts:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise _TableFailed(f"{exc}{tries}") from exc
                wait = policy.delay(attempt, exc.retry_after)
                log.info("%s: %s; retry %d in %.2fs", table, exc, attempt, wait)
                await policy.sleep(wait)
                continue
            if completion.input_tokens == 0 and completion.output_tokens == 0:
                # A server that reports no usage (some local ones): count estimates.
                completion.input_tokens = prompt_tokens
                completion.output_tokens = estimate_tokens(str(completion.payload or ""))
            used = (completion.input_tokens, completion.output_tokens)
            return completion
        raise AssertionError("unreachable")  # pragma: no cover
    finally:
        state.budget.settle(reservation, *used)


async def _annotate_one(
    state: _RunState, brief: TableBrief, semaphore: asyncio.Semaphore
) -> TableAnnotationProposal | None:
    provider, template = state.provider, state.template
    sent = prepare_brief(brief, allow_pii=state.allow_pii)
    inputs = sent.model_dump(mode="json")
    key = cache_key(
        provider=provider.name, endpoint=provider.endpoint, model=provider.model, prompt=template.ref, inputs=inputs
    )
    if state.cache is not None:
        try:
            hit = await state.cache.aget(key)
        except (SQLAlchemyError, OSError) as exc:
            state.cache_failed(exc)
            hit = None
        if hit is not None:
            try:
                proposal = validate_output(hit.response_json, sent)
            except InvalidOutput:
                log.info("%s: cached answer no longer valid, asking again", brief.table_name)
            else:
                state.report.cache_hits += 1
                return proposal

    async with semaphore:
        if state.stop_reason is not None:
            state.skipped.append(brief.table_name)
            return None
        request = CompletionRequest(
            system=template.render_system(),
            user=template.render_user(
                ontology=sent.ontology or "none chosen",
                concepts=", ".join(sent.ontology_concepts) or "none",
                table_json=canonical_json(inputs),
            ),
            schema=output_schema(),
            schema_name=OUTPUT_NAME,
            schema_description=OUTPUT_DESCRIPTION,
            max_output_tokens=max_output_tokens(sent),
        )
        tokens = [0, 0]
        retry: tuple[Completion, str] | None = None
        try:
            for round_ in (1, 2):
                completion = await _request_once(state, request, retry, brief.table_name)
                tokens[0] += completion.input_tokens
                tokens[1] += completion.output_tokens
                try:
                    if completion.payload is None:
                        raise InvalidOutput(completion.problem or "no structured answer")
                    proposal = validate_output(completion.payload, sent)
                except InvalidOutput as exc:
                    if round_ == 2:
                        raise _TableFailed(f"invalid answer twice: {exc}") from None
                    state.note(f"{brief.table_name}: invalid answer ({exc}); asking once more")
                    retry = (completion, template.render_retry(str(exc)))
                    continue
                break
        except _Stopped as exc:
            state.stop(str(exc), gave_up=False)
            state.skipped.append(brief.table_name)
            return None
        except _TableFailed as exc:
            fatal = isinstance(exc.__cause__, ProviderCallError) and exc.__cause__.fatal
            state.table_failed(brief.table_name, str(exc), fatal=fatal)
            return None
        state.consecutive_failures = 0

    if state.cache is not None:
        try:
            await state.cache.aput(
                key,
                proposal.model_dump(mode="json"),
                feature=FEATURE,
                provider=provider.name,
                model=provider.model,
                prompt_hash=template.sha256,
                ontology=sent.ontology,
                input_tokens=tokens[0],
                output_tokens=tokens[1],
            )
        except (SQLAlchemyError, OSError) as exc:
            state.cache_failed(exc)
    return proposal


async def _guarded(
    state: _RunState, brief: TableBrief, semaphore: asyncio.Semaphore
) -> TableAnnotationProposal | None:
    """`_annotate_one`, with an unexpected error costing this table, not the run."""
    try:
        return await _annotate_one(state, brief, semaphore)
    except Exception as exc:  # noqa: BLE001 - the LLM is optional: the rules decide instead
        log.debug("LLM annotation of %s failed", brief.table_name, exc_info=True)
        state.table_failed(brief.table_name, f"unexpected {type(exc).__name__}: {str(exc)[:200]}")
        return None


async def _annotate_all(
    briefs: list[TableBrief],
    settings: Settings,
    cache: LLMCacheStore | None,
    provider: Provider | None,
    policy: RetryPolicy,
) -> tuple[dict[str, TableAnnotationProposal | None], LLMRunReport]:
    own_provider = provider is None
    if provider is None:
        provider = build_provider(settings, timeout_seconds=policy.timeout_seconds)
    report = LLMRunReport(provider=provider.name, model=provider.model)
    state = _RunState(
        provider=provider,
        template=load_template(TEMPLATE_NAME, TEMPLATE_VERSION),
        budget=Budget(provider.model, settings.llm_max_tokens_per_run, settings.llm_max_cost_usd_per_run),
        policy=policy,
        report=report,
        cache=cache,
        allow_pii=settings.llm_allow_pii_samples,
    )
    if not state.budget.price_known:
        state.note(
            f"no price known for model {provider.model}: cost estimated at "
            f"${state.budget.price[0]}/${state.budget.price[1]} per million input/output tokens"
        )
    semaphore = asyncio.Semaphore(settings.llm_max_concurrency)
    try:
        results = await asyncio.gather(*(_guarded(state, b, semaphore) for b in briefs))
    finally:
        if own_provider:
            await provider.aclose()
        if cache is not None:
            await cache.aclose()
    if state.skipped:
        state.note(f"{len(state.skipped)} tables left to the rules without a call: {', '.join(state.skipped)}")
    report.input_tokens = state.budget.input_tokens
    report.output_tokens = state.budget.output_tokens
    report.cost_usd = round(state.budget.cost_usd, 6)
    return {b.table_name: r for b, r in zip(briefs, results, strict=True)}, report


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion from sync code, even if this thread has a loop running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def annotate_tables(
    briefs: list[TableBrief],
    settings: Settings,
    *,
    cache: LLMCacheStore | None = None,
    provider: Provider | None = None,
    retry: RetryPolicy | None = None,
) -> tuple[dict[str, TableAnnotationProposal | None], LLMRunReport]:
    """LLM annotations for `briefs` (None per table = keep the deterministic result).

    `settings.llm` names the provider (`anthropic` | `openai`); with none configured
    every table is None and no request is made. `cache` (e.g.
    `LLMCacheStore.from_settings(settings)`) makes unchanged tables free on the next
    run; without it every table is asked. `provider` and `retry` are for tests and
    embedding: an already built provider (not closed here) and the retry policy.
    Raises `ConfigError` for an unknown provider or a missing API key.
    """
    if not settings.llm and provider is None:
        report = LLMRunReport(provider="none", model="", messages=["no LLM provider configured"])
        return {b.table_name: None for b in briefs}, report
    if provider is None:
        # Fail fast, before any work, on configuration mistakes.
        api_key_for(provider_spec(settings.llm or ""))
    names = [b.table_name for b in briefs]
    if len(set(names)) != len(names):
        raise ValueError("annotate_tables: table names must be unique")
    return _run(_annotate_all(briefs, settings, cache, provider, retry or RetryPolicy()))
