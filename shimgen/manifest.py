"""The shim manifests: one record per generated stub, one file per batch.

Each batch's records are stored in ``.codemod/shims/<batch>.json``, so batches
built in parallel from one commit add different files and merge without a
conflict. Repositories where an earlier codemod version applied batches also have
the single file ``.codemod/shims.json``, which is still read (and pruned) but never
written to. ``read_manifests`` reads every manifest file of a tree, from a folder
or, through the functions it is given, from a commit.

The target repository commits the manifests, so each file is stable: records sorted
by old path, keys in a fixed order, two-space indentation and a trailing newline.
Saving the same records twice gives the same bytes.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import Any, Callable, Optional

from shimgen.render import ShimSpec, shim_hash

MANIFEST_FOLDER = ".codemod/shims"  # one file per batch: <batch>.json
LEGACY_MANIFEST_PATH = ".codemod/shims.json"  # the single manifest of codemod versions before per-batch files
MANIFEST_VERSION = 1

# Batch names are limited to these characters by the configuration, so the name is the file name.
_BATCH_FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
# Reserved device names, also before an extension (`nul.json` is NUL), in any case: Microsoft's
# "Naming Files, Paths, and Namespaces". Its superscript-digit names need no entry: batch names are ASCII.
_WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"{prefix}{digit}" for prefix in ("com", "lpt") for digit in range(1, 10)]
)


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


ListFolder = Callable[[str], Iterable[str]]  # names of the files directly in a folder of the tree; none when it is absent
ReadFile = Callable[[str], Optional[bytes]]  # bytes of a file of the tree, or None when it is absent


@dataclass(frozen=True)
class ShimManifests:
    """The manifest files of one tree (a checkout or a commit) and the records in each."""

    files: Mapping[str, tuple[ShimRecord, ...]]  # repository-relative path -> its records, sorted by old path

    @property
    def records(self) -> list[ShimRecord]:
        """Every record of the tree, sorted by old path."""
        return sorted((record for records in self.files.values() for record in records), key=_sort_key)

    def file_of(self, old_path: str) -> Optional[str]:
        """Return the manifest file that contains the record of ``old_path``, or None."""
        for path, records in self.files.items():
            if any(record.old_path == old_path for record in records):
                return path
        return None


def manifest_path(batch: str) -> str:
    """Return the repository-relative path of the manifest file of ``batch``.

    The file name is the batch name followed by ``.json``. Raises ManifestError when
    the name cannot be a file name everywhere git runs (see docs/shims.md).
    """
    path = f"{MANIFEST_FOLDER}/{batch}.json"
    if not _BATCH_FILE_NAME.match(batch):
        raise ManifestError(
            f"batch name {batch!r} cannot be the file name of its manifest {path}; use letters, digits, "
            "'.', '_' and '-', starting with a letter or digit, and rename the batch in the configuration"
        )
    if batch.split(".", 1)[0].lower() in _WINDOWS_DEVICE_NAMES:
        raise ManifestError(
            f"batch name {batch!r} is a Windows device name, so its manifest {path} cannot be checked out "
            "on Windows; rename the batch in the configuration"
        )
    return path


def is_manifest_path(path: str) -> bool:
    """Return True when the repository-relative ``path`` is a manifest file (per batch, or the old single file)."""
    folder, _, name = path.rpartition("/")
    return path == LEGACY_MANIFEST_PATH or (folder == MANIFEST_FOLDER and name.endswith(".json"))


def read_manifests(
    list_folder: ListFolder, read_file: ReadFile, *, source_of: Callable[[str], str] = str
) -> ShimManifests:
    """Read every manifest file of a tree: each ``.codemod/shims/*.json``, and ``.codemod/shims.json`` when present.

    ``list_folder`` and ``read_file`` take repository-relative paths, so the tree can
    be a folder on disk or a commit. ``source_of`` turns such a path into the name
    that errors use. Raises ManifestError naming the file when one cannot be read,
    and naming both files when two of them list the same old path.
    """
    batch_files = sorted(f"{MANIFEST_FOLDER}/{name}" for name in list_folder(MANIFEST_FOLDER) if name.endswith(".json"))
    files: dict[str, tuple[ShimRecord, ...]] = {}
    holders: dict[str, str] = {}
    for path in [LEGACY_MANIFEST_PATH, *batch_files]:
        data = read_file(path)
        if data is None:
            continue
        source = source_of(path)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            raise ManifestError(f"{source}: not valid UTF-8 ({error}); fix the file or restore it from git") from None

        records = parse_manifest(text, source=source)
        for record in records:
            other = holders.setdefault(record.old_path, path)
            if other != path:
                raise ManifestError(
                    f"old path {record.old_path!r} is listed in both {source_of(other)} and {source}; a shim has "
                    "one record, so delete the record from the file of the batch that did not create the shim "
                    "(the `# codemod-shim:` header of the shim names its batch)"
                )
        files[path] = tuple(records)
    return ShimManifests(files)


def manifests_in_folder(root: Path, *, label: Optional[str] = None) -> ShimManifests:
    """Read every manifest file of the checkout at ``root`` (see :func:`read_manifests`).

    Errors name a file ``<label>:<path>`` when ``label`` is given (the branch or commit
    of a temporary checkout), else by its full path.
    """
    root = Path(root)

    def list_folder(folder: str) -> list[str]:
        try:
            return [entry.name for entry in (root / folder).iterdir() if entry.is_file()]
        except (FileNotFoundError, NotADirectoryError):
            return []

    def read_file(path: str) -> Optional[bytes]:
        try:
            return (root / path).read_bytes()
        except FileNotFoundError:
            return None

    def source_of(path: str) -> str:
        return f"{label}:{path}" if label else str(root / path)

    return read_manifests(list_folder, read_file, source_of=source_of)


def load_manifest(path: Path) -> list[ShimRecord]:
    """Read the records of the one manifest file at ``path``, or [] when the file does not exist.

    For every record of a tree, use :func:`manifests_in_folder` or :func:`read_manifests`.

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
