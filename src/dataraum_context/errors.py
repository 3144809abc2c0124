"""Errors the command line turns into one line and an exit code.

`UserError` (and subclasses) are problems with the input the user gave us: a path,
a file, a URL, a flag, a review command. They exit with code 2 and are printed as
one line without a traceback. Anything else is an unexpected failure (exit 1).
"""

from __future__ import annotations


class DataraumError(Exception):
    """Base class of the errors dataraum raises on purpose."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        # Keep messages to one line: the CLI prints exactly one.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self)


class UserError(DataraumError):
    """Bad input, bad usage or bad configuration (exit code 2)."""

    exit_code = 2


class SourceError(UserError):
    """A source path, file or database cannot be read."""


class MetadataStoreError(UserError):
    """The metadata database cannot be reached or has an incompatible schema."""


class ConfigError(UserError):
    """Settings or a configuration file are invalid."""
