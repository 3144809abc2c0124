"""Anthropic Messages API with tool use: the schema is the tool's `input_schema`.

The request forces the one tool (`tool_choice: {"type": "tool", ...}`); the answer is
the `input` of the `tool_use` content block. A retry answers that block with a
`tool_result` marked `is_error` that carries the validation error.
"""

from __future__ import annotations

from typing import Any

import anthropic
import httpx2

from dataraum_context.llm.provider import Completion, CompletionRequest, Provider, register_provider

# A current Claude Sonnet; override with `llm_model`.
DEFAULT_MODEL = "claude-sonnet-4-6"


@register_provider("anthropic", env_key="ANTHROPIC_API_KEY", base_url_env="ANTHROPIC_BASE_URL",
                   default_model=DEFAULT_MODEL)
class AnthropicProvider(Provider):
    """Claude through `anthropic.AsyncAnthropic` (base URL from `ANTHROPIC_BASE_URL`)."""

    name = "anthropic"

    def __init__(
        self, *, model: str, api_key: str, http_client: httpx2.AsyncClient | None = None,
        timeout_seconds: float = 120.0,
    ) -> None:
        super().__init__(model, api_key)
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key, max_retries=0, timeout=timeout_seconds, http_client=http_client
        )
        self.endpoint = str(self._client.base_url)

    def _messages(self, request: CompletionRequest, retry: tuple[Completion, str] | None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [{"role": "user", "content": request.user}]
        if retry is None:
            return messages
        previous, instruction = retry
        block = previous.turn
        if isinstance(block, dict) and block.get("type") == "tool_use":
            messages.append({"role": "assistant", "content": [block]})
            messages.append({"role": "user", "content": [
                {"type": "tool_result", "tool_use_id": block["id"], "is_error": True, "content": instruction}
            ]})
        elif isinstance(block, str) and block.strip():
            messages.append({"role": "assistant", "content": block})
            messages.append({"role": "user", "content": instruction})
        else:
            messages[0]["content"] = f"{request.user}\n\n{instruction}"
        return messages

    async def complete(self, request: CompletionRequest, retry: tuple[Completion, str] | None = None) -> Completion:
        try:
            message = await self._client.messages.create(
                model=self.model,
                max_tokens=request.max_output_tokens,
                system=request.system,
                messages=self._messages(request, retry),
                tools=[{
                    "name": request.schema_name,
                    "description": request.schema_description,
                    "input_schema": request.schema,
                }],
                tool_choice={"type": "tool", "name": request.schema_name},
            )
        except anthropic.APIError as exc:
            raise self.call_error(exc) from None
        if not isinstance(message, anthropic.types.Message):
            return Completion(None, "the server's answer is not a Messages API response", 0, 0)
        usage = message.usage
        tokens = (int(usage.input_tokens or 0), int(usage.output_tokens or 0)) if usage else (0, 0)
        block = next(
            (b for b in message.content if b.type == "tool_use" and getattr(b, "name", None) == request.schema_name),
            None,
        )
        text = "".join(getattr(b, "text", "") for b in message.content if b.type == "text")
        if block is None:
            problem = f"no {request.schema_name} tool call in the answer (stop_reason {message.stop_reason})"
            return Completion(None, problem, *tokens, turn=text)
        turn = {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
        if message.stop_reason == "max_tokens":
            return Completion(None, "the answer was cut off at the output token limit", *tokens, turn=turn)
        payload = block.input if isinstance(block.input, dict) else None
        problem = None if payload is not None else "the tool input is not a JSON object"
        return Completion(payload, problem, *tokens, turn=turn)

    async def aclose(self) -> None:
        await self._client.close()
