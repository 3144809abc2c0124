"""Retry policy for provider calls: which failures are retried and how long to wait.

The SDK clients are built with `max_retries=0`, so this policy is the only one that
runs. Timeouts, connection errors, 408, 409, 429 and 5xx (including Anthropic's 529)
are retried with exponential backoff and jitter, at most `max_attempts` requests per
call; a `retry-after-ms` / `retry-after` header (seconds or an HTTP date) sets the
wait instead, capped at `max_delay`. A 429 that means the money ran out
(`insufficient_quota`, `enforced_spend_limit_reached`) and 401/402/403/404 are not
retried and make the annotator give the provider up for the run. After
`give_up_after` consecutive failed tables the provider is given up too.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUS = frozenset({408, 409, 429})
FATAL_STATUS = frozenset({401, 402, 403, 404})
QUOTA_CODES = frozenset({"insufficient_quota", "enforced_spend_limit_reached", "billing_error"})


@dataclass(frozen=True)
class RetryPolicy:
    """How provider calls are retried (defaults for production; tests shrink the waits)."""

    max_attempts: int = 4  # requests per call, the first one included
    base_delay: float = 1.0  # seconds before the first retry; doubles each time
    max_delay: float = 30.0  # cap on any single wait, retry-after included
    timeout_seconds: float = 120.0  # per HTTP request
    give_up_after: int = 3  # consecutive failed tables before the provider is given up
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.max_delay)
        backoff = min(self.base_delay * 2 ** (attempt - 1), self.max_delay)
        return backoff * (0.5 + random.random() / 2)


class ProviderCallError(Exception):
    """A provider request failed; the message is one line and holds no secret."""

    def __init__(self, message: str, *, retryable: bool, fatal: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.retryable = retryable
        self.fatal = fatal
        self.retry_after = retry_after


def classify_status(status: int, code: str | None) -> tuple[bool, bool]:
    """(retryable, fatal) for an HTTP error status and the API's error code."""
    if status == 429 and code in QUOTA_CODES:
        return False, True
    if status in FATAL_STATUS:
        return False, True
    return status in RETRYABLE_STATUS or status >= 500, False


def parse_retry_after(headers: object) -> float | None:
    """Seconds from `retry-after-ms` or `retry-after` (seconds or HTTP date), if present."""
    get = getattr(headers, "get", None)
    if get is None:
        return None
    millis = get("retry-after-ms")
    if millis:
        try:
            return max(float(millis) / 1000, 0.0)
        except ValueError:
            pass
    value = get("retry-after")
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)
