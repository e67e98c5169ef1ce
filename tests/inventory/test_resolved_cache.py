"""A rescan with nothing changed reuses the stored resolutions; any change that matters resolves again."""

from __future__ import annotations

import pytest

from inventory import scan_repository
from inventory.cache import FactsCache


def statuses(inventory) -> dict[str, str]:
    return {f"{item.site.file}:{item.site.module}": item.resolution.status for item in inventory.imports}


def test_warm_rescan_is_served_from_stored_result(write_repo, monkeypatch):
    root = write_repo({"a.py": "import b\n", "b.py": "X = 1\n"})
    cold = scan_repository(root)
    monkeypatch.setattr("inventory.api._resolve", lambda *arguments: pytest.fail("resolved again"))

    warm = scan_repository(root)

    assert warm.imports == cold.imports


def test_warm_rescan_matches_cold(write_repo):
    root = write_repo(
        {
            "scripts/etl/job.py": "import sys, os\nsys.path.insert(0, os.path.dirname(__file__))\nimport helper\nimport json\n",
            "scripts/etl/helper.py": "X = 1\n",
        }
    )

    cold = scan_repository(root)
    warm = scan_repository(root)

    assert warm.parsed == 0
    assert warm.imports == cold.imports
    assert warm.files == cold.files


def test_new_file_resolves_again(write_repo):
    root = write_repo({"scripts/etl/job.py": "import helper\n", "scripts/other/helper.py": "X = 1\n"})
    assert statuses(scan_repository(root))["scripts/etl/job.py:helper"] == "unresolved"

    write_repo({"scripts/etl/helper.py": "X = 2\n"})
    rescan = scan_repository(root)

    assert statuses(rescan)["scripts/etl/job.py:helper"] == "local"
    assert rescan.parsed == 1


def test_new_folder_resolves_again(write_repo):
    root = write_repo({"scripts/job.py": "import data.loader\n", "data/loader.py": "X = 1\n"})
    before = scan_repository(root)

    # A folder beside the script becomes the first namespace portion of `data`.
    write_repo({"scripts/data/notes.txt": "no Python here\n"})
    after = scan_repository(root)

    assert after.parsed == 0
    assert after.imports != before.imports
    assert after.imports == scan_repository(root, use_cache=False).imports


def test_changed_roots_resolve_again(write_repo):
    root = write_repo({"app/main.py": "import lib_module\n", "src/lib_module.py": "X = 1\n"})
    assert statuses(scan_repository(root))["app/main.py:lib_module"] == "unresolved"

    with_roots = scan_repository(root, roots=["src"])

    assert statuses(with_roots)["app/main.py:lib_module"] == "local"


def test_edited_file_resolves_again(write_repo):
    root = write_repo({"a.py": "import b\n", "b.py": "X = 1\n", "c.py": "Y = 1\n"})
    scan_repository(root)

    write_repo({"a.py": "import c\n"})
    rescan = scan_repository(root)

    assert [item.site.module for item in rescan.imports] == ["c"]
    assert rescan.imports[0].resolution.target == "c.py"


def test_unreadable_stored_row_is_a_miss(write_repo):
    root = write_repo({"a.py": "import b\n", "b.py": "X = 1\n"})
    first = scan_repository(root)
    with FactsCache(root) as cache:
        connection = cache._require()
        with connection:
            connection.execute("UPDATE resolved SET data = ?", (b"not a pickle",))

    again = scan_repository(root)

    assert again.imports == first.imports


def test_missing_stored_rows_are_a_miss(write_repo):
    root = write_repo({"a.py": "import b\n", "b.py": "X = 1\n"})
    first = scan_repository(root)
    with FactsCache(root) as cache:
        connection = cache._require()
        with connection:
            connection.execute("DELETE FROM resolved WHERE rowid = (SELECT MIN(rowid) FROM resolved)")

    again = scan_repository(root)

    assert again.imports == first.imports
