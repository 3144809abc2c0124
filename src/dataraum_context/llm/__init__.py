"""LLM annotator (optional): providers, versioned prompts, cache, budget, privacy.

Public interface (used by the semantic stage; keep the names):

    from dataraum_context.llm import annotate_tables, LLMCacheStore, TableBrief, ColumnBrief

    proposals, report = annotate_tables(
        briefs,                                  # list[TableBrief], one per table
        settings,                                # settings.llm: 'anthropic' | 'openai'
        cache=LLMCacheStore.from_settings(settings),   # optional; None = no cache
    )
    # proposals: {table_name: TableAnnotationProposal | None}; None = keep the rules' result
    # report: LLMRunReport(provider, model, calls, cache_hits, input_tokens, output_tokens,
    #                      cost_usd, gave_up, messages)

Synchronous; call it from a worker thread (a Hamilton node). It runs its own event
loop (`asyncio.run`) to make up to `llm_max_concurrency` requests at once.

Settings (`dataraum_context.config.Settings`):
- `llm`: provider name; None = no LLM, every table None, no request.
- `llm_model`: default `claude-sonnet-4-6` (anthropic) / `gpt-4o` (openai). Any model name
  of an OpenAI-compatible server works with `OPENAI_BASE_URL`.
- `llm_max_concurrency`, `llm_max_tokens_per_run`, `llm_max_cost_usd_per_run`: limits per
  run; cost uses the approximate price table in `llm.budget`.
- `llm_allow_pii_samples` (False): see `llm.privacy`.
- `llm_cache_ttl_seconds`: lifetime of cache rows.

Environment only: `ANTHROPIC_API_KEY`, `OPENAI_API_KEY` (missing: `ConfigError`),
`ANTHROPIC_BASE_URL`, `OPENAI_BASE_URL` (read by the SDKs). Keys are never logged,
stored or reported; provider error texts are redacted (`llm.redact`).

Modules: `models` (briefs and proposals), `annotate` (the orchestration), `provider`
(contract and registry), `anthropic_provider` (tool use), `openai_provider` (JSON-schema
output; OpenAI-compatible servers), `templates` + `prompts/`
(versioned prompt files), `schema` (output schema, validation), `privacy`, `cache`
(`llm_cache`), `budget` (tokens, prices), `retry` (backoff, give-up), `redact`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dataraum_context.llm.annotate import FEATURE, annotate_tables
    from dataraum_context.llm.cache import LLMCacheStore, cache_key
    from dataraum_context.llm.models import (
        ColumnAnnotationProposal,
        ColumnBrief,
        LLMRunReport,
        TableAnnotationProposal,
        TableBrief,
    )
    from dataraum_context.llm.retry import RetryPolicy

# The public names, imported on first use (PEP 562): a run imports this package for its
# metadata table (`llm.db_models`) and its briefs; the annotator, its providers and HTTP
# client (~0.07 s of imports) only when an LLM is configured.
_PUBLIC = {
    "FEATURE": "annotate",
    "annotate_tables": "annotate",
    "LLMCacheStore": "cache",
    "cache_key": "cache",
    "ColumnAnnotationProposal": "models",
    "ColumnBrief": "models",
    "LLMRunReport": "models",
    "TableAnnotationProposal": "models",
    "TableBrief": "models",
    "RetryPolicy": "retry",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    module = _PUBLIC.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_PUBLIC})
