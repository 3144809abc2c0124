"""Fake Anthropic and OpenAI servers for the LLM tests (httpx2 mock transports).

The fakes answer with the JSON bodies and headers of the real APIs:

- Anthropic Messages: `{"id": "msg_...", "type": "message", "role": "assistant",
  "content": [{"type": "tool_use", "id": "toolu_...", "name": ..., "input": {...}}],
  "stop_reason": "tool_use", "usage": {"input_tokens", "output_tokens"}}`; errors
  `{"type": "error", "error": {"type": "rate_limit_error", "message": ...}, "request_id": ...}`
  with `retry-after` on 429 and status 529 for `overloaded_error`.
- OpenAI Chat Completions: `{"object": "chat.completion", "choices": [{"index": 0,
  "message": {"role": "assistant", "content": "<json>", "refusal": null},
  "finish_reason": "stop"}], "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}`;
  errors `{"error": {"message", "type", "param", "code"}}`.

No test talks to a real API: the SDK clients get `httpx2.AsyncClient(transport=MockTransport)`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2

from dataraum_context.config import Settings, load_settings
from dataraum_context.llm import ColumnBrief, TableBrief
from dataraum_context.llm.provider import Provider, build_provider

KEYS = {
    "anthropic": "sk-ant-api03-SECRETKEYabcdefghijklmnop0123456789",
    "openai": "sk-proj-SECRETKEYabcdefghijklmnop0123456789",
}
PROVIDERS = ("anthropic", "openai")
BRIEF_MARKER = "Table profile (JSON):\n"




def _brief_from_text(text: str) -> dict[str, Any]:
    start = text.index(BRIEF_MARKER) + len(BRIEF_MARKER)
    return json.loads(text[start:].split("\n", 1)[0])


def valid_answer(brief: dict[str, Any]) -> dict[str, Any]:
    """A schema-valid annotation of the brief's table (first column the key)."""
    columns = brief["columns"]
    return {
        "table_name": brief["table_name"],
        "entity_type": "order",
        "is_fact": True,
        "description": f"One row per {brief['table_name']} record.",
        "grain": [columns[0]["name"]],
        "columns": [
            {
                "column_name": c["name"],
                "semantic_role": "key" if i == 0 else ("measure" if c.get("resolved_type") == "DOUBLE" else "attribute"),
                "entity_type": "order" if i == 0 else None,
                "business_name": c["name"].replace("_", " ").title(),
                "description": f"The {c['name']} of the record.",
                "ontology_term": None,
                "confidence": 0.8,
            }
            for i, c in enumerate(columns)
        ],
    }


@dataclass
class Dialect:
    """How one provider's API looks on the wire."""

    name: str
    url_path: str

    def user_text(self, body: dict[str, Any]) -> str:
        """The first user message (the one carrying the table brief)."""
        return next(m["content"] for m in body["messages"] if m["role"] == "user")

    def brief(self, body: dict[str, Any]) -> dict[str, Any]:
        return _brief_from_text(self.user_text(body))

    def schema_sent(self, body: dict[str, Any]) -> dict[str, Any]:
        if self.name == "anthropic":
            return body["tools"][0]["input_schema"]
        return body["response_format"]["json_schema"]["schema"]

    def ok(self, answer: dict[str, Any] | str, *, input_tokens: int = 1200, output_tokens: int = 300,
           stop: str | None = None) -> httpx2.Response:
        """A successful answer carrying `answer` as the structured output."""
        if self.name == "anthropic":
            block = {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:24]}", "name": "record_table_annotation",
                     "input": answer}
            return httpx2.Response(200, headers={"request-id": "req_011CTest"}, json={
                "id": f"msg_{uuid.uuid4().hex[:24]}", "type": "message", "role": "assistant",
                "model": "claude-sonnet-4-5-20250929", "content": [block],
                "stop_reason": stop or "tool_use", "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                          "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0},
            })
        content = answer if isinstance(answer, str) else json.dumps(answer)
        return httpx2.Response(200, headers={"x-request-id": "req_test"}, json={
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}", "object": "chat.completion", "created": 1735689600,
            "model": "gpt-4o-2024-08-06", "system_fingerprint": "fp_test",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content, "refusal": None},
                         "logprobs": None, "finish_reason": stop or "stop"}],
            "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens},
        })

    def text_only(self, text: str) -> httpx2.Response:
        """An answer without structured output (Anthropic: a text block, no tool_use)."""
        if self.name == "anthropic":
            return httpx2.Response(200, json={
                "id": "msg_text", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn", "stop_sequence": None,
                "usage": {"input_tokens": 1000, "output_tokens": 20},
            })
        return self.ok(text, output_tokens=20)

    def error(self, status: int, kind: str = "", message: str = "error", *, code: str | None = None,
              headers: dict[str, str] | None = None) -> httpx2.Response:
        if self.name == "anthropic":
            kind = kind or {429: "rate_limit_error", 500: "api_error", 529: "overloaded_error",
                            401: "authentication_error"}.get(status, "api_error")
            error: dict[str, Any] = {"type": kind, "message": message}
            if code:
                error["details"] = {"error_code": code}
            return httpx2.Response(status, headers={"request-id": "req_err", **(headers or {})},
                                   json={"type": "error", "error": error, "request_id": "req_err"})
        kind = kind or {429: "requests", 500: "server_error", 401: "invalid_request_error"}.get(status, "server_error")
        return httpx2.Response(status, headers=headers or {},
                               json={"error": {"message": message, "type": kind, "param": None, "code": code}})

    def rate_limited(self, retry_after: str) -> httpx2.Response:
        if self.name == "anthropic":
            return self.error(429, message="Number of request tokens has exceeded your per-minute rate limit",
                              headers={"retry-after": retry_after})
        return self.error(429, "tokens", "Rate limit reached for gpt-4o on tokens per min (TPM). Please try again.",
                          code="rate_limit_exceeded", headers={"retry-after": retry_after})

    def server_error(self) -> httpx2.Response:
        if self.name == "anthropic":
            return self.error(500, message="Internal server error")
        return self.error(500, message="The server had an error while processing your request. Sorry about that!")


DIALECTS = {"anthropic": Dialect("anthropic", "/v1/messages"), "openai": Dialect("openai", "/v1/chat/completions")}

Action = httpx2.Response | Exception | Callable[[httpx2.Request, dict[str, Any]], Any]


@dataclass
class FakeAPI:
    """A scripted fake server: answers from `script` in order, then `default`."""

    dialect: Dialect
    script: list[Action] = field(default_factory=list)
    default: Action | None = None
    requests: list[httpx2.Request] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)

    async def handler(self, request: httpx2.Request) -> httpx2.Response:
        body = json.loads(request.content)
        self.requests.append(request)
        self.bodies.append(body)
        action = self.script.pop(0) if self.script else self.default
        if action is None:
            action = lambda _r, b: self.dialect.ok(valid_answer(self.dialect.brief(b)))  # noqa: E731
        if isinstance(action, Exception):
            raise action
        if callable(action):
            result = action(request, body)
            if asyncio.iscoroutine(result):
                result = await result
            if isinstance(result, Exception):
                raise result
            return result
        return action

    @property
    def wire(self) -> str:
        """Everything sent: URLs, headers except auth, bodies."""
        parts = []
        for request in self.requests:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in ("x-api-key", "authorization")}
            parts.append(f"{request.method} {request.url}\n{headers}\n{request.content.decode('utf-8')}")
        return "\n".join(parts)


@dataclass
class Waits:
    seconds: list[float] = field(default_factory=list)

    async def sleep(self, seconds: float) -> None:
        self.seconds.append(seconds)
        await asyncio.sleep(0)


def make_settings(tmp_path: Path, provider_name: str, **overrides: Any) -> Settings:
    return load_settings(workspace=tmp_path / "ws", llm=provider_name, **overrides)


def mock_provider(settings: Settings, api: FakeAPI) -> Provider:
    """The real provider class and SDK client, talking to the fake server."""
    return build_provider(settings, http_client=httpx2.AsyncClient(transport=httpx2.MockTransport(api.handler)))


def orders_brief(name: str = "orders") -> TableBrief:
    """A small orders table with a PII e-mail column and an unflagged phone-like value."""
    return TableBrief(
        table_name=name,
        row_count=1000,
        ontology="retail",
        ontology_concepts=["order_id", "order_amount", "customer_email"],
        columns=[
            ColumnBrief(name="order_id", resolved_type="BIGINT", pattern=None, unit=None, null_ratio=0.0,
                        distinct_count=1000, cardinality_ratio=1.0, is_pii=False,
                        sample_values=["1001", "1002", "1003", "1004", "1005", "1006", "1007"],
                        stats={"min": 1001, "max": 2000}),
            ColumnBrief(name="customer_email", resolved_type="VARCHAR", pattern="email", unit=None,
                        null_ratio=0.01, distinct_count=640, cardinality_ratio=0.64, is_pii=True,
                        sample_values=["alice.smith@example.com", "bob.jones@example.org"],
                        stats={"min": "aaron@example.net", "max": "zoe@example.com", "max_length": 31,
                               "top_values": ["alice.smith@example.com"]}),
            ColumnBrief(name="amount", resolved_type="DOUBLE", pattern=None, unit="EUR", null_ratio=0.0,
                        distinct_count=870, cardinality_ratio=0.87, is_pii=False,
                        sample_values=["12.50", "7.99", "+49 30 1234567", "x" * 200],
                        stats={"mean": 42.1}),
        ],
    )


def briefs(n: int) -> list[TableBrief]:
    return [orders_brief(f"t{i}") for i in range(n)]
