"""LLM providers (Anthropic, OpenAI and OpenAI-compatible servers) behind one contract."""

from dataraum_context.llm.providers.base import (
    PROVIDERS,
    Completion,
    CompletionRequest,
    Provider,
    ProviderSpec,
    api_key_for,
    build_provider,
    provider_spec,
    register_provider,
)

__all__ = [
    "PROVIDERS",
    "Completion",
    "CompletionRequest",
    "Provider",
    "ProviderSpec",
    "api_key_for",
    "build_provider",
    "provider_spec",
    "register_provider",
]
