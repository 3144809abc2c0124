"""annotate_tables against fake Anthropic and OpenAI servers (every test runs for both).

The real SDK clients and provider classes are used; only the network is a mock
transport. Tests assert what was SENT (model, schema, no PII, no key) as much as
what came back.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import httpx2
import pytest
from llm_fakes import KEYS, FakeAPI, briefs, make_settings, mock_provider, orders_brief, valid_answer

from dataraum_context.errors import ConfigError
from dataraum_context.llm import TableAnnotationProposal, annotate_tables
from dataraum_context.llm.budget import price_for
from dataraum_context.llm.schema import output_schema


def _run(settings, api, policy, items=None, cache=None):
    provider = mock_provider(settings, api)
    return annotate_tables(items or [orders_brief()], settings, cache=cache, provider=provider, retry=policy)


def test_success_sends_model_schema_and_reads_structured_answer(settings, api, dialect, policy, provider_name):
    results, report = _run(settings, api, policy)

    proposal = results["orders"]
    assert isinstance(proposal, TableAnnotationProposal)
    assert [c.column_name for c in proposal.columns] == ["order_id", "customer_email", "amount"]
    assert proposal.columns[0].semantic_role == "key" and proposal.columns[2].semantic_role == "measure"
    assert proposal.grain == ["order_id"] and proposal.is_fact is True

    assert len(api.requests) == 1
    request, body = api.requests[0], api.bodies[0]
    assert request.url.path == dialect.url_path
    expected_model = "claude-sonnet-4-6" if provider_name == "anthropic" else "gpt-4o"
    assert body["model"] == expected_model
    assert dialect.schema_sent(body) == output_schema()
    if provider_name == "anthropic":
        assert body["tools"][0]["name"] == "record_table_annotation"
        assert body["tool_choice"] == {"type": "tool", "name": "record_table_annotation"}
        assert "semantic role" in body["system"]
        # this SDK generation sends the key as a bearer token (older ones: x-api-key)
        assert KEYS["anthropic"] in (request.headers.get("x-api-key"), request.headers.get("authorization", "")[7:])
    else:
        assert body["response_format"]["type"] == "json_schema"
        assert body["response_format"]["json_schema"]["strict"] is True
        assert body["messages"][0]["role"] == "system"
        assert request.headers["authorization"] == f"Bearer {KEYS['openai']}"
    assert dialect.brief(body)["table_name"] == "orders"

    assert (report.provider, report.model, report.calls, report.cache_hits) == (provider_name, expected_model, 1, 0)
    assert (report.input_tokens, report.output_tokens) == (1200, 300)
    price_in, price_out = price_for(expected_model)
    assert report.cost_usd == pytest.approx((1200 * price_in + 300 * price_out) / 1e6)
    assert report.gave_up is False


def test_429_with_retry_after_then_success(settings, api, dialect, policy, waits):
    api.script = [dialect.rate_limited("7")]
    results, report = _run(settings, api, policy)
    assert results["orders"] is not None
    assert len(api.requests) == 2 and report.calls == 2
    assert waits.seconds == [7.0]  # the header's wait, not the backoff


def test_retry_after_is_capped_by_the_policy(settings, api, dialect, waits):
    from dataraum_context.llm import RetryPolicy

    api.script = [dialect.rate_limited("3600")]
    results, _ = _run(settings, api, RetryPolicy(max_delay=2.0, sleep=waits.sleep))
    assert results["orders"] is not None and waits.seconds == [2.0]


def test_500_and_overload_then_success_with_exponential_backoff(settings, api, dialect, policy, waits):
    api.script = [dialect.server_error(), dialect.error(503, message="Service Unavailable"), dialect.server_error()]
    results, report = _run(settings, api, policy)
    assert results["orders"] is not None
    assert report.calls == 4
    # base 0.5s doubling, with jitter in [50%, 100%]
    assert 0.25 <= waits.seconds[0] <= 0.5 and 0.5 <= waits.seconds[1] <= 1.0 and 1.0 <= waits.seconds[2] <= 2.0


def test_anthropic_529_overloaded_is_retried(tmp_path, monkeypatch, policy, waits):
    from llm_fakes import DIALECTS

    monkeypatch.setenv("ANTHROPIC_API_KEY", KEYS["anthropic"])
    dialect = DIALECTS["anthropic"]
    api = FakeAPI(dialect, script=[dialect.error(529, message="Overloaded")])
    results, report = _run(make_settings(tmp_path, "anthropic"), api, policy)
    assert results["orders"] is not None and report.calls == 2


def test_timeout_then_success(settings, api, policy, waits):
    api.script = [lambda request, body: httpx2.ReadTimeout("The read operation timed out", request=request)]
    results, report = _run(settings, api, policy)
    assert results["orders"] is not None
    assert report.calls == 2 and len(waits.seconds) == 1


def test_retries_are_bounded(settings, api, dialect, policy):
    api.default = lambda request, body: dialect.server_error()
    results, report = _run(settings, api, policy)
    assert results["orders"] is None
    assert len(api.requests) == policy.max_attempts
    assert any("after 4 attempts" in m for m in report.messages)
    assert report.gave_up is False  # one failed table is not "repeated failures"


def test_schema_invalid_answer_is_retried_once_with_the_error_then_falls_back(settings, api, dialect, policy,
                                                                               provider_name):
    def bad(request, body):
        answer = valid_answer(dialect.brief(body))
        answer["columns"][1]["semantic_role"] = "metric"  # not a role
        return dialect.ok(answer)

    api.default = bad
    results, report = _run(settings, api, policy)

    assert results["orders"] is None
    assert len(api.requests) == 2  # the answer, one retry, no more
    retry_body = api.bodies[1]
    if provider_name == "anthropic":
        assistant, feedback = retry_body["messages"][1], retry_body["messages"][2]
        assert assistant["role"] == "assistant" and assistant["content"][0]["type"] == "tool_use"
        result = feedback["content"][0]
        assert result["type"] == "tool_result" and result["is_error"] is True
        assert result["tool_use_id"] == assistant["content"][0]["id"]
        text = result["content"]
    else:
        assert [m["role"] for m in retry_body["messages"]] == ["system", "user", "assistant", "user"]
        text = retry_body["messages"][3]["content"]
    assert "columns.1.semantic_role" in text and "could not be used" in text
    assert any("invalid answer twice" in m for m in report.messages)


def test_invalid_then_valid_answer_is_used(settings, api, dialect, policy):
    def missing_column(request, body):
        answer = valid_answer(dialect.brief(body))
        del answer["columns"][2]
        return dialect.ok(answer)

    api.script = [missing_column]
    results, report = _run(settings, api, policy)
    assert results["orders"] is not None and report.calls == 2
    assert 'columns not annotated: [\\"amount\\"]' in json.dumps(api.bodies[1])
    assert report.input_tokens == 2400  # both calls are counted


def test_malformed_answer_then_fallback(settings, api, dialect, policy, provider_name):
    # Anthropic: a text answer with no tool_use block; OpenAI: content that is not JSON.
    api.default = lambda request, body: dialect.text_only('{"table_name": "orders", "columns": [')
    results, report = _run(settings, api, policy)
    assert results["orders"] is None and report.calls == 2
    expected = "no record_table_annotation tool call" if provider_name == "anthropic" else "not valid JSON"
    assert any(expected in m for m in report.messages)


def test_answer_cut_off_at_the_token_limit_is_invalid(settings, api, dialect, policy, provider_name):
    stop = "max_tokens" if provider_name == "anthropic" else "length"
    api.script = [lambda request, body: dialect.ok(valid_answer(dialect.brief(body)), stop=stop)]
    results, report = _run(settings, api, policy)
    assert results["orders"] is not None and report.calls == 2
    assert any("cut off" in m for m in report.messages)


def test_repeated_failures_give_the_provider_up_for_the_rest_of_the_run(tmp_path, provider_name, api, dialect,
                                                                         waits):
    from dataraum_context.llm import RetryPolicy

    settings = make_settings(tmp_path, provider_name, llm_max_concurrency=1)
    api.default = lambda request, body: dialect.server_error()
    policy = RetryPolicy(max_attempts=2, base_delay=0.01, give_up_after=3, sleep=waits.sleep)
    results, report = _run(settings, api, policy, items=briefs(6))

    assert all(v is None for v in results.values())
    assert len(api.requests) == 3 * 2  # three tables tried (2 attempts each), three never asked
    assert report.gave_up is True
    assert any(f"gave up on {provider_name} for the rest of the run after 3 failed tables" in m
               for m in report.messages)
    assert any("3 tables left to the rules without a call" in m for m in report.messages)


def test_bad_key_gives_up_at_once_and_never_leaks_the_key(tmp_path, api, dialect, policy, provider_name, caplog):
    settings = make_settings(tmp_path, provider_name, llm_max_concurrency=1)
    key = KEYS[provider_name]
    # OpenAI's real 401 body echoes (part of) the key: here the whole key, the worst case.
    api.default = lambda request, body: dialect.error(
        401, message=f"Incorrect API key provided: {key}. You can find your API key at https://example.test.",
        code="invalid_api_key")
    caplog.set_level(logging.DEBUG)
    results, report = _run(settings, api, policy, items=briefs(3))

    assert all(v is None for v in results.values())
    assert len(api.requests) == 1  # not retried, and no other table is tried
    assert report.gave_up is True
    dumped = report.model_dump_json()
    assert "HTTP 401" in dumped and "[redacted]" in dumped
    assert key not in dumped
    assert key not in caplog.text and key[8:30] not in caplog.text


def test_quota_exhausted_429_is_not_retried(tmp_path, api, dialect, policy, provider_name):
    settings = make_settings(tmp_path, provider_name, llm_max_concurrency=1)
    code = "enforced_spend_limit_reached" if provider_name == "anthropic" else "insufficient_quota"
    api.default = lambda request, body: dialect.error(429, message="You exceeded your quota.", code=code,
                                                      headers={"retry-after": "1"})
    results, report = _run(settings, api, policy, items=briefs(2))
    assert len(api.requests) == 1 and report.gave_up is True


def test_no_pii_values_in_any_request(settings, api, dialect, policy, caplog):
    caplog.set_level(logging.DEBUG)
    _run(settings, api, policy)
    wire = api.wire
    for value in ("alice.smith@example.com", "bob.jones@example.org", "aaron@example.net", "zoe@example.com",
                  "+49 30 1234567", "@example"):
        assert value not in wire
        assert value not in caplog.text
    sent = {c["name"]: c for c in dialect.brief(api.bodies[0])["columns"]}
    email = sent["customer_email"]
    # described by its pattern and statistics instead
    assert email["sample_values"] == [] and email["pattern"] == "email" and email["distinct_count"] == 640
    assert email["stats"] == {"max_length": 31}
    # other columns: at most 5 samples, each cut short
    assert sent["order_id"]["sample_values"] == ["1001", "1002", "1003", "1004", "1005"]
    assert sent["amount"]["sample_values"][:2] == ["12.50", "7.99"]
    assert max(len(v) for v in sent["amount"]["sample_values"]) <= 64
    assert KEYS[settings.llm] not in wire


def test_pii_samples_only_when_explicitly_allowed(tmp_path, provider_name, api, dialect, policy):
    settings = make_settings(tmp_path, provider_name, llm_allow_pii_samples=True)
    _run(settings, api, policy)
    assert "alice.smith@example.com" in api.wire


def test_a_caller_cannot_bypass_the_pii_rule(settings, api, dialect, policy):
    brief = orders_brief()
    brief.columns[1].sample_values = [f"user{i}@example.com" for i in range(50)]
    _run(settings, api, policy, items=[brief])
    assert "@example.com" not in api.wire


def test_token_budget_stops_calling(tmp_path, provider_name, api, dialect, policy):
    # One call reserves its prompt estimate plus 1024 + 3 * 200 output tokens: the
    # limit fits exactly one call.
    settings = make_settings(tmp_path, provider_name, llm_max_tokens_per_run=3000, llm_max_concurrency=1)
    results, report = _run(settings, api, policy, items=briefs(4))
    assert len(api.requests) == 1 and report.calls == 1
    assert sum(v is not None for v in results.values()) == 1
    assert any("LLM budget reached" in m for m in report.messages)
    assert any("3 tables left to the rules" in m for m in report.messages)
    assert report.gave_up is False


def test_cost_budget_stops_calling(tmp_path, provider_name, api, policy):
    settings = make_settings(tmp_path, provider_name, llm_max_cost_usd_per_run=0.0)
    results, report = _run(settings, api, policy, items=briefs(2))
    assert api.requests == [] and all(v is None for v in results.values())
    assert any("LLM budget reached" in m and "$0.00" in m for m in report.messages)


def test_concurrency_is_capped(tmp_path, provider_name, api, dialect, policy):
    import asyncio

    state = {"now": 0, "max": 0}
    full = asyncio.Event()

    async def slow(request, body):
        # Explicit synchronisation instead of a short sleep: the first calls stay inside
        # until three are in at once (the cap), however slow the machine is.
        state["now"] += 1
        state["max"] = max(state["max"], state["now"])
        if state["now"] >= 3:
            full.set()
        await asyncio.wait_for(full.wait(), timeout=600)
        await asyncio.sleep(0)
        state["now"] -= 1
        return dialect.ok(valid_answer(dialect.brief(body)))

    api.default = slow
    settings = make_settings(tmp_path, provider_name, llm_max_concurrency=3)
    results, report = _run(settings, api, policy, items=briefs(8))
    assert all(v is not None for v in results.values()) and report.calls == 8
    assert state["max"] == 3


def test_missing_api_key_is_one_line_config_error(tmp_path, provider_name, monkeypatch):
    env_key = "ANTHROPIC_API_KEY" if provider_name == "anthropic" else "OPENAI_API_KEY"
    monkeypatch.delenv(env_key)
    settings = make_settings(tmp_path, provider_name)
    with pytest.raises(ConfigError) as info:
        annotate_tables([orders_brief()], settings)
    assert str(info.value) == f"{env_key} is not set: export it to use --llm {provider_name}"
    assert info.value.exit_code == 2


def test_unknown_provider_and_no_provider(tmp_path):
    with pytest.raises(ConfigError, match="unknown LLM provider 'gemini': use one of anthropic, openai"):
        annotate_tables([orders_brief()], make_settings(tmp_path, "gemini"))
    results, report = annotate_tables([orders_brief()], make_settings(tmp_path, None))
    assert results == {"orders": None} and report.calls == 0 and report.provider == "none"


def test_works_when_called_from_inside_a_running_loop(settings, api, policy):
    import asyncio

    async def inside() -> None:
        results, _ = _run(settings, api, policy)
        assert results["orders"] is not None

    asyncio.run(inside())


def test_openai_compatible_server_through_base_url(tmp_path, monkeypatch, policy):
    from llm_fakes import DIALECTS

    monkeypatch.setenv("OPENAI_API_KEY", "anything")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")
    settings = make_settings(tmp_path, "openai", llm_model="qwen2.5-7b-instruct")
    api = FakeAPI(DIALECTS["openai"])
    results, report = _run(settings, api, policy)
    assert results["orders"] is not None
    assert str(api.requests[0].url) == "http://127.0.0.1:8000/v1/chat/completions"
    assert api.bodies[0]["model"] == "qwen2.5-7b-instruct"
    assert any("no price known for model qwen2.5-7b-instruct" in m for m in report.messages)


def test_openai_tool_call_answer_is_accepted(tmp_path, monkeypatch, policy):
    from llm_fakes import DIALECTS

    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    dialect = DIALECTS["openai"]

    def tool_call(request, body):
        response = dialect.ok("x")
        data = json.loads(response.content)
        data["choices"][0]["message"] = {
            "role": "assistant", "content": None, "refusal": None,
            "tool_calls": [{"id": "call_abc", "type": "function", "function": {
                "name": "record_table_annotation", "arguments": json.dumps(valid_answer(dialect.brief(body)))}}],
        }
        data["choices"][0]["finish_reason"] = "tool_calls"
        return httpx2.Response(200, json=data)

    api = FakeAPI(dialect, default=tool_call)
    results, _ = _run(make_settings(tmp_path, "openai"), api, policy)
    assert results["orders"] is not None


def test_openai_refusal_falls_back(tmp_path, monkeypatch, policy):
    from llm_fakes import DIALECTS

    monkeypatch.setenv("OPENAI_API_KEY", KEYS["openai"])
    dialect = DIALECTS["openai"]

    def refusal(request, body):
        data = json.loads(dialect.ok("x").content)
        data["choices"][0]["message"] = {"role": "assistant", "content": None, "refusal": "I can't help with that."}
        return httpx2.Response(200, json=data)

    api = FakeAPI(dialect, default=refusal)
    results, report = _run(make_settings(tmp_path, "openai"), api, policy)
    assert results["orders"] is None and report.calls == 2
    assert any("refused" in m for m in report.messages)


def test_hostile_names_round_trip(settings, api, policy):
    brief = orders_brief('or"ders; DROP TABLE x;--')
    brief.columns[0].name = 'ïd "quoted"\n'
    results, _ = _run(settings, api, policy, items=[brief])
    proposal = results['or"ders; DROP TABLE x;--']
    assert proposal is not None and proposal.columns[0].column_name == 'ïd "quoted"\n'


def test_runs_without_cache_when_metadata_db_is_unusable(settings, api, policy, tmp_path: Path):
    from dataraum_context.llm import LLMCacheStore

    broken = LLMCacheStore(f"sqlite+aiosqlite:///{tmp_path / 'no-schema.db'}")
    results, report = _run(settings, api, policy, cache=broken)
    assert results["orders"] is not None
    assert any("LLM cache in" in m and "unavailable" in m for m in report.messages)


def test_a_garbage_http_body_is_an_invalid_answer(settings, api, policy):
    garbage = httpx2.Response(200, headers={"content-type": "text/html"}, content=b"<html>proxy error</html>")
    api.script = [garbage, garbage]
    results, report = _run(settings, api, policy)
    assert results["orders"] is None and report.calls == 2
    assert any("is not a" in m and "invalid answer twice" in m for m in report.messages)


def test_an_unexpected_error_costs_the_table_not_the_run(settings, api, policy, monkeypatch):
    from dataraum_context.llm import annotate as annotate_module

    calls = {"n": 0}
    real = annotate_module.validate_output

    def flaky(answer, brief):
        calls["n"] += 1
        if brief.table_name == "t0":
            raise RuntimeError("bug")
        return real(answer, brief)

    monkeypatch.setattr(annotate_module, "validate_output", flaky)
    results, report = _run(settings, api, policy, items=briefs(2))
    assert results["t0"] is None and results["t1"] is not None
    assert any("t0: no LLM annotation (unexpected RuntimeError: bug)" in m for m in report.messages)


def test_a_server_without_usage_is_counted_by_estimate(tmp_path, monkeypatch, policy):
    from llm_fakes import DIALECTS

    monkeypatch.setenv("OPENAI_API_KEY", "local")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8080/v1")
    dialect = DIALECTS["openai"]

    def no_usage(request, body):
        data = json.loads(dialect.ok(valid_answer(dialect.brief(body))).content)
        del data["usage"]
        return httpx2.Response(200, json=data)

    api = FakeAPI(dialect, default=no_usage)
    results, report = _run(make_settings(tmp_path, "openai", llm_model="llama3"), api, policy)
    assert results["orders"] is not None
    prompt_chars = len(api.bodies[0]["messages"][0]["content"]) + len(api.bodies[0]["messages"][1]["content"])
    assert report.input_tokens == prompt_chars // 4 + 1 and report.output_tokens > 100 and report.cost_usd > 0


def test_the_prompt_carries_the_measured_structure(settings, api, dialect, policy):
    brief = orders_brief().model_copy(update={
        "candidate_keys": [["order_id"]], "referenced_by": ["order_lines"], "kind": "dimension",
    })
    brief.columns[0] = brief.columns[0].model_copy(update={"structure_role": "key"})
    brief.columns.append(brief.columns[2].model_copy(update={
        "name": "customer_id", "resolved_type": "BIGINT", "unit": None, "sample_values": ["7"],
        "structure_role": "foreign_key", "references": "customers.id",
    }))
    results, _ = _run(settings, api, policy, items=[brief])
    assert results["orders"] is not None
    sent = dialect.brief(api.bodies[0])
    assert (sent["kind"], sent["referenced_by"], sent["candidate_keys"]) == ("dimension", ["order_lines"], [["order_id"]])
    columns = {c["name"]: c for c in sent["columns"]}
    assert columns["order_id"]["structure_role"] == "key"
    assert (columns["customer_id"]["structure_role"], columns["customer_id"]["references"]) == ("foreign_key", "customers.id")
    assert columns["amount"]["structure_role"] is None
    system = api.bodies[0]["system"] if isinstance(api.bodies[0].get("system"), str) else json.dumps(api.bodies[0])
    assert "measured from the data, not guessed" in system and "structure_role" in system
