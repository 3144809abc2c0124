"""Turn the PATHs a user gave into `SourceSpec`s: files, folders and database URLs."""

from __future__ import annotations

import gzip
import os
import stat
import uuid
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from dataraum_context.errors import SourceError
from dataraum_context.staging.common import file_sha256
from dataraum_context.staging.models import SourceSpec

# Extension (lower case, without the optional '.gz') -> kind. JSON is refined by content.
EXTENSION_KINDS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".json": "json",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
GZIP_KINDS = ("csv", "tsv")  # compressed files we can sniff and DuckDB can read
SNIFF_BYTES = 64 * 1024
HASH_THREADS = 4
"""A folder's files checked and hashed at once, up to this many (and the CPUs): `hashlib`
releases the GIL while it hashes, so TPC-H's 8 files (1.1 GB) take about the time of the
largest one instead of the sum."""


def discover_sources(paths: list[str], skipped: list[str] | None = None) -> list[SourceSpec]:
    """Resolve each PATH (file, folder or database URL) to the sources it holds.

    Folders contribute their top-level, non-hidden files sorted by name; files of an
    unsupported type inside a folder are appended to `skipped` (when given) instead of
    failing. Table names are file stems; a stem that collides (case-insensitively, as
    DuckDB names do) with an earlier one gets a `_2`, `_3`... suffix and `renamed_from`.
    """
    specs: list[SourceSpec] = []
    for raw_path in paths:
        if "://" in raw_path:
            specs.append(database_spec(raw_path))
        else:
            specs.extend(_path_specs(raw_path, skipped))
    return _unique_names(specs)


def _path_specs(raw_path: str, skipped: list[str] | None) -> list[SourceSpec]:
    path = Path(raw_path).expanduser()
    if not path.exists():
        raise SourceError(f"{raw_path}: no such file or folder")
    if path.is_dir():
        return _folder_specs(path, skipped)
    if file_kind(path) is None:
        raise SourceError(f"{path}: unsupported file format (expected {_supported_list()})")
    return [file_spec(path)]


def _folder_specs(folder: Path, skipped: list[str] | None) -> list[SourceSpec]:
    entries: list[Path] = []
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith("."):
            continue
        if not entry.is_file() or file_kind(entry) is None:
            if skipped is not None:
                skipped.append(str(entry.resolve()))
            continue
        entries.append(entry.absolute())
    if not entries:
        raise SourceError(f"{folder}: folder has no supported files ({_supported_list()})")
    workers = max(1, min(HASH_THREADS, os.cpu_count() or 1, len(entries)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="dataraum-hash") as pool:
        return list(pool.map(_folder_file_spec, entries))  # in name order


def _folder_file_spec(entry: Path) -> SourceSpec:
    try:
        return file_spec(entry).model_copy(update={"in_folder": True})
    except SourceError as exc:
        return failed_spec(entry, str(exc))


def _supported_list() -> str:
    return " ".join(sorted(EXTENSION_KINDS)) + " and .csv.gz/.tsv.gz"


def split_name(path: Path) -> tuple[str, str, bool]:
    """(stem, extension, gzipped) of a file name: `a.b.csv.gz` -> ('a.b', '.csv', True)."""
    name = path.name
    gzipped = name.lower().endswith(".gz")
    if gzipped:
        name = name[:-3]
    dot = name.rfind(".")
    if dot <= 0:
        return name, "", gzipped
    return name[:dot], name[dot:].lower(), gzipped


def file_kind(path: Path) -> str | None:
    """The kind a file's name says it is, or None when unsupported."""
    _, ext, gzipped = split_name(path)
    kind = EXTENSION_KINDS.get(ext)
    if kind is None or (gzipped and kind not in GZIP_KINDS):
        return None
    return kind


def open_binary(path: Path) -> BinaryIO:
    """Open a source file for reading bytes, decompressing `.gz` transparently."""
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def file_spec(path: Path) -> SourceSpec:
    """Check one file (exists, not empty, not binary) and describe it."""
    kind = file_kind(path)
    if kind is None:
        raise SourceError(f"{path}: unsupported file format (expected {_supported_list()})")
    check_regular_file(path)
    head = _read_head(path)
    if not head.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise SourceError(f"{path}: file is empty")
    if kind == "parquet":
        if not head.startswith(b"PAR1"):
            raise SourceError(f"{path}: not a Parquet file")
    elif looks_binary(head):
        raise SourceError(f"{path}: looks like a binary file, not {kind.upper()} text")
    if kind in ("json", "ndjson"):
        kind = "json" if head.lstrip(b" \t\r\n\xef\xbb\xbf").startswith(b"[") else "ndjson"
    stem, _, _ = split_name(path)
    return SourceSpec(name=stem, kind=kind, location=str(path.resolve()), content_hash=file_sha256(path))


def check_regular_file(path: Path) -> None:
    """Refuse at once what is not a regular file: reading a FIFO, a device or a socket
    would block or never end."""
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        raise SourceError(f"{path}: cannot read file ({exc.strerror or exc})") from exc
    if not stat.S_ISREG(mode):
        what = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
                else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file")
        raise SourceError(f"{path}: not a regular file ({what})")


def failed_spec(path: Path, error: str) -> SourceSpec:
    """A folder's file that cannot be staged: kept as a spec carrying its error."""
    stem, _, _ = split_name(path)
    try:
        content_hash = file_sha256(path)
    except OSError:
        content_hash = f"unreadable:{uuid.uuid4().hex}"
    return SourceSpec(name=stem, kind=file_kind(path) or "csv", location=str(path.resolve()),
                      content_hash=content_hash, in_folder=True, error=error)


def _read_head(path: Path) -> bytes:
    try:
        with open_binary(path) as handle:
            return handle.read(SNIFF_BYTES)
    except (OSError, EOFError, zlib.error) as exc:
        raise SourceError(f"{path}: cannot read file ({exc})") from exc


def looks_binary(head: bytes) -> bool:
    """True when the first bytes are not text in any encoding we read.

    UTF-16 text legitimately holds NUL bytes, so a UTF-16 BOM wins first. Otherwise a
    NUL byte, or many C0 control characters, means binary (PNG, ZIP, executables...).
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13))
    return controls > max(8, len(head) // 100)


def redact_url(url: str) -> str:
    """The URL with its password replaced by `***` (and otherwise unchanged)."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        scheme = url.split("://", 1)[0]
        return f"{scheme}://***"


def database_spec(url: str) -> SourceSpec:
    """Describe a database URL (`sqlite:///x.db`, `postgresql+asyncpg://u:pw@h/db`...)."""
    redacted = redact_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise SourceError(f"{redacted}: not a valid database URL") from exc
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise SourceError(f"{redacted}: unsupported database (use sqlite:// or postgresql://)")
    return SourceSpec(
        name=redacted, kind="database", location=redacted, content_hash=f"volatile:{uuid.uuid4().hex}"
    )


def source_url(spec: SourceSpec, source_paths: list[str]) -> str | None:
    """The real URL (with its secret) of a database source, found again among the paths
    the run was given: a source spec holds only the redacted form, so that no secret is
    ever stored or shown. None for a file."""
    if spec.kind != "database":
        return None
    for path in source_paths:
        if "://" in path and redact_url(path) == spec.location:
            return path
    raise SourceError(f"{spec.location}: the run was not given this database URL")


def _unique_names(specs: list[SourceSpec]) -> list[SourceSpec]:
    seen: set[str] = set()
    unique: list[SourceSpec] = []
    for spec in specs:
        if spec.kind == "database":
            unique.append(spec)
            continue
        name, n = spec.name, 1
        while name.lower() in seen:
            n += 1
            name = f"{spec.name}_{n}"
        seen.add(name.lower())
        if name != spec.name:
            spec = spec.model_copy(update={"name": name, "renamed_from": spec.name})
        unique.append(spec)
    return unique
