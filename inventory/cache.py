"""SQLite cache of ``FileFacts`` (and external references) keyed by file path and content hash.

The cache lives at ``<root>/.codemod/cache.sqlite``. Its ``version`` row is
a hash of the scanner's own source and the Python version, so any change to
the code that produces facts (or to the ``ast`` it reads) empties it. A
corrupt or unreadable cache file is deleted and rebuilt.
"""

from __future__ import annotations

import hashlib
import io
import logging
import pickle
import sqlite3
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Optional

from inventory.model import ExternalReference, FileFacts, ResolvedImport

logger = logging.getLogger(__name__)

CACHE_FOLDER = ".codemod"
CACHE_FILE = "cache.sqlite"
RESOLVED_FILES_PER_ROW = 256  # an estimate: few rows to load, small pickling memory per row
_VERSIONED_MODULES = (
    "api.py",
    "model.py",
    "scan.py",
    "pathexpr.py",
    "resolve.py",
    "references.py",
    "cache.py",
)


def cache_version() -> str:
    """Return a fingerprint of the code that produces cached facts."""
    digest = hashlib.sha256(sys.version.encode())
    package_folder = Path(__file__).parent
    for name in _VERSIONED_MODULES:
        digest.update((package_folder / name).read_bytes())
    return digest.hexdigest()[:20]


class _ModelUnpickler(pickle.Unpickler):
    """Unpickler that builds only inventory model classes, so a planted cache file runs no code."""

    def find_class(self, module: str, name: str) -> object:
        if module == "inventory.model" and name[:1].isupper():
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"{module}.{name} is not an inventory model class")


class FactsCache:
    """Facts of previously scanned files; use as a context manager."""

    def __init__(self, root: Path) -> None:
        self.folder = root / CACHE_FOLDER
        self.path = self.folder / CACHE_FILE
        self._connection: Optional[sqlite3.Connection] = None

    def __enter__(self) -> FactsCache:
        self.open()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def open(self) -> None:
        self._prepare_folder()
        try:
            self._connection = self._connect()
        except sqlite3.OperationalError as error:
            if "locked" in str(error) or "busy" in str(error):
                raise  # another scan is writing it; the caller scans without the cache
            logger.warning(
                "cache %s is unreadable (%s); deleting and rebuilding it", self.path, error
            )
            self._delete()
            self._connection = self._connect()
        except (sqlite3.DatabaseError, OSError) as error:
            logger.warning(
                "cache %s is unreadable (%s); deleting and rebuilding it", self.path, error
            )
            self._delete()
            self._connection = self._connect()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def load(self, expected: Mapping[str, str]) -> dict[str, FileFacts]:
        """Return cached facts for each ``path -> sha`` in ``expected`` that has them."""
        connection = self._require()
        found: dict[str, FileFacts] = {}
        try:
            rows = connection.execute("SELECT path, sha, data FROM facts").fetchall()
        except sqlite3.DatabaseError as error:
            logger.warning(
                "cache %s could not be read (%s); rescanning every file", self.path, error
            )
            return found
        for path, sha, data in rows:
            if expected.get(path) != sha:
                continue
            try:
                found[path] = _ModelUnpickler(io.BytesIO(data)).load()
            except Exception as error:  # noqa: BLE001 - a bad row is only a cache miss
                logger.warning("cache entry for %s is unreadable (%s); rescanning it", path, error)
        return found

    def store(self, facts: Iterable[FileFacts], keep: Optional[Mapping[str, str]] = None) -> None:
        """Save ``facts``; with ``keep``, drop rows whose (path, sha) is not in it."""
        connection = self._require()
        rows = [
            (item.path, item.sha, pickle.dumps(item, protocol=pickle.HIGHEST_PROTOCOL))
            for item in facts
        ]
        try:
            with connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO facts (path, sha, data) VALUES (?, ?, ?)", rows
                )
                if keep is not None:
                    self._prune(connection, keep)
        except sqlite3.DatabaseError as error:
            logger.warning(
                "cache %s could not be written (%s); the next scan parses again", self.path, error
            )

    def load_references(
        self, fingerprint: str
    ) -> dict[str, tuple[str, tuple[ExternalReference, ...]]]:
        """Return ``path -> (sha, references)`` stored for the Python-file set ``fingerprint``."""
        connection = self._require()
        found: dict[str, tuple[str, tuple[ExternalReference, ...]]] = {}
        try:
            rows = connection.execute(
                "SELECT path, sha, data FROM refs WHERE fingerprint = ?", (fingerprint,)
            ).fetchall()
        except sqlite3.DatabaseError as error:
            logger.warning(
                "cache %s could not be read (%s); rescanning references", self.path, error
            )
            return found
        for path, sha, data in rows:
            try:
                found[path] = (sha, _ModelUnpickler(io.BytesIO(data)).load())
            except Exception as error:  # noqa: BLE001 - a bad row is only a cache miss
                logger.warning(
                    "cached references of %s are unreadable (%s); rescanning them", path, error
                )
        return found

    def store_references(
        self, fingerprint: str, entries: Mapping[str, tuple[str, tuple[ExternalReference, ...]]]
    ) -> None:
        """Save ``path -> (sha, references)`` and drop rows of other fingerprints."""
        connection = self._require()
        rows = [
            (path, sha, fingerprint, pickle.dumps(references, protocol=pickle.HIGHEST_PROTOCOL))
            for path, (sha, references) in entries.items()
        ]
        try:
            with connection:
                connection.execute("DELETE FROM refs WHERE fingerprint != ?", (fingerprint,))
                connection.executemany(
                    "INSERT OR REPLACE INTO refs (path, sha, fingerprint, data) VALUES (?, ?, ?, ?)",
                    rows,
                )
        except sqlite3.DatabaseError as error:
            logger.warning(
                "cache %s could not be written (%s); the next scan reads references again",
                self.path,
                error,
            )

    def load_resolved(
        self, key: str
    ) -> Optional[tuple[tuple[FileFacts, ...], tuple[ResolvedImport, ...]]]:
        """Return the completed facts and resolved imports stored under ``key``, if any.

        A rescan with nothing changed then skips resolving, which costs more
        than loading the stored result.
        """
        connection = self._require()
        try:
            stored_key = connection.execute(
                "SELECT value FROM meta WHERE key = 'resolved'"
            ).fetchone()
            rows = connection.execute("SELECT data FROM resolved ORDER BY rowid").fetchall()
        except sqlite3.DatabaseError as error:
            logger.warning("cache %s could not be read (%s); resolving again", self.path, error)
            return None
        if stored_key is None or stored_key[0] != f"{key}:{len(rows)}":
            return None

        facts: list[FileFacts] = []
        imports: list[ResolvedImport] = []
        for (data,) in rows:
            try:
                chunk = _ModelUnpickler(io.BytesIO(data)).load()
            except Exception as error:  # noqa: BLE001 - a bad row is only a cache miss
                logger.warning("stored resolutions are unreadable (%s); resolving again", error)
                return None
            for item, resolutions in chunk:
                facts.append(item)
                imports.extend(map(ResolvedImport, item.imports, resolutions))
        return tuple(facts), tuple(imports)

    def store_resolved(
        self, key: str, facts: tuple[FileFacts, ...], imports: tuple[ResolvedImport, ...]
    ) -> None:
        """Save the completed facts and resolved imports of one scan, replacing older ones.

        ``imports`` must list each file's sites in the order of ``facts``, as
        ``Resolver.resolve_all`` returns them. A row contains ``RESOLVED_FILES_PER_ROW``
        files, which keeps the pickler's memo small, where one row for all would
        hold every object of the scan in it at once.
        """
        connection = self._require()
        pairs = []
        position = 0
        for item in facts:
            count = len(item.imports)
            resolutions = tuple(resolved.resolution for resolved in imports[position : position + count])
            position += count
            pairs.append((item, resolutions))
        rows = [
            (pickle.dumps(tuple(pairs[start : start + RESOLVED_FILES_PER_ROW]), protocol=pickle.HIGHEST_PROTOCOL),)
            for start in range(0, len(pairs), RESOLVED_FILES_PER_ROW)
        ]
        try:
            with connection:
                connection.execute("DELETE FROM resolved")
                connection.executemany("INSERT INTO resolved (data) VALUES (?)", rows)
                connection.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES ('resolved', ?)",
                    (f"{key}:{len(rows)}",),
                )
        except sqlite3.DatabaseError as error:
            logger.warning(
                "cache %s could not be written (%s); the next scan resolves again", self.path, error
            )

    def _prune(self, connection: sqlite3.Connection, keep: Mapping[str, str]) -> None:
        stale = [
            (path, sha)
            for path, sha in connection.execute("SELECT path, sha FROM facts")
            if keep.get(path) != sha
        ]
        connection.executemany("DELETE FROM facts WHERE path = ? AND sha = ?", stale)

    def _require(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError("FactsCache is not open; use it in a with statement")
        return self._connection

    def _prepare_folder(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            ignore.write_text("*\n", encoding="utf-8")

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(str(self.path))
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
            self._create_tables(connection)
            self._check_version(connection)
        except sqlite3.DatabaseError:
            connection.close()
            raise
        return connection

    @staticmethod
    def _create_tables(connection: sqlite3.Connection) -> None:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS facts"
            " (path TEXT, sha TEXT, data BLOB, PRIMARY KEY (path, sha))"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS refs"
            " (path TEXT PRIMARY KEY, sha TEXT, fingerprint TEXT, data BLOB)"
        )
        connection.execute("CREATE TABLE IF NOT EXISTS resolved (data BLOB)")

    def _check_version(self, connection: sqlite3.Connection) -> None:
        version = cache_version()
        row = connection.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
        if row is not None and row[0] == version:
            return
        if row is not None:
            logger.info("scanner code changed since the cache was written; emptying %s", self.path)
        with connection:
            # Recreating the tables also repairs a layout written by older code.
            connection.execute("DROP TABLE IF EXISTS facts")
            connection.execute("DROP TABLE IF EXISTS refs")
            connection.execute("DROP TABLE IF EXISTS resolved")
            connection.execute("DELETE FROM meta WHERE key = 'resolved'")
            self._create_tables(connection)
            connection.execute(
                "INSERT OR REPLACE INTO meta (key, value) VALUES ('version', ?)", (version,)
            )

    def _delete(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            candidate = self.path.with_name(self.path.name + suffix)
            try:
                candidate.unlink()
            except FileNotFoundError:
                pass
