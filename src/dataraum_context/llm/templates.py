"""Versioned prompt templates shipped in `dataraum_context/llm/prompts/`.

A template file is `<name>.v<version>.md`: a YAML front matter (`name`, `version`)
between `---` lines, then sections started by a line `## system`, `## user`,
`## retry`. Placeholders are `string.Template` names (`$table_json`), so JSON braces in
the text need no escaping. The version is part of every cache key: change the text,
bump the version (a new file), and old cache rows stop matching.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

import yaml

from dataraum_context.errors import ConfigError

_SECTION = re.compile(r"^## (system|user|retry)[ \t]*$", re.MULTILINE)
_FRONT = re.compile(r"\A---\n(.*?)\n---\n", re.DOTALL)


@dataclass(frozen=True)
class PromptTemplate:
    """One loaded template: its identity, its sections and the hash of its text."""

    name: str
    version: int
    system: str
    user: str
    retry: str
    sha256: str

    @property
    def ref(self) -> str:
        """`name.vN`, the identity that goes into cache keys."""
        return f"{self.name}.v{self.version}"

    def render_system(self) -> str:
        return self.system

    def render_user(self, **values: str) -> str:
        return Template(self.user).substitute(values)

    def render_retry(self, error: str) -> str:
        return Template(self.retry).substitute(error=error)


def parse_template(text: str, origin: str) -> PromptTemplate:
    """A template from its file text; `origin` names the file in errors."""
    front = _FRONT.match(text)
    if front is None:
        raise ConfigError(f"prompt template {origin}: missing '---' front matter with name and version")
    meta = yaml.safe_load(front.group(1)) or {}
    name, version = meta.get("name"), meta.get("version")
    if not isinstance(name, str) or not isinstance(version, int):
        raise ConfigError(f"prompt template {origin}: front matter needs a string name and an integer version")
    body = text[front.end() :]
    parts = _SECTION.split(body)
    sections = {parts[i]: parts[i + 1].strip() + "\n" for i in range(1, len(parts) - 1, 2)}
    missing = [s for s in ("system", "user", "retry") if s not in sections]
    if missing:
        raise ConfigError(f"prompt template {origin}: missing section '## {missing[0]}'")
    return PromptTemplate(
        name=name,
        version=version,
        system=sections["system"],
        user=sections["user"],
        retry=sections["retry"],
        sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
    )


@cache
def load_template(name: str, version: int) -> PromptTemplate:
    """The packaged template `prompts/<name>.v<version>.md`."""
    filename = f"{name}.v{version}.md"
    resource = resources.files("dataraum_context.llm").joinpath("prompts", filename)
    try:
        text = resource.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"prompt template {filename} is not installed with dataraum") from None
    template = parse_template(text, filename)
    if (template.name, template.version) != (name, version):
        raise ConfigError(f"prompt template {filename}: front matter says {template.ref}")
    return template
