from __future__ import annotations

import pytest

from inventory import build_graph, scan_repository

LEGACY = {
    "scripts/etl/scraper_config.py": """
        import logging
        logger = logging.getLogger(__name__)
        class ScraperConfig: pass
        """,
    "scripts/etl/espn_scraper.py": """
        '''ESPN scraper.

        Usage:
            from scraper_config import ScraperConfig
        '''
        import sys
        from pathlib import Path
        sys.path.append(str(Path(__file__).parent.parent.parent))
        from scripts.etl.scraper_config import ScraperConfig
        from scraper_config import ScraperConfig as Bare
        from scripts.scrapers.async_scraper_base import AsyncBase

        if __name__ == "__main__":
            sys.exit(0)
        """,
    "scripts/etl/async_job.py": """
        import os, sys
        project_root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
        sys.path.insert(0, project_root)
        sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "utils"))
        import text_tools
        from scripts.etl import espn_scraper
        """,
    "scripts/utils/text_tools.py": "import re\n",
    "scripts/0_0011/thing.py": "x = 1\n",
    "scripts/my-script.py": "print('hi')\n",
    "scripts/etl/broken.py": "def f(:\n",
    "scripts/etl/py2.py": 'print "old"\n',
    "scripts/hardcoded.py": """
        import sys
        sys.path.append("/Users/someone/old-checkout/scripts/utils")
        sys.path.insert(0, "/Users/someone/old-checkout")
        import text_tools
        """,
    "scripts/other/scraper_config.py": "VALUE = 1\n",
    "scripts/etl/codegen.py": 'TEMPLATE = "from scripts.etl.scraper_config import ScraperConfig\\n"\n',
    "deploy/crontab": "0 * * * * cd /srv/app && python scripts/etl/espn_scraper.py\n",
    "docs/archive/ignored.py": "import nothing\n",
}


@pytest.fixture
def legacy_root(write_repo):
    return write_repo(LEGACY)


def resolution_of(inventory, path, module, name=None):
    for item in inventory.imports:
        site = item.site
        if site.file == path and site.module == module and (name is None or site.name == name):
            return item.resolution
    raise AssertionError(f"no import of {module} in {path}")


def hazards_of(inventory, path, kind):
    return [hazard for hazard in inventory.facts(path).hazards if hazard.kind == kind]


def test_scan_resolves_legacy_patterns(legacy_root):
    inventory = scan_repository(legacy_root, exclude=["docs/**"])

    absolute = resolution_of(inventory, "scripts/etl/espn_scraper.py", "scripts.etl.scraper_config")
    bare = resolution_of(inventory, "scripts/etl/espn_scraper.py", "scraper_config")
    missing = resolution_of(
        inventory, "scripts/etl/espn_scraper.py", "scripts.scrapers.async_scraper_base"
    )
    tools = resolution_of(inventory, "scripts/etl/async_job.py", "text_tools")
    member = resolution_of(inventory, "scripts/etl/async_job.py", "scripts.etl", "espn_scraper")

    assert (absolute.target, absolute.via) == ("scripts/etl/scraper_config.py", "path-edit")
    assert (bare.target, bare.via) == ("scripts/etl/scraper_config.py", "script-folder")
    assert (missing.status, missing.reason) == ("unresolved", "scripts/scrapers does not exist")
    assert (tools.target, tools.via, tools.search_entry) == (
        "scripts/utils/text_tools.py",
        "path-edit",
        "scripts/utils",
    )
    assert member.member_target == "scripts/etl/espn_scraper.py"


def test_docstring_import_is_not_counted(legacy_root):
    inventory = scan_repository(legacy_root)

    modules = [site.module for site in inventory.facts("scripts/etl/espn_scraper.py").imports]

    assert modules.count("scraper_config") == 1


def test_one_file_under_two_names(legacy_root):
    inventory = scan_repository(legacy_root)

    names = inventory.names_of("scripts/etl/scraper_config.py")

    assert {"scraper_config", "scripts.etl.scraper_config"} <= set(names)


def test_hard_coded_paths_are_mapped(legacy_root):
    inventory = scan_repository(legacy_root)

    edits = inventory.facts("scripts/hardcoded.py").path_edits
    tools = resolution_of(inventory, "scripts/hardcoded.py", "text_tools")

    assert [edit.target for edit in edits] == ["scripts/utils", ""]
    assert tools.target == "scripts/utils/text_tools.py"
    assert len(hazards_of(inventory, "scripts/hardcoded.py", "hard-coded-path")) == 2


def test_parse_failures_are_not_fatal(legacy_root):
    inventory = scan_repository(legacy_root)

    assert inventory.facts("scripts/etl/broken.py").parse_error.startswith("line 1:")
    assert inventory.facts("scripts/etl/py2.py").parse_error.startswith("line 1:")
    assert inventory.stats["parse_failures"] == 2


def test_repository_hazards(legacy_root):
    inventory = scan_repository(legacy_root)

    assert hazards_of(inventory, "scripts/0_0011/thing.py", "invalid-name")
    assert hazards_of(inventory, "scripts/my-script.py", "invalid-name")
    assert hazards_of(inventory, "scripts/etl/scraper_config.py", "duplicate-basename")
    assert hazards_of(inventory, "scripts/other/scraper_config.py", "duplicate-basename")
    assert hazards_of(inventory, "scripts/etl/scraper_config.py", "logger-name")
    assert hazards_of(inventory, "scripts/etl/codegen.py", "import-text")
    assert not hazards_of(inventory, "scripts/etl/espn_scraper.py", "module-exit")


def test_string_reference_is_located(legacy_root):
    inventory = scan_repository(legacy_root)

    reference = inventory.facts("scripts/etl/codegen.py").strings[0]

    assert (reference.kind, reference.path) == ("import-text", "scripts/etl/scraper_config.py")


def test_external_references_and_excludes(legacy_root):
    inventory = scan_repository(legacy_root, exclude=["docs/**"])

    assert [
        (ref.file, ref.target, ref.kind, ref.starts_python) for ref in inventory.references
    ] == [("deploy/crontab", "scripts/etl/espn_scraper.py", "crontab", True)]
    assert inventory.facts("docs/archive/ignored.py") is None


def test_statistics(legacy_root):
    inventory = scan_repository(legacy_root, exclude=["docs/**"])

    stats = inventory.stats

    assert stats["python_files"] == 11
    assert stats["imports_by_status"]["unresolved"] == 1
    assert stats["local_imports_by_via"]["path-edit"] >= 2
    assert stats["entry_points"] == 1
    assert stats["path_edits"] == 5
    assert stats["path_edits_evaluated"] == 5
    assert stats["hazards_by_kind"]["parse-error"] == 2
    assert stats["external_references"] == 1


def test_progress_is_reported(legacy_root):
    calls = []

    scan_repository(
        legacy_root, use_cache=False, progress=lambda done, total: calls.append((done, total))
    )

    assert calls[0] == (0, 12)
    assert calls[-1] == (12, 12)


def test_configured_roots(write_repo):
    root = write_repo({"src/app/core.py": "", "scripts/run.py": "from app.core import main\n"})

    inventory = scan_repository(root, roots=["src"])

    assert inventory.imports[0].resolution.via == "configured-root"


def test_many_files_parse_in_worker_processes(write_repo):
    files = {
        f"scripts/area{index % 7}/module{index}.py": f"import os\nVALUE = {index}\n"
        for index in range(260)
    }
    root = write_repo(files)

    pooled = scan_repository(root, use_cache=False, jobs=2)
    serial = scan_repository(root, use_cache=False, jobs=1)

    assert pooled.parsed == 260
    assert pooled.files == serial.files


def test_graph_from_inventory(legacy_root):
    inventory = scan_repository(legacy_root)

    graph = build_graph(inventory)

    assert ("scripts/etl/espn_scraper.py", "scripts/etl/scraper_config.py") in graph.edges
    assert graph.fan_in["scripts/etl/scraper_config.py"] == 1
    assert graph.fan_in["scripts/etl/espn_scraper.py"] == 1
