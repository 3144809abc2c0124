"""OpenAI Chat Completions with structured output (`response_format` JSON schema, strict).

Also any OpenAI-compatible server (vLLM, llama.cpp, Ollama, LM Studio, ...) through
`OPENAI_BASE_URL`, which the SDK reads itself. The answer is
`choices[0].message.content` (JSON text); a server that answers with a tool call
instead is read from `tool_calls[0].function.arguments`. A retry sends the previous
answer back as the assistant turn followed by the validation error.
"""

from __future__ import annotations

from typing import Any

import httpx2
import openai

from dataraum_context.llm.provider import Completion, CompletionRequest, Provider, register_provider

# A GPT-4o-class model; override with `llm_model` (and any model name of a local server).
DEFAULT_MODEL = "gpt-4o"


@register_provider("openai", env_key="OPENAI_API_KEY", base_url_env="OPENAI_BASE_URL", default_model=DEFAULT_MODEL)
class OpenAIProvider(Provider):
    """GPT models through `openai.AsyncOpenAI` (base URL from `OPENAI_BASE_URL`)."""

    name = "openai"

    def __init__(
        self, *, model: str, api_key: str, http_client: httpx2.AsyncClient | None = None,
        timeout_seconds: float = 120.0,
    ) -> None:
        super().__init__(model, api_key)
        self._client = openai.AsyncOpenAI(
            api_key=api_key, max_retries=0, timeout=timeout_seconds, http_client=http_client
        )
        self.endpoint = str(self._client.base_url)

    def _messages(self, request: CompletionRequest, retry: tuple[Completion, str] | None) -> list[dict[str, Any]]:
        messages: list[dict[str, Any]] = [
            {"role": "system", "content": request.system},
            {"role": "user", "content": request.user},
        ]
        if retry is not None:
            previous, instruction = retry
            if isinstance(previous.turn, str) and previous.turn.strip():
                messages.append({"role": "assistant", "content": previous.turn})
                messages.append({"role": "user", "content": instruction})
            else:
                messages[1]["content"] = f"{request.user}\n\n{instruction}"
        return messages

    async def complete(self, request: CompletionRequest, retry: tuple[Completion, str] | None = None) -> Completion:
        try:
            response = await self._client.chat.completions.create(
                model=self.model,
                messages=self._messages(request, retry),
                max_completion_tokens=request.max_output_tokens,
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": request.schema_name,
                        "description": request.schema_description,
                        "schema": request.schema,
                        "strict": True,
                    },
                },
            )
        except openai.APIError as exc:
            raise self.call_error(exc) from None
        if not isinstance(response, openai.types.chat.ChatCompletion):
            return Completion(None, "the server's answer is not a chat completion", 0, 0)
        usage = response.usage
        tokens = (int(usage.prompt_tokens or 0), int(usage.completion_tokens or 0)) if usage else (0, 0)
        if not response.choices:
            return Completion(None, "the answer has no choices", *tokens)
        choice = response.choices[0]
        message = choice.message
        text = message.content
        if not text and message.tool_calls:
            function = getattr(message.tool_calls[0], "function", None)
            text = getattr(function, "arguments", None)
        if message.refusal:
            return Completion(None, f"the model refused: {message.refusal[:200]}", *tokens, turn=text)
        if choice.finish_reason == "length":
            return Completion(None, "the answer was cut off at the output token limit", *tokens, turn=text)
        if not text:
            return Completion(None, f"the answer is empty (finish_reason {choice.finish_reason})", *tokens)
        return Completion(text, None, *tokens, turn=text)

    async def aclose(self) -> None:
        await self._client.close()
