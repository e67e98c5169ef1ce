from __future__ import annotations

import logging
import pickle
import sqlite3

from inventory import scan_repository
from inventory.cache import FactsCache
from inventory.scan import scan_source

FILES = {
    "scripts/etl/a.py": "import os\n",
    "scripts/etl/b.py": "from a import x\n",
    "scripts/etl/c.py": "import sys\n",
    "run.sh": "python scripts/etl/a.py\n",
}


def test_rescan_parses_only_changed_files(write_repo):
    root = write_repo(FILES)

    first = scan_repository(root)
    second = scan_repository(root)
    (root / "scripts/etl/b.py").write_text("from a import y\n")
    third = scan_repository(root)

    assert (first.parsed, second.parsed, third.parsed) == (3, 0, 1)
    assert third.facts("scripts/etl/b.py").imports[0].name == "y"
    assert second.files == first.files
    assert second.references == first.references


def test_cache_is_git_ignored(write_repo):
    root = write_repo(FILES)

    scan_repository(root)

    assert (root / ".codemod" / "cache.sqlite").exists()
    assert (root / ".codemod" / ".gitignore").read_text() == "*\n"


def test_without_cache_nothing_is_written(write_repo):
    root = write_repo(FILES)

    inventory = scan_repository(root, use_cache=False)

    assert inventory.parsed == 3
    assert not (root / ".codemod").exists()


def test_corrupt_cache_is_rebuilt(write_repo, caplog):
    root = write_repo(FILES)
    (root / ".codemod").mkdir()
    (root / ".codemod" / "cache.sqlite").write_bytes(b"this is not a database" * 100)

    with caplog.at_level(logging.WARNING, logger="inventory.cache"):
        first = scan_repository(root)
    second = scan_repository(root)

    assert first.parsed == 3
    assert second.parsed == 0
    assert "deleting and rebuilding" in caplog.text


def test_version_change_empties_cache(write_repo):
    root = write_repo(FILES)
    scan_repository(root)
    connection = sqlite3.connect(str(root / ".codemod" / "cache.sqlite"))
    with connection:
        connection.execute("UPDATE meta SET value = 'old-scanner' WHERE key = 'version'")
    connection.close()

    inventory = scan_repository(root)

    assert inventory.parsed == 3


def test_planted_pickle_is_not_loaded(tmp_path):
    class Planted:
        def __reduce__(self):
            return (print, ("planted code ran",))

    facts = scan_source("a.py", b"x = 1\n")
    with FactsCache(tmp_path) as cache:
        cache.store([facts])
        connection = cache._connection
        with connection:
            connection.execute("UPDATE facts SET data = ?", (pickle.dumps(Planted()),))
        loaded = cache.load({"a.py": facts.sha})

    assert loaded == {}


def test_old_table_layout_is_replaced(write_repo):
    root = write_repo(FILES)
    (root / ".codemod").mkdir()
    connection = sqlite3.connect(str(root / ".codemod" / "cache.sqlite"))
    with connection:
        connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
        connection.execute("INSERT INTO meta VALUES ('version', 'old-scanner')")
        connection.execute("CREATE TABLE facts (path TEXT)")
    connection.close()

    first = scan_repository(root)
    second = scan_repository(root)

    assert first.parsed == 3
    assert second.parsed == 0
