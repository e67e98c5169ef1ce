"""plan: which string literals naming a module it rewrites, decided by where each one resolves."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.config import load_config
from codemods.plan import Plan, plan_batch
from codemods.workspace import file_reader, scan_target
from tests.conftest import make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "b"
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"
"""

MODULES = {
    "codemod.toml": CONFIG,
    "scripts/etl/scraper_config.py": "LIMIT = 3\n\n\ndef load():\n    return LIMIT\n",
    "scripts/etl/helpers.py": "H = 1\n",
    "scripts/monitoring/scraper_config.py": "LIMIT = 99\n",
}

NEW = "nba_simulator.etl.config.manager"

CASES = [
    pytest.param(
        {"check.py": "from unittest import mock\nmock.patch('scripts.etl.scraper_config.load')\n"},
        {("check.py", 2): f"{NEW}.load"},
        set(),
        id="mock-patch-from-root",
    ),
    pytest.param(
        {"scripts/monitoring/check.py": "from unittest import mock\nmock.patch('scraper_config.LIMIT')\n"},
        {},
        set(),
        id="same-named-module-in-other-folder-left-alone",
    ),
    pytest.param(
        {
            "tools/check.py": (
                "import sys\nfrom unittest import mock\n"
                "sys.path.insert(0, 'scripts/etl')\n"
                "mock.patch('scraper_config.load')\n"
            ),
        },
        {},
        {("tools/check.py", 4, "kept-on-shim")},
        id="path-edit-without-package-root-kept",
    ),
    pytest.param(
        {"scripts/etl/check.py": "import importlib\nimportlib.import_module('scraper_config')\n"},
        {},
        {("scripts/etl/check.py", 2, "kept-on-shim")},
        id="script-folder-name-kept",
    ),
    pytest.param(
        {
            "check.py": (
                "import sys\n"
                "config = sys.modules['scripts.etl.scraper_config']\n"
                "sys.modules.get('scripts.etl.scraper_config')\n"
                "print('scripts.etl.scraper_config' in sys.modules)\n"
                "sys.modules.pop('scripts.etl.helpers', None)\n"
            ),
        },
        {("check.py", 2): NEW, ("check.py", 3): NEW, ("check.py", 4): NEW},
        set(),
        id="sys-modules-keys",
    ),
    pytest.param(
        {
            "check.py": (
                "import sys\nfrom unittest import mock\n"
                "mock.patch.dict(sys.modules, {\n"
                "    'scripts.etl.scraper_config': None,\n"
                "    'not_here.at_all': None,\n"
                "})\n"
                "mock.patch.dict('sys.modules', values={'scripts.etl.scraper_config': None})\n"
            ),
        },
        {("check.py", 4): NEW, ("check.py", 7): NEW},
        set(),
        id="patch-dict-sys-modules-keys",
    ),
    pytest.param(
        {
            "check.py": (
                "import importlib\nfrom unittest import mock\n"
                "mock.patch.object(importlib.import_module('scripts.etl.scraper_config'), 'load')\n"
                "mock.patch.multiple('scripts.etl.scraper_config', load=None)\n"
            ),
        },
        {("check.py", 3): NEW, ("check.py", 4): NEW},
        set(),
        id="patch-object-and-multiple",
    ),
    pytest.param(
        {
            "check.py": (
                "__import__('scripts.etl.scraper_config')\n"
                "module = __import__('scripts.etl.scraper_config', fromlist=['load'])\n"
                "package = __import__('scripts.etl.scraper_config')\n"
            ),
        },
        {("check.py", 1): NEW, ("check.py", 2): NEW},
        {("check.py", 3, "string-kept")},
        id="dunder-import-by-what-it-returns",
    ),
    pytest.param(
        {
            "scripts/__init__.py": "",
            "scripts/etl/__init__.py": "",
            "scripts/etl/check.py": "import importlib\nimportlib.import_module('.scraper_config', package='scripts.etl')\n",
        },
        {("scripts/etl/check.py", 2): NEW},
        set(),
        id="relative-import-module-made-absolute",
    ),
    pytest.param(
        {"tests/test_config.py": "from unittest import mock\nmock.patch('scraper_config.load')\n", "scripts/etl/run.py": "import scraper_config\n"},
        {},
        {("tests/test_config.py", 2, "string-unresolved"), ("scripts/etl/run.py", 1, "kept-on-shim")},
        id="unresolved-spelling-of-moved-module-reported",
    ),
    pytest.param(
        {
            "scripts/etl/scraper_config.py": (
                "import importlib\n"
                "importlib.import_module('helpers')\n"
                "importlib.import_module('scraper_config')\n"
            ),
        },
        {("scripts/etl/scraper_config.py", 2): "scripts.etl.helpers", ("scripts/etl/scraper_config.py", 3): NEW},
        set(),
        id="moved-file-names-its-old-folder-from-root",
    ),
]


@pytest.mark.parametrize(("files", "rewritten", "kept"), CASES)
def test_string_plan(
    tmp_path: Path, files: dict[str, str], rewritten: dict[tuple[str, int], str], kept: set[tuple[str, int, str]]
) -> None:
    plan = plan_files(tmp_path, files)

    strings = {(change.path, item.line): item.new for change in plan.changes for item in change.strings}
    assert strings == rewritten
    assert {(finding.file, finding.line, finding.kind) for finding in plan.kept} == kept
    for finding in plan.kept:
        assert finding.message


def test_rewritten_strings_in_written_file(tmp_path: Path) -> None:
    plan = plan_files(
        tmp_path,
        {"check.py": "import sys\nconfig = sys.modules[\n    'scripts.etl.scraper_config'\n]  # keep\n"},
    )

    after = next(change.after for change in plan.changes if change.path == "check.py")
    assert after == f"import sys\nconfig = sys.modules[\n    '{NEW}'\n]  # keep\n".encode()


def plan_files(tmp_path: Path, files: dict[str, str]) -> Plan:
    root = make_repo(tmp_path / "repo", {**MODULES, **files})
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    return plan_batch(config, "b", inventory, file_reader(root))
