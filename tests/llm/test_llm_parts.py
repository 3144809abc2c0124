"""The LLM package's parts: privacy, output schema and validation, templates, budget, retry, redaction."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx2
import pytest
from llm_fakes import orders_brief, valid_answer

from dataraum_context.errors import ConfigError
from dataraum_context.llm.budget import FALLBACK_PRICE, Budget, price_for
from dataraum_context.llm.cache import cache_key
from dataraum_context.llm.privacy import looks_like_pii, prepare_brief
from dataraum_context.llm.redact import redact
from dataraum_context.llm.retry import RetryPolicy, classify_status, parse_retry_after
from dataraum_context.llm.schema import InvalidOutput, output_schema, validate_output
from dataraum_context.llm.templates import load_template, parse_template

# ----------------------------------------------------------------------------- privacy


@pytest.mark.parametrize("value", [
    "jane.doe@example.com", "4111 1111 1111 1111", "DE89 3704 0044 0532 0130 00", "+49 30 1234567",
    "(555) 123-4567", "192.168.0.1", "2001:db8::1",
])
def test_values_that_look_like_pii(value):
    assert looks_like_pii(value)


@pytest.mark.parametrize("value", ["4111111111111112", "1234567890123", "2024-03-05", "12.50", "ORD-0001", "14:22:05"])
def test_values_that_do_not(value):
    assert not looks_like_pii(value)


def test_prepare_brief_withholds_pii_and_caps_samples():
    sent = prepare_brief(orders_brief(), allow_pii=False)
    order_id, email, amount = sent.columns
    assert order_id.sample_values == ["1001", "1002", "1003", "1004", "1005"]
    assert email.sample_values == [] and email.stats == {"max_length": 31}
    assert amount.sample_values[:2] == ["12.50", "7.99"] and "+49 30 1234567" not in amount.sample_values
    long_value = amount.sample_values[2]
    assert len(long_value) == 64 and long_value.endswith("…")
    # the caller's brief is not modified
    assert orders_brief().columns[1].sample_values == ["alice.smith@example.com", "bob.jones@example.org"]


def test_prepare_brief_with_pii_allowed_keeps_the_samples():
    sent = prepare_brief(orders_brief(), allow_pii=True)
    assert sent.columns[1].sample_values == ["alice.smith@example.com", "bob.jones@example.org"]
    assert sent.columns[1].stats["min"] == "aaron@example.net"


def test_nested_statistics_are_cleaned():
    brief = orders_brief()
    brief.columns[0].stats = {"top": [{"value": "x" * 100, "count": 3}, "a@b.io"] + ["v"] * 10,
                              "by_kind": {"mail": "c@d.io", "n": 2}}
    stats = prepare_brief(brief, allow_pii=False).columns[0].stats
    assert stats["by_kind"] == {"n": 2}
    assert len(stats["top"]) == 4  # five kept, the e-mail dropped
    assert len(stats["top"][0]["value"]) == 64


# ----------------------------------------------------------------------------- output schema


def test_output_schema_is_strict():
    schema = output_schema()

    def walk(node):
        if isinstance(node, dict):
            assert "$ref" not in node and "title" not in node and "default" not in node
            if node.get("type") == "object":
                assert node["additionalProperties"] is False
                assert sorted(node["required"]) == sorted(node["properties"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    roles = schema["properties"]["columns"]["items"]["properties"]["semantic_role"]["enum"]
    assert roles == ["key", "foreign_key", "measure", "dimension", "attribute", "timestamp"]


def _answer():
    return valid_answer(json.loads(prepare_brief(orders_brief(), allow_pii=False).model_dump_json()))


def test_validate_output_orders_columns_and_drops_unknown_ontology_terms():
    answer = _answer()
    answer["columns"].reverse()
    answer["columns"][0]["ontology_term"] = "order_amount"
    answer["columns"][1]["ontology_term"] = "made_up_term"
    answer["table_name"] = "ORDERS"
    proposal = validate_output(json.dumps(answer), orders_brief())
    assert proposal.table_name == "orders"
    assert [c.column_name for c in proposal.columns] == ["order_id", "customer_email", "amount"]
    assert proposal.columns[2].ontology_term == "order_amount"
    assert proposal.columns[1].ontology_term is None


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda a: a["columns"].append(dict(a["columns"][0])), "columns annotated twice"),
    (lambda a: a["columns"][0].update(column_name="nope"), 'unknown columns: ["nope"]'),
    (lambda a: a.update(grain=["ghost"]), "grain names unknown columns"),
    (lambda a: a["columns"][0].update(confidence=1.5), "columns.0.confidence"),
    (lambda a: a["columns"][0].update(extra="x"), "columns.0.extra"),
    (lambda a: a.pop("is_fact"), "is_fact: Field required"),
])
def test_validate_output_rejects(mutate, message):
    answer = _answer()
    mutate(answer)
    with pytest.raises(InvalidOutput, match=message.replace("[", r"\[").replace("]", r"\]")):
        validate_output(answer, orders_brief())


def test_validate_output_rejects_broken_json():
    with pytest.raises(InvalidOutput, match="not valid JSON"):
        validate_output('{"table_name": "orders",', orders_brief())


# ----------------------------------------------------------------------------- templates


def test_packaged_template_has_a_version_and_sections():
    template = load_template("semantic_annotation", 1)
    assert template.ref == "semantic_annotation.v1"
    assert "foreign_key" in template.system
    user = template.render_user(ontology="retail", concepts="a, b", table_json='{"x": 1}')
    assert 'Table profile (JSON):\n{"x": 1}' in user
    assert "BOOM" in template.render_retry("BOOM")


def test_template_errors_name_the_file():
    with pytest.raises(ConfigError, match="prompt template x.v1.md: missing '---' front matter"):
        parse_template("## system\nhi", "x.v1.md")
    with pytest.raises(ConfigError, match="missing section '## retry'"):
        parse_template("---\nname: x\nversion: 1\n---\n## system\na\n## user\nb\n", "x.v1.md")
    with pytest.raises(ConfigError, match="not installed"):
        load_template("semantic_annotation", 99)


# ----------------------------------------------------------------------------- budget, keys


def test_prices_match_dated_snapshots_and_unknown_models():
    assert price_for("claude-sonnet-4-5-20250929") == (3.0, 15.0)
    assert price_for("gpt-4o-mini-2024-07-18") == (0.15, 0.60)
    assert price_for("gpt-4o-2024-08-06") == (2.5, 10.0)
    assert price_for("llama3") is None
    assert Budget("llama3", 10, 1.0).price == FALLBACK_PRICE


def test_budget_reservations_cannot_overshoot_together():
    budget = Budget("gpt-4o", max_tokens=1000, max_cost_usd=100.0)
    first = budget.reserve(300, 300)
    assert first is not None
    assert budget.reserve(300, 300) is None  # 600 booked + 600 > 1000
    budget.settle(first, 200, 50)
    assert budget.reserve(300, 300) is not None  # 250 used + 600 <= 1000
    assert budget.input_tokens == 200 and budget.cost_usd == pytest.approx((200 * 2.5 + 50 * 10) / 1e6)


def test_cache_key_depends_on_every_part():
    base = dict(provider="openai", endpoint="https://api.openai.com/v1/", model="gpt-4o",
                prompt="semantic_annotation.v1", inputs={"a": [1, 2]})
    key = cache_key(**base)
    assert key == cache_key(**{**base, "inputs": {"a": [1, 2]}}) and len(key) == 64
    for field, value in [("provider", "anthropic"), ("endpoint", "http://localhost:8000/v1/"),
                         ("model", "gpt-4o-mini"), ("prompt", "semantic_annotation.v2"), ("inputs", {"a": [2, 1]})]:
        assert cache_key(**{**base, field: value}) != key


def test_redact():
    key = "sk-proj-abcdef1234567890"
    assert redact(f"bad key {key}!", [key]) == "bad key [redacted]!"
    assert "sk-ant-api03" not in redact("Incorrect API key provided: sk-ant-api03-xyzxyzxyz")
    assert redact("Authorization: Bearer abcdefghijkl") == "Authorization: [redacted]"


# ----------------------------------------------------------------------------- retry policy


def test_retry_after_headers():
    assert parse_retry_after(httpx2.Headers({"retry-after": "3"})) == 3.0
    assert parse_retry_after(httpx2.Headers({"retry-after-ms": "1500", "retry-after": "9"})) == 1.5
    when = datetime.now(UTC) + timedelta(seconds=30)
    # An HTTP date has whole seconds; how long this machine took since `now` is no part of the test.
    assert 0 < parse_retry_after(httpx2.Headers({"retry-after": format_datetime(when, usegmt=True)})) <= 30
    assert parse_retry_after(httpx2.Headers({})) is None
    assert parse_retry_after(httpx2.Headers({"retry-after": "soon"})) is None


def test_which_statuses_are_retried():
    assert classify_status(429, "rate_limit_error") == (True, False)
    assert classify_status(429, "insufficient_quota") == (False, True)
    assert classify_status(500, None) == (True, False)
    assert classify_status(529, "overloaded_error") == (True, False)
    assert classify_status(408, None) == (True, False)
    assert classify_status(401, "authentication_error") == (False, True)
    assert classify_status(400, "invalid_request_error") == (False, False)


def test_backoff_doubles_with_jitter_and_is_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=5.0)
    for attempt, (low, high) in enumerate([(0.5, 1.0), (1.0, 2.0), (2.0, 4.0), (2.5, 5.0)], start=1):
        assert low <= policy.delay(attempt, None) <= high
    assert policy.delay(1, 3.0) == 3.0 and policy.delay(1, 60.0) == 5.0


def test_prompt_files_are_declared_as_package_data():
    """Every prompt file ships in the wheel: pyproject's package-data glob for the llm package covers it."""
    import fnmatch
    import tomllib
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    config = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert "dataraum_context.llm" in config["packages"]
    globs = config.get("package-data", {}).get("dataraum_context.llm", [])
    prompts = root / "src" / "dataraum_context" / "llm" / "prompts"
    files = [p.relative_to(prompts.parent).as_posix() for p in prompts.iterdir() if p.is_file()]
    assert files
    unshipped = [f for f in files if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert unshipped == [], f'add "dataraum_context.llm" = ["prompts/*.md"] to [tool.setuptools.package-data]'
