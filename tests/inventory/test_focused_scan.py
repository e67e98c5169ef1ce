"""A focused scan parses the files a task can reach and lists the others as unscanned."""

from __future__ import annotations

from pathlib import Path

from inventory import scan_repository
from inventory.model import Focus
from tests.conftest import make_repo

FILES = {
    "etl/scraper_config.py": "LIMIT = 3\n",
    "etl/use.py": "import scraper_config\n\nprint(scraper_config.LIMIT)\n",
    "etl/unrelated.py": "import json\n\nVALUE = json.dumps([])\n",
    "reports/scraper_config.py": "NAME = 'other'\n",
    "run_etl.sh": "python etl/scraper_config.py --once\npython etl/unrelated.py\n",
    "run_other.sh": "python etl/unrelated.py\n",
}

FOCUS = Focus(paths=frozenset({"etl/scraper_config.py"}), needles=(b"scraper_config",))


def focused(root: Path, focus: Focus = FOCUS, *, use_cache: bool = False):
    return scan_repository(root, use_cache=use_cache, focus=lambda paths: focus)


def test_only_selected_files_are_parsed(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)

    inventory = focused(root)

    assert inventory.parsed == 2
    assert inventory.unscanned == {"etl/unrelated.py", "reports/scraper_config.py"}
    assert {item.site.file for item in inventory.imports} == {"etl/use.py"}


def test_unscanned_files_keep_path_hash_and_size(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)

    stub = focused(root).facts("etl/unrelated.py")

    assert stub is not None
    assert (stub.size, len(stub.sha), stub.imports, stub.defines) == (len(FILES["etl/unrelated.py"]), 64, (), ())


def test_file_order_matches_the_whole_scan(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)

    whole = scan_repository(root, use_cache=False)

    assert [item.path for item in focused(root).files] == [item.path for item in whole.files]


def test_selected_files_same_facts_as_whole(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    whole = scan_repository(root, use_cache=False)

    part = focused(root)

    for path in ("etl/scraper_config.py", "etl/use.py"):
        assert part.facts(path) == whole.facts(path)
    assert part.imports == tuple(item for item in whole.imports if item.site.file == "etl/use.py")


def test_duplicate_basename_counts_unscanned_files(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)

    facts = focused(root).facts("etl/scraper_config.py")

    assert facts is not None
    assert [hazard.detail for hazard in facts.hazards if hazard.kind == "duplicate-basename"] == [
        "scraper_config.py also exists at reports/scraper_config.py"
    ]


def test_references_only_from_needle_files(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)

    references = focused(root).references

    assert {(reference.file, reference.target) for reference in references} == {
        ("run_etl.sh", "etl/scraper_config.py"),
        ("run_etl.sh", "etl/unrelated.py"),
    }


HARD_CODED = {
    "etl/scraper_config.py": "LIMIT = 3\n",
    # "etl" alone is too weak to map; the checkout prefix comes from tools/paths.py.
    "jobs/run.py": "import sys\nsys.path.insert(0, '/home/alice/proj/etl')\nimport scraper_config\n",
    "tools/paths.py": "import sys\nsys.path.append('/home/alice/proj/tools/vendor')\n",
    "tools/vendor/lib.py": "X = 1\n",
    "tools/other.py": "import sys\nprint(sys.path)\n",
}


def test_absolute_edit_parses_prefix_files(tmp_path):
    root = make_repo(tmp_path / "repo", HARD_CODED)
    whole = scan_repository(root, use_cache=False)

    part = focused(root)

    site = next(item for item in part.imports if item.site.module == "scraper_config")
    assert (site.resolution.status, site.resolution.target) == ("local", "etl/scraper_config.py")
    assert part.imports == tuple(item for item in whole.imports if item.site.file in {"jobs/run.py", "tools/paths.py"})
    assert part.unscanned == {"tools/other.py", "tools/vendor/lib.py"}


def test_relative_edit_parses_no_extra_files(tmp_path):
    files = {**HARD_CODED, "jobs/run.py": "import sys\nsys.path.insert(0, 'etl')\nimport scraper_config\n"}
    root = make_repo(tmp_path / "repo", files)

    assert focused(root).unscanned == {"tools/paths.py", "tools/other.py", "tools/vendor/lib.py"}


def test_focused_scan_stores_facts_but_no_resolved_scan(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    focused(root, use_cache=True)

    whole = scan_repository(root)

    assert (whole.parsed, whole.unscanned) == (2, frozenset())
    assert scan_repository(root).parsed == 0


def test_cached_whole_scan_wins_over_focus(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    scan_repository(root)

    part = focused(root, use_cache=True)

    assert (part.parsed, part.unscanned) == (0, frozenset())
    assert len(part.imports) == 2

