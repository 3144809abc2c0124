"""Preflight: check every option a run will need before stage 1 touches anything.

`dataraum run` calls `preflight(settings, paths)` before it creates the workspace or the
metadata store. A bad option (an unknown ontology, an LLM provider without its API key,
a rules file that does not validate, a custom module that does not load, a missing source
path, a metadata URL that does not parse) is a `UserError`: one line, exit code 2, and
nothing written: no run row, no workspace files. Without this, such options were found
only when their stage ran, after a person had done the type review, and the run failed.

The checks are cheap (no data is read, no database is contacted). The function returns
the settings and paths with everything a later `resume` needs made absolute, so a run
started in one folder can be resumed from another.
"""

from __future__ import annotations

from pathlib import Path

from dataraum_context.config import Settings
from dataraum_context.errors import ConfigError, SourceError


def _absolute(path: Path) -> Path:
    return path.expanduser().resolve()


def check_metadata_url(url: str | None) -> None:
    """The metadata URL parses and names a supported backend (nothing is contacted)."""
    if not url:
        return
    from dataraum_context.storage.engine import normalize_url

    normalize_url(url)  # raises MetadataStoreError (one line) for every malformed URL


def check_source_url(url: str) -> None:
    """A database source URL parses (e.g. its port is a number); nothing is contacted."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from dataraum_context.storage.engine import redact_url

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        detail = "port is not a number" if isinstance(exc, ValueError) else "not a database URL"
        raise SourceError(f"bad source URL {redact_url(url)!r}: {detail}") from None
    if not parsed.get_backend_name():
        raise SourceError(f"bad source URL {redact_url(url)!r}: no database type")


def check_paths(paths: list[str]) -> list[str]:
    """Every PATH exists (files and folders made absolute); database URLs parse."""
    if not paths:
        raise SourceError("give at least one PATH (a file, a folder or a database URL)")
    checked: list[str] = []
    for raw in paths:
        if "://" in raw:
            check_source_url(raw)
            checked.append(raw)
            continue
        path = Path(raw).expanduser()
        if not path.exists():
            raise SourceError(f"{raw}: no such file or folder")
        checked.append(str(_absolute(path)))
    return checked


def check_ontology(spec: str | None) -> str | None:
    """The ontology loads; a path is made absolute (so `resume` finds it from anywhere)."""
    if spec is None:
        return None
    from dataraum_context.ontology import loader

    spec = spec.strip()
    loader.resolve(spec)  # OntologyError (a UserError) names the file and field
    if loader.looks_like_path(spec):
        return str(_absolute(Path(spec)))
    return spec


def check_llm(provider: str | None) -> None:
    """The provider is known and its API key is in the environment."""
    if provider is None:
        return
    from dataraum_context.llm.provider import api_key_for, provider_spec

    api_key_for(provider_spec(provider))


def check_rules(path: Path | None) -> Path | None:
    """The rules file exists, parses and validates."""
    if path is None:
        return None
    from dataraum_context.quality.rules_file import load_rules_file

    resolved = _absolute(path)
    if not resolved.is_file():
        raise ConfigError(f"rules file {path}: no such file (--rules)")
    load_rules_file(resolved)
    return resolved


def check_modules(modules: list[Path]) -> list[Path]:
    """The custom modules load and fit the DAG (names, dependencies, cycles)."""
    if not modules:
        return []
    from dataraum_context.pipeline.graph import build_driver

    resolved = [_absolute(m) for m in modules]
    build_driver([], resolved)
    return resolved


def preflight(settings: Settings, paths: list[str]) -> tuple[Settings, list[str]]:
    """Check everything a run needs; return the settings and paths made absolute.

    Raises a `UserError` subclass (one line, exit 2) at the first bad option; writes nothing.
    """
    check_metadata_url(settings.metadata_url)
    checked_paths = check_paths(list(paths))
    updates = {
        "ontology": check_ontology(settings.ontology),
        "rules_file": check_rules(settings.rules_file),
        "modules": check_modules(list(settings.modules)),
    }
    check_llm(settings.llm)
    return settings.model_copy(update=updates), checked_paths
