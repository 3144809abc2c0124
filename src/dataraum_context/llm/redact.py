"""Keep API keys out of messages: every text the LLM package logs or reports goes through here."""

from __future__ import annotations

import re
from collections.abc import Iterable

# Key shapes of the providers (and bearer tokens), in case an error body echoes one.
_KEY_SHAPES = re.compile(r"(?:sk-ant-|sk-proj-|sk-)[A-Za-z0-9_\-*.]{6,}|(?i:bearer\s+)[A-Za-z0-9_\-.=]{8,}")
REDACTED = "[redacted]"


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """`text` with the given secrets and anything shaped like an API key replaced."""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, REDACTED)
    return _KEY_SHAPES.sub(REDACTED, text)
