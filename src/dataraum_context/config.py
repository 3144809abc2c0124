"""Settings: workspace, metadata URL, thresholds, LLM.

Read from (highest first) explicit arguments, `DATARAUM_*` environment variables,
then defaults. The workspace holds `data.duckdb` (raw/typed/quarantine layers)
and, unless a metadata URL is given, `metadata.db` (SQLite).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import quote
from collections.abc import Callable
from typing import Any

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from dataraum_context.errors import ConfigError
from dataraum_context.yamlfile import read_yaml

DEFAULT_WORKSPACE = ".dataraum"


ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def expand_env(text: str, missing: Callable[[str], Exception]) -> str:
    """`${VAR}` in a URL replaced by the variable's value (quoted for a URL); an unset
    variable raises `missing(name)`. Secrets are named in URLs and files, never written there."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in os.environ:
            raise missing(name)
        return quote(os.environ[name], safe="")

    return ENV_REF.sub(value, text)


def _unset_in_metadata_url(name: str) -> Exception:
    return ConfigError(f"the metadata URL names ${{{name}}}, which is not set")


def default_table_parallelism() -> int:
    """min(4, CPUs): DuckDB runs each query on every core already, so more tables at once
    only fill the gaps of the small queries and of the Python between them."""
    return max(1, min(4, os.cpu_count() or 1))


class Settings(BaseSettings):
    """Run-wide settings."""

    model_config = SettingsConfigDict(env_prefix="DATARAUM_", extra="ignore")

    workspace: Path = Field(default=Path(DEFAULT_WORKSPACE))
    metadata_url: str | None = None
    review: str = "block"
    ontology: str | None = None
    llm: str | None = None
    # Confidence at or above which a machine decision is taken without review.
    auto_accept_threshold: float = Field(default=0.9, ge=0.0, le=1.0)
    # Semantic annotations below this confidence become `semantic_review` items.
    semantic_review_threshold: float = Field(default=0.6, ge=0.0, le=1.0)
    # Rows in the uniform random sample that value-level detectors look at.
    sample_size: int = Field(default=10_000, gt=0)
    sample_seed: int = 42
    # Column-name globs -> DuckDB type, applied before evidence (decision_source 'rule').
    # From the environment as JSON: DATARAUM_TYPE_RULES='{"*_code": "VARCHAR"}'.
    type_rules: dict[str, str] = Field(default_factory=dict)
    # Quality rules written by hand (`--rules FILE`, YAML).
    rules_file: Path | None = None
    # LLM (optional everywhere): provider 'anthropic' | 'openai', model, limits.
    llm_model: str | None = None
    llm_max_concurrency: int = Field(default=4, gt=0)
    llm_max_tokens_per_run: int = Field(default=200_000, gt=0)
    llm_max_cost_usd_per_run: float = Field(default=2.0, ge=0.0)
    llm_allow_pii_samples: bool = False
    # Lifetime of an llm_cache row (expires_at = created + TTL); None: never expires.
    llm_cache_ttl_seconds: int | None = Field(default=30 * 24 * 3600, gt=0)
    # How long a run waits for another run on the same workspace to finish.
    lock_timeout_seconds: float = Field(default=600.0, ge=0.0)
    # Reuse results of unchanged inputs from the previous run (scheduled runs).
    reuse_unchanged: bool = True
    # Saved results (checkpoints, memo) of this many recent runs are kept, plus those of
    # paused and interrupted runs; older ones are pruned when a run ends.
    keep_runs: int = Field(default=5, ge=1)
    # Read-only queries (Python API, `dataraum mcp`): stopped after this many seconds.
    query_timeout_seconds: float = Field(default=10.0, gt=0.0)
    # DuckDB's memory limit for a run (its buffer pool: cached table blocks, hash tables, sorts),
    # e.g. '1GB'; beyond it DuckDB spills to `<workspace>/duckdb_tmp`. None: DuckDB's default
    # (80% of the machine's memory).
    duckdb_memory_limit: str | None = "600MB"
    # Compress text columns in the workspace's DuckDB file (DuckDB's dictionary + FSST). Off by
    # default: it doubles the time of writing the raw layer (all text) for files ~2.5x smaller.
    duckdb_compress_text: bool = False
    # Tables whose per-table work (staging, profiling, type resolution) runs at once, each on
    # its own DuckDB cursor; 1: one after another. Never changes results, so a run does not
    # record it: a resume uses the resuming process's value.
    table_parallelism: int = Field(default_factory=lambda: default_table_parallelism(), ge=1, le=64)
    # Extra Hamilton modules with custom nodes (`--module FILE`).
    modules: list[Path] = Field(default_factory=list)

    @field_validator("duckdb_memory_limit")
    @classmethod
    def _check_memory_limit(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"\s*\d+(\.\d+)?\s*([KMGT]i?B|B)\s*", value, re.IGNORECASE):
            raise ValueError("must be an amount of memory such as '600MB' or '2GB'")
        return value

    @field_validator("review")
    @classmethod
    def _check_review(cls, value: str) -> str:
        if value not in ("block", "defer", "auto"):
            raise ValueError("must be one of block, defer, auto")
        return value

    @property
    def duckdb_path(self) -> Path:
        return self.workspace / "data.duckdb"

    @property
    def resolved_metadata_url(self) -> str:
        """The metadata URL to connect with. A password may be named, not written, in the
        config file or environment: `postgresql://user:${PGPASSWORD}@host/db` reads the
        variable here, so the secret itself never sits in a file."""
        if self.metadata_url:
            return expand_env(self.metadata_url, _unset_in_metadata_url)
        return f"sqlite+aiosqlite:///{(self.workspace / 'metadata.db').resolve()}"


def read_config_file(path: Path) -> dict[str, Any]:
    """Settings from a YAML file (keys are Settings field names)."""
    data = read_yaml(path, "config file", ConfigError)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path}: expected a mapping of settings")
    unknown = sorted(set(data) - set(Settings.model_fields))
    if unknown:
        raise ConfigError(f"config file {path}: unknown setting {unknown[0]!r}")
    return data


def load_settings(config_file: Path | None = None, **overrides: object) -> Settings:
    """Settings: environment, then the YAML config file, then explicit (non-None) overrides."""
    given: dict[str, Any] = read_config_file(config_file) if config_file is not None else {}
    given.update({k: v for k, v in overrides.items() if v is not None})
    try:
        settings = Settings(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "settings"
        raise ConfigError(f"invalid setting {where}: {first.get('msg')}") from None
    settings.workspace = Path(os.path.expanduser(str(settings.workspace)))
    return settings
