"""Loading ontology files: shipped ones by name, user ones by path, with clear errors.

Every problem with a file is an `OntologyError` (a `UserError`: exit code 2) whose one
line names the file, the path inside the YAML and the problem, e.g.
`ontologies/retail.yaml: concepts[3].indicators.name_patterns: field required`.
`extends: <shipped name>` merges the parent's content under the file's own: a concept,
metric or rule of the same name in the child replaces the parent's.
"""

from __future__ import annotations

import importlib.resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from dataraum_context.yamlfile import read_yaml
from dataraum_context.errors import UserError
from dataraum_context.ontology.schema import OntologyDefinition

BUILTIN_PACKAGE = "dataraum_context.ontologies"
GENERIC = "generic"


class OntologyError(UserError):
    """An ontology cannot be found, read or validated."""


class LoadedOntology(BaseModel):
    """An ontology ready to apply, and where it came from."""

    definition: OntologyDefinition
    source: str  # 'ontologies/retail.yaml' for shipped ones, the path given otherwise
    is_builtin: bool

    @property
    def name(self) -> str:
        return self.definition.name


def _builtin_dir() -> Path:
    return Path(str(importlib.resources.files(BUILTIN_PACKAGE)))


def builtin_names() -> list[str]:
    """Stems of the shipped ontology files, sorted."""
    return sorted(p.stem for p in _builtin_dir().glob("*.yaml"))


def _loc(parts: tuple[int | str, ...]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _message(error: dict[str, Any]) -> str:
    msg = str(error.get("msg", "invalid"))
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix):]
    if error.get("type") == "extra_forbidden":
        msg = "unknown field"
    return msg[:1].lower() + msg[1:]


def _read_yaml(path: Path, shown: str) -> dict[str, Any]:
    data = read_yaml(path, "ontology file", OntologyError, shown)
    if not isinstance(data, dict):
        raise OntologyError(f"{shown}: expected a mapping with name and concepts")
    return data


def _validate(data: dict[str, Any], shown: str) -> OntologyDefinition:
    try:
        return OntologyDefinition.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise OntologyError(f"{shown}: {_loc(tuple(first.get('loc', ())))}: {_message(dict(first))}") from None


def _merge(parent: OntologyDefinition, child: OntologyDefinition) -> OntologyDefinition:
    def by_name(parents: list[Any], children: list[Any], key: str) -> list[Any]:
        # The child's entries first: on equal match strength its concepts win.
        mine = {getattr(item, key) for item in children}
        return list(children) + [item for item in parents if getattr(item, key) not in mine]

    rule_key = {(r.concept, r.rule_type, r.expression) for r in child.quality_rules}
    return child.model_copy(
        update={
            "concepts": by_name(parent.concepts, child.concepts, "name"),
            "metrics": by_name(parent.metrics, child.metrics, "name"),
            "quality_rules": [
                r for r in parent.quality_rules if (r.concept, r.rule_type, r.expression) not in rule_key
            ]
            + list(child.quality_rules),
            # The child's hints first: the first matching hint wins.
            "semantic_hints": list(child.semantic_hints) + list(parent.semantic_hints),
            "own_concepts": [c.name for c in child.concepts],
        }
    )


def _load(path: Path, shown: str, chain: tuple[str, ...] = ()) -> OntologyDefinition:
    definition = _validate(_read_yaml(path, shown), shown)
    inherited: frozenset[str] = frozenset()
    parent: OntologyDefinition | None = None
    if definition.extends is not None:
        if definition.extends in chain or definition.extends == definition.name:
            raise OntologyError(f"{shown}: extends: {definition.extends!r} extends itself")
        if definition.extends not in builtin_names():
            raise OntologyError(
                f"{shown}: extends: unknown ontology {definition.extends!r} "
                f"(shipped: {', '.join(builtin_names())})"
            )
        parent_path = _builtin_dir() / f"{definition.extends}.yaml"
        parent = _load(parent_path, f"ontologies/{parent_path.name}", (*chain, definition.name))
        inherited = frozenset(c.name for c in parent.concepts)
    problems = definition.check_references(inherited)
    if problems:
        where, problem = problems[0]
        raise OntologyError(f"{shown}: {where}: {problem}")
    if parent is None:
        return definition.model_copy(update={"own_concepts": [c.name for c in definition.concepts]})
    return _merge(parent, definition)


def load_builtin(name: str) -> LoadedOntology:
    """A shipped ontology by its file stem."""
    names = builtin_names()
    if name not in names:
        raise OntologyError(f"unknown ontology {name!r}: give a YAML path or one of {', '.join(names)}")
    path = _builtin_dir() / f"{name}.yaml"
    shown = f"ontologies/{path.name}"
    return LoadedOntology(definition=_load(path, shown), source=shown, is_builtin=True)


def load_file(path: Path | str) -> LoadedOntology:
    """A user ontology file."""
    shown = str(path)
    return LoadedOntology(definition=_load(Path(path).expanduser(), shown), source=shown, is_builtin=False)


def looks_like_path(spec: str) -> bool:
    return spec.endswith((".yaml", ".yml")) or "/" in spec or "\\" in spec or Path(spec).expanduser().is_file()


def resolve(spec: str) -> LoadedOntology:
    """`settings.ontology`: a shipped ontology's name or the path of a YAML file."""
    spec = spec.strip()
    if not spec:
        raise OntologyError("empty ontology name")
    return load_file(spec) if looks_like_path(spec) else load_builtin(spec)


def load_all_builtin() -> list[LoadedOntology]:
    return [load_builtin(name) for name in builtin_names()]


def files_fingerprint(spec: str | None) -> str:
    """sha256 over the ontology files a run may read (every shipped file, plus the file
    `spec` names when it is a path): when none changed, the ontology choice can be reused."""
    import hashlib

    digest = hashlib.sha256()
    paths = sorted(_builtin_dir().glob("*.yaml"))
    if spec and looks_like_path(spec):
        paths.append(Path(spec).expanduser())
    for path in paths:
        digest.update(str(path).encode())
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<missing>")
    return digest.hexdigest()
