"""Token and cost budget of one run, with approximate prices per model.

Prices are APPROXIMATE list prices in USD per million tokens (input, output) as
published by the providers when this table was written; they only bound spending,
they are not billing. A model is matched by the longest known prefix of its name (so
dated snapshots such as `claude-sonnet-4-5-20250929` match). A model not in the table
(a local model behind `OPENAI_BASE_URL`, a new release) is costed at
`FALLBACK_PRICE`, and the run report says so.

Before a call, `Budget.reserve` books the call's estimated input tokens plus its full
output allowance; the call is only made if that fits both limits. `settle` replaces
the booking with the tokens actually used. Concurrent calls therefore cannot overshoot
the limits together. A server that reports no usage is counted by estimate
(`estimate_tokens`, about 4 characters per token).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

# USD per 1M tokens: (input, output). Approximate; see the module docstring.
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "claude-opus-4-5": (5.0, 25.0),
    "claude-opus-4-1": (15.0, 75.0),
    "claude-opus-4": (15.0, 75.0),
    "claude-sonnet-4": (3.0, 15.0),
    "claude-3-7-sonnet": (3.0, 15.0),
    "claude-3-5-sonnet": (3.0, 15.0),
    "claude-haiku-4-5": (1.0, 5.0),
    "claude-3-5-haiku": (0.8, 4.0),
    "claude-3-haiku": (0.25, 1.25),
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.0),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.0, 8.0),
    "gpt-5-nano": (0.05, 0.40),
    "gpt-5-mini": (0.25, 2.0),
    "gpt-5": (1.25, 10.0),
    "o4-mini": (1.10, 4.40),
    "o3": (2.0, 8.0),
}
# Price assumed for a model not in the table (a Sonnet-class price: errs on the high side).
FALLBACK_PRICE: tuple[float, float] = (3.0, 15.0)


def price_for(model: str) -> tuple[float, float] | None:
    """(input, output) USD per 1M tokens for `model`, or None when unknown."""
    matches = [prefix for prefix in PRICES_PER_MTOK if model.startswith(prefix)]
    return PRICES_PER_MTOK[max(matches, key=len)] if matches else None


def estimate_tokens(text: str) -> int:
    """A rough token count for budgeting (about 4 characters per token, rounded up)."""
    return len(text) // 4 + 1


@dataclass
class Reservation:
    tokens: int
    cost: float


class Budget:
    """Tokens and USD spent by one run against its limits (thread- and task-safe)."""

    def __init__(self, model: str, max_tokens: int, max_cost_usd: float) -> None:
        known = price_for(model)
        self.price_known = known is not None
        self.price = known or FALLBACK_PRICE
        self.max_tokens = max_tokens
        self.max_cost_usd = max_cost_usd
        self.input_tokens = 0
        self.output_tokens = 0
        self.cost_usd = 0.0
        self._reserved_tokens = 0
        self._reserved_cost = 0.0
        self._lock = threading.Lock()

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.price[0] + output_tokens * self.price[1]) / 1_000_000

    def reserve(self, input_tokens: int, max_output_tokens: int) -> Reservation | None:
        """Book a call; None when it might exceed the token or cost limit."""
        tokens = input_tokens + max_output_tokens
        cost = self.cost(input_tokens, max_output_tokens)
        with self._lock:
            used_tokens = self.input_tokens + self.output_tokens + self._reserved_tokens
            if used_tokens + tokens > self.max_tokens:
                return None
            if self.cost_usd + self._reserved_cost + cost > self.max_cost_usd:
                return None
            self._reserved_tokens += tokens
            self._reserved_cost += cost
        return Reservation(tokens, cost)

    def settle(self, reservation: Reservation, input_tokens: int, output_tokens: int) -> None:
        """Replace a booking with what the call actually used."""
        with self._lock:
            self._reserved_tokens -= reservation.tokens
            self._reserved_cost -= reservation.cost
            self.input_tokens += input_tokens
            self.output_tokens += output_tokens
            self.cost_usd += self.cost(input_tokens, output_tokens)
