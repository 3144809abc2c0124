"""Database source passwords: never stored, found again on resume.

A run records each source URL without its secret, plus where the secret came from:

- `env:VAR`: the URL names an environment variable, `postgresql://user:${PGPASSWORD}@host/db`;
  the URL is stored as written and the variable is read when the run executes (and
  again on resume);
- `command-line`: the URL carried the password itself; it is stored redacted, and
  `resume` needs the URL again (`dataraum resume --source-url URL`);
- `driver`: no password in the URL; the database driver finds it (`~/.pgpass`,
  `PGPASSWORD`) the same way on resume.
"""

from __future__ import annotations

import os
import re

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dataraum_context.config import ENV_REF, expand_env
from dataraum_context.errors import SourceError, UserError
from dataraum_context.storage.engine import mask_password, parse_url

_PASSWORD = re.compile(r"://[^:/@]*:([^@/]*)@")


def _is_url(path: str) -> bool:
    return "://" in path


def origin_of(path: str) -> str | None:
    """Where a source's secret comes from (None: a file)."""
    if not _is_url(path):
        return None
    names = ENV_REF.findall(path)
    if names:
        return f"env:{names[0]}"
    match = _PASSWORD.search(path)
    return "command-line" if match and match.group(1) else "driver"


def stored_form(path: str) -> str:
    """The path as recorded: `${VAR}` references kept, literal passwords masked."""
    if not _is_url(path) or ENV_REF.search(path):
        return path
    return mask_password(path)


def expand(path: str, what: str = "source URL") -> str:
    """`${VAR}` in a URL replaced by the variable's value (quoted for a URL)."""
    if not _is_url(path):
        return path

    def missing(name: str) -> Exception:
        return SourceError(
            f"{what} {path!r} names the environment variable {name}, which is not set; set it "
            "(the password is never stored)"
        )

    return expand_env(path, missing)


def _identity(url: str) -> tuple[str, str | None, str | None, int | None, str | None] | None:
    try:
        parsed = make_url(ENV_REF.sub("x", url))
    except (ArgumentError, ValueError):
        return None
    return parsed.get_backend_name(), parsed.username, parsed.host, parsed.port, parsed.database


def resume_paths(run_id: object, stored: list[str], origins: list[str | None] | None, given: list[str]) -> list[str]:
    """The paths a resumed run reads, secrets found where the first run found them.

    `given` (`--source-url`) replaces the stored URL of the same database (same backend,
    user, host, port and database). Raises one clear line when a secret cannot be found.
    """
    for url in given:
        parse_url(url, "--source-url", SourceError)
    wanted = {_identity(url): url for url in given}
    unused = [url for key, url in wanted.items() if key not in {_identity(p) for p in stored}]
    if unused:
        raise UserError(f"--source-url {mask_password(unused[0])!r} is not a source of run {run_id}")
    paths: list[str] = []
    for index, path in enumerate(stored):
        if not _is_url(path):
            paths.append(path)
            continue
        origin = (origins or [])[index] if origins and index < len(origins) else None
        if origin is None:  # recorded before origins were: a masked password came from the command line
            origin = "command-line" if "***" in path else origin_of(path)
        replacement = wanted.get(_identity(path))
        if replacement is not None:
            paths.append(expand(replacement, "--source-url"))
        elif origin and origin.startswith("env:"):
            name = origin[4:]
            if name not in os.environ:
                raise UserError(
                    f"run {run_id} reads {path}: its password comes from the environment variable {name}, "
                    f"which is not set here; set {name}, or give the URL again with --source-url"
                )
            paths.append(expand(path))
        elif origin == "command-line":
            example = path.replace("***", "PASSWORD")
            raise UserError(
                f"run {run_id} reads {path}, whose password was given on the command line and is not stored; "
                f"resume with --source-url '{example}' (or name an environment variable in the URL: "
                "user:${PGPASSWORD}@host)"
            )
        else:
            paths.append(path)
    return paths
