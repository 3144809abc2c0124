"""The provider contract and the registry that picks a provider by name.

A provider turns one `CompletionRequest` (system text, user text, JSON schema, output
allowance) into one `Completion` (the structured answer as a dict or JSON text, or a
`problem` saying why there is none, plus token usage). It makes exactly one HTTP
request per `complete` call: retries belong to the annotator (`retry.RetryPolicy`),
so SDK clients are built with `max_retries=0`. SDK errors become `ProviderCallError`.

Providers register themselves with `@register_provider(name, env_key, default_model)`;
`build_provider(settings)` looks the name up (no if-ladder), reads the API key from
the environment (never from settings or files) and builds the client. The SDKs read
their standard base-URL variables themselves (`ANTHROPIC_BASE_URL`,
`OPENAI_BASE_URL`), which is how OpenAI-compatible local servers are used.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx2

from dataraum_context.config import Settings
from dataraum_context.errors import ConfigError
from dataraum_context.llm.redact import redact
from dataraum_context.llm.retry import ProviderCallError, classify_status, parse_retry_after


@dataclass(frozen=True)
class CompletionRequest:
    system: str
    user: str
    schema: dict[str, Any]
    schema_name: str
    schema_description: str
    max_output_tokens: int


@dataclass
class Completion:
    """One answer. `payload` is the structured output (dict or JSON text) or None."""

    payload: dict[str, Any] | str | None
    problem: str | None
    input_tokens: int
    output_tokens: int
    # Provider-specific record of the assistant turn, to feed a retry back.
    turn: Any = field(default=None, repr=False)


class Provider(ABC):
    """One configured LLM provider with its async SDK client."""

    name: str
    model: str
    endpoint: str  # base URL actually used (part of the cache key; holds no secret)

    def __init__(self, model: str, api_key: str) -> None:
        self.model = model
        self._api_key = api_key

    @abstractmethod
    async def complete(self, request: CompletionRequest, retry: tuple[Completion, str] | None = None) -> Completion:
        """One request. `retry` is the previous answer and the retry instruction to send."""

    @abstractmethod
    async def aclose(self) -> None:
        """Close the SDK client."""

    def redact(self, text: str) -> str:
        return redact(text, [self._api_key])

    def call_error(self, exc: Exception) -> ProviderCallError:
        """An SDK exception as a `ProviderCallError` (one line, key redacted)."""
        response = getattr(exc, "response", None)
        status = getattr(exc, "status_code", None)
        if isinstance(response, httpx2.Response) and isinstance(status, int):
            body = getattr(exc, "body", None)
            error = body.get("error", body) if isinstance(body, dict) else {}
            error = error if isinstance(error, dict) else {}
            details = error.get("details") if isinstance(error.get("details"), dict) else {}
            code = details.get("error_code") or error.get("code") or error.get("type")
            message = str(error.get("message") or "")[:200]
            retryable, fatal = classify_status(status, code if isinstance(code, str) else None)
            text = f"HTTP {status}" + (f" {code}" if code else "") + (f": {message}" if message else "")
            return ProviderCallError(
                self.redact(text), retryable=retryable, fatal=fatal, retry_after=parse_retry_after(response.headers)
            )
        kind = "timeout" if "timeout" in type(exc).__name__.lower() else "connection error"
        return ProviderCallError(self.redact(f"{kind}: {exc}"[:200]), retryable=True)


@dataclass(frozen=True)
class ProviderSpec:
    name: str
    env_key: str
    base_url_env: str
    default_model: str
    factory: Callable[..., Provider]


PROVIDERS: dict[str, ProviderSpec] = {}


def register_provider(
    name: str, *, env_key: str, base_url_env: str, default_model: str
) -> Callable[[Callable[..., Provider]], Callable[..., Provider]]:
    """Class decorator: make a provider selectable as `settings.llm = name`."""

    def decorate(factory: Callable[..., Provider]) -> Callable[..., Provider]:
        PROVIDERS[name] = ProviderSpec(name, env_key, base_url_env, default_model, factory)
        return factory

    return decorate


def provider_spec(name: str) -> ProviderSpec:
    """The registered provider `name`, or a one-line `ConfigError`."""
    import dataraum_context.llm.anthropic_provider
    import dataraum_context.llm.openai_provider  # noqa: F401  (registration)

    try:
        return PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(PROVIDERS))
        raise ConfigError(f"unknown LLM provider {name!r}: use one of {known}") from None


def api_key_for(spec: ProviderSpec) -> str:
    """The provider's API key from the environment, or a one-line `ConfigError`."""
    key = os.environ.get(spec.env_key, "").strip()
    if not key:
        hint = (
            " (a local OpenAI-compatible server accepts any value)"
            if os.environ.get(spec.base_url_env)
            else ""
        )
        raise ConfigError(f"{spec.env_key} is not set: export it to use --llm {spec.name}{hint}")
    return key


def build_provider(
    settings: Settings, *, http_client: httpx2.AsyncClient | None = None, timeout_seconds: float = 120.0
) -> Provider:
    """The provider named by `settings.llm`, model `settings.llm_model` or its default.

    `http_client` replaces the SDK's HTTP client (tests pass one with a mock transport).
    """
    if not settings.llm:
        raise ConfigError("no LLM provider configured: use --llm anthropic or --llm openai")
    spec = provider_spec(settings.llm)
    model = settings.llm_model or spec.default_model
    return spec.factory(
        model=model, api_key=api_key_for(spec), http_client=http_client, timeout_seconds=timeout_seconds
    )
