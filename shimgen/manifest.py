"""The shim manifest: one record per generated stub, stored in ``.codemod/shims.json``.

The target repository commits the manifest, so the file is stable: records sorted by old
path, keys in a fixed order, two-space indentation and a trailing newline. Saving the
same records twice gives the same bytes.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any

from shimgen.render import ShimSpec, shim_hash

MANIFEST_PATH = ".codemod/shims.json"
MANIFEST_VERSION = 1


class ManifestError(ValueError):
    """A manifest file that cannot be read as a shim manifest."""


@dataclass(frozen=True)
class ShimRecord:
    """One generated stub as the manifest lists it."""

    old_path: str
    old_module: str
    new_module: str
    kind: str
    batch: str
    created: str
    remove_after: str
    hash: str  # shim_hash() of the stub text as generated

    @classmethod
    def from_spec(cls, spec: ShimSpec, text: str) -> ShimRecord:
        """Build the record of the stub ``text`` rendered from ``spec``."""
        return cls(
            old_path=spec.old_path,
            old_module=spec.old_module,
            new_module=spec.new_module,
            kind=spec.kind,
            batch=spec.batch,
            created=spec.created,
            remove_after=spec.remove_after,
            hash=shim_hash(text),
        )


_FIELD_NAMES = tuple(field.name for field in fields(ShimRecord))


def load_manifest(path: Path) -> list[ShimRecord]:
    """Read the records of the manifest at ``path``, or [] when the file does not exist.

    Raises ManifestError naming the file when it is not valid JSON, has an unknown
    version, or contains a record with a missing, unknown or non-string field.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    return parse_manifest(text, source=str(path))


def parse_manifest(text: str, *, source: str) -> list[ShimRecord]:
    """Read the records of manifest ``text``; ``source`` names it in errors (a path, or a commit and path)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ManifestError(
            f"{source}: invalid JSON ({error}); fix the file or restore it from git"
        ) from None

    records = [
        _parse_record(source, index, entry) for index, entry in enumerate(_entries(source, document))
    ]
    _reject_duplicates(source, records)
    return sorted(records, key=_sort_key)


def save_manifest(path: Path, records: Sequence[ShimRecord]) -> None:
    """Write ``records`` to ``path`` sorted by old path, creating the parent folder.

    The file is replaced in one step, so a reader never sees half of it.
    """
    _reject_duplicates(path, records)
    document = {
        "version": MANIFEST_VERSION,
        "shims": [asdict(record) for record in sorted(records, key=_sort_key)],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=target.name, suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def merge_records(existing: Iterable[ShimRecord], new: Iterable[ShimRecord]) -> list[ShimRecord]:
    """Return ``existing`` with every record of ``new`` added or replacing the one of the same old path."""
    new_records = list(new)
    _reject_duplicates("new records", new_records)

    merged = {record.old_path: record for record in existing}
    merged.update((record.old_path, record) for record in new_records)
    return sorted(merged.values(), key=_sort_key)


def _sort_key(record: ShimRecord) -> str:
    return record.old_path


def _entries(path: object, document: Any) -> list[Any]:
    if not isinstance(document, dict):
        raise ManifestError(f"{path}: expected a JSON object with 'version' and 'shims'")
    version = document.get("version")
    if version != MANIFEST_VERSION:
        raise ManifestError(
            f"{path}: unsupported manifest version {version!r}, expected {MANIFEST_VERSION}; "
            "use the codemod version that wrote it"
        )
    entries = document.get("shims")
    if not isinstance(entries, list):
        raise ManifestError(f"{path}: 'shims' must be a list of records")
    return entries


def _parse_record(path: object, index: int, entry: Any) -> ShimRecord:
    where = f"{path}: shims[{index}]"
    if not isinstance(entry, dict):
        raise ManifestError(f"{where} must be a JSON object")

    missing = [name for name in _FIELD_NAMES if name not in entry]
    unknown = sorted(set(entry) - set(_FIELD_NAMES))
    if missing or unknown:
        raise ManifestError(
            f"{where} has missing fields {missing} and unknown fields {unknown}; "
            f"a record has exactly {list(_FIELD_NAMES)}"
        )
    not_text = [name for name in _FIELD_NAMES if not isinstance(entry[name], str)]
    if not_text:
        raise ManifestError(f"{where}: fields {not_text} must be strings")
    return ShimRecord(**{name: entry[name] for name in _FIELD_NAMES})


def _reject_duplicates(source: object, records: Iterable[ShimRecord]) -> None:
    seen: set[str] = set()
    for record in records:
        if record.old_path in seen:
            raise ManifestError(
                f"{source}: more than one record for old path {record.old_path!r}; keep one"
            )
        seen.add(record.old_path)
