"""Every import and string form the rewrite handles, planned on a real repository and run.

Each case builds a git repository in tmp_path and runs its commands there
first. A case whose sites are all rewritten is then written out from the
plan into a copy without shims, so the new code must work by the new names
alone. A case with sites left on the shim is applied on its branch instead,
so the old names it keeps work through the shims. Both runs must print what
the original printed, and the plan must list exactly the sites it left alone.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.config import load_config
from codemods.model import DEFAULT_REWRITE_OPTIONS, RewriteOptions
from codemods.plan import Plan, plan_batch
from codemods.workspace import file_reader, scan_target
from tests.conftest import git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "b"
entry-point-args = []
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.etl.config.manager"
"scripts/etl/scraper_telemetry.py" = "nba_simulator.etl.telemetry"
"""

MODULES = {
    "codemod.toml": CONFIG,
    "scripts/etl/scraper_config.py": "LIMIT = 3\n\n\ndef load():\n    return LIMIT\n",
    "scripts/etl/scraper_telemetry.py": "__all__ = ['COUNT']\nCOUNT = 7\n",
    "scripts/etl/other.py": "KEY = 'k'\n",
}


@dataclass(frozen=True)
class Case:
    """A repository (on top of ``MODULES``), the commands to run in it and what they print."""

    files: dict[str, str]
    runs: dict[tuple[str, ...], str]  # command line after `python` -> its whole output
    kept: frozenset[tuple[str, int, str]] = field(default_factory=frozenset)  # (file, line, kind) left alone
    unchanged: tuple[str, ...] = ()  # files the plan must not touch


CASES = [
    pytest.param(
        Case(
            files={
                "use.py": (
                    "import scripts.etl.scraper_config\n"
                    "import scripts.etl.scraper_config as config\n"
                    "from scripts.etl.scraper_config import load as load_config, LIMIT\n"
                    "from scripts.etl import scraper_config\n"
                    "from scripts.etl import scraper_telemetry as telemetry, other\n"
                    "import scripts.etl.other\n\n"
                    "print(scripts.etl.scraper_config.LIMIT, config.LIMIT, load_config(), LIMIT)\n"
                    "print(scraper_config.load(), telemetry.COUNT, other.KEY, scripts.etl.other.KEY)\n"
                ),
            },
            runs={("use.py",): "3 3 3 3\n3 7 k k\n"},
        ),
        id="every-spelling-in-one-file-keeps-names-bound",
    ),
    pytest.param(
        Case(
            files={
                "scripts/etl/loader.py": "import scripts.etl.scraper_config\nimport scripts.etl.scraper_telemetry\n",
                "use.py": (
                    "import scripts\n"
                    "import scripts.etl as etl_package\n"
                    "from scripts import etl\n"
                    "import scripts.etl.other\n"
                    "import scripts.etl.loader\n\n"
                    "print(scripts.etl.scraper_config.load(), etl_package.scraper_config.LIMIT)\n"
                    "print(etl.scraper_telemetry.COUNT, scripts.etl.other.KEY, etl.other.KEY)\n"
                ),
            },
            runs={("use.py",): "3 3\n7 k k\n"},
        ),
        id="chain-through-bound-package-gets-import",
    ),
    pytest.param(
        Case(
            files={
                "scripts/__init__.py": "",
                "scripts/shared.py": "S = 's'\n",
                "scripts/etl/__init__.py": "",
                "scripts/etl/scraper_config.py": (
                    "from .other import KEY\n"
                    "from . import other, scraper_telemetry\n"
                    "from .. import shared\n"
                    "from ..etl import other as same_other\n\n"
                    "LIMIT = 3\n\n\n"
                    "def load():\n"
                    "    return LIMIT, KEY, other.KEY, scraper_telemetry.COUNT, shared.S, same_other.KEY\n"
                ),
                "scripts/etl/run.py": (
                    "from .scraper_config import LIMIT\n"
                    "from . import scraper_config as config, other\n"
                    "from .scraper_telemetry import *\n\n"
                    "print(LIMIT, config.load(), other.KEY, COUNT)\n"
                ),
                "scripts/etl/sub/__init__.py": "",
                "scripts/etl/sub/deep.py": (
                    "from ..scraper_config import LIMIT\n"
                    "from .. import scraper_config\n"
                    "from ...etl import scraper_telemetry as telemetry\n\n"
                    "print(LIMIT, scraper_config.LIMIT, telemetry.COUNT)\n"
                ),
            },
            runs={
                ("-m", "scripts.etl.run"): "3 (3, 'k', 'k', 7, 's', 'k') k 7\n",
                ("-m", "scripts.etl.sub.deep"): "3 3 7\n",
            },
        ),
        id="relative-imports-toward-and-inside-moved-module",
    ),
    pytest.param(
        Case(
            files={
                "scripts/etl/daily.py": (
                    "import scraper_config\n"
                    "from scraper_config import LIMIT\n\n"
                    "print(scraper_config.load(), LIMIT)\n"
                ),
                "scripts/monitoring/scraper_config.py": "LIMIT = 99\n\n\ndef load():\n    return LIMIT\n",
                "scripts/monitoring/own.py": (
                    "from unittest import mock\n\n"
                    "import scraper_config\n\n"
                    "with mock.patch('scraper_config.load', lambda: 5):\n"
                    "    print(scraper_config.load(), scraper_config.LIMIT)\n"
                ),
                "scripts/monitoring/health.py": (
                    "import os\n"
                    "import sys\n\n"
                    "sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'etl'))\n"
                    "import scraper_config\n\n"
                    "print(scraper_config.load())\n"
                ),
                "tools/check.py": (
                    "import sys\n"
                    "from pathlib import Path\n\n"
                    "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n"
                    "import scripts.etl.scraper_config as config\n\n"
                    "print(config.LIMIT)\n"
                ),
                "tools/patched.py": (
                    "import sys\n"
                    "from pathlib import Path\n"
                    "from unittest import mock\n\n"
                    "sys.path.insert(0, str(Path(__file__).resolve().parents[1] / 'scripts' / 'etl'))\n"
                    "import scraper_config\n\n"
                    "with mock.patch('scraper_config.load', lambda: 6):\n"
                    "    print(scraper_config.load())\n"
                ),
            },
            runs={
                ("scripts/etl/daily.py",): "3 3\n",
                ("scripts/monitoring/own.py",): "5 99\n",
                ("scripts/monitoring/health.py",): "3\n",
                ("tools/check.py",): "3\n",
                ("tools/patched.py",): "6\n",
            },
            kept=frozenset(
                {
                    ("scripts/etl/daily.py", 1, "kept-on-shim"),
                    ("scripts/etl/daily.py", 2, "kept-on-shim"),
                    ("scripts/monitoring/health.py", 5, "kept-on-shim"),
                    ("tools/patched.py", 6, "kept-on-shim"),
                    ("tools/patched.py", 8, "kept-on-shim"),
                }
            ),
            unchanged=("scripts/monitoring/own.py", "scripts/monitoring/health.py", "scripts/etl/daily.py"),
        ),
        id="script-folder-and-path-edit-by-resolution",
    ),
    pytest.param(
        Case(
            files={
                "scripts/etl/job.py": (
                    "try:\n"
                    "    from scripts.etl import scraper_config as config\n"
                    "except ImportError:\n"
                    "    import scraper_config as config\n\n"
                    "print(config.LIMIT)\n"
                ),
                "use.py": (
                    "import sys\n"
                    "from typing import TYPE_CHECKING\n\n"
                    "if TYPE_CHECKING:\n"
                    "    from scripts.etl.scraper_config import load\n\n\n"
                    "def late():\n"
                    "    import scripts.etl.scraper_telemetry\n"
                    "    return scripts.etl.scraper_telemetry.COUNT\n\n\n"
                    "loaded = any(name.endswith('telemetry') for name in sys.modules)\n"
                    "print('load' in globals(), loaded, late())\n"
                ),
            },
            runs={
                ("scripts/etl/job.py",): "3\n",  # the package root is not on sys.path, so the fallback runs
                ("-m", "scripts.etl.job"): "3\n",
                ("use.py",): "False False 7\n",
            },
            kept=frozenset({("scripts/etl/job.py", 4, "kept-on-shim")}),
        ),
        id="guarded-lazy-and-fallback-imports-keep-their-shape",
    ),
    pytest.param(
        Case(
            files={
                "scripts/__init__.py": "",
                "scripts/etl/__init__.py": (
                    "from . import scraper_config\n"
                    "from .scraper_telemetry import *\n"
                    "from .scraper_config import load as load_config\n\n"
                    "__all__ = ['scraper_config', 'load_config', 'COUNT', 'scraper_telemetry']\n\n\n"
                    "def count():\n"
                    "    return scraper_telemetry.COUNT  # bound by loading the submodule above\n"
                ),
                "use.py": (
                    "import scripts.etl\n\n"
                    "print(scripts.etl.count())\n\n"
                    "from scripts.etl import *\n"
                    "from scripts.etl.scraper_config import *\n\n"
                    "print(scraper_config.LIMIT, load_config(), COUNT, scraper_telemetry.COUNT, LIMIT)\n"
                ),
            },
            runs={("use.py",): "7\n3 3 7 7 3\n"},
            kept=frozenset({("scripts/etl/__init__.py", 2, "kept-on-shim")}),
        ),
        id="package-init-reexports-and-star-imports",
    ),
    pytest.param(
        Case(
            files={
                "checks/__init__.py": "",
                "checks/strings.py": (
                    "import importlib\n"
                    "import sys\n"
                    "from unittest import mock\n\n"
                    "import scripts.etl.scraper_config\n\n"
                    "found = []\n"
                    "with mock.patch('scripts.etl.scraper_config.load', lambda: 1):\n"
                    "    found.append(scripts.etl.scraper_config.load())\n"
                    "with mock.patch.object(importlib.import_module('scripts.etl.scraper_config'), 'load', lambda: 2):\n"
                    "    found.append(scripts.etl.scraper_config.load())\n"
                    "with mock.patch.object(sys.modules['scripts.etl.scraper_config'], 'load', lambda: 3):\n"
                    "    found.append(scripts.etl.scraper_config.load())\n"
                    "with mock.patch.multiple('scripts.etl.scraper_config', load=lambda: 4):\n"
                    "    found.append(scripts.etl.scraper_config.load())\n"
                    "module = __import__('scripts.etl.scraper_config', fromlist=['load'])\n"
                    "__import__('scripts.etl.scraper_telemetry')\n"
                    "found.append((module.load(), sys.modules['scripts.etl.scraper_telemetry'].COUNT))\n"
                    "fake = type(sys)('fake')\n"
                    "fake.load = lambda: 5\n"
                    "with mock.patch.dict(sys.modules, {'scripts.etl.scraper_config': fake}):\n"
                    "    found.append(importlib.import_module('scripts.etl.scraper_config').load())\n"
                    "found.append('scripts.etl.scraper_telemetry' in sys.modules)\n"
                    "print(found)\n"
                ),
            },
            runs={("-m", "checks.strings"): "[1, 2, 3, 4, (3, 7), 5, True]\n"},
        ),
        id="string-references-follow-the-move",
    ),
    pytest.param(
        Case(
            files={
                "checks/__init__.py": "",
                "checks/top_level.py": (
                    "package = __import__('scripts.etl.scraper_config')\n"
                    "print(package.etl.scraper_config.LIMIT)\n"
                ),
            },
            runs={("-m", "checks.top_level"): "3\n"},
            kept=frozenset({("checks/top_level.py", 1, "string-kept")}),
            unchanged=("checks/top_level.py",),
        ),
        id="dunder-import-of-top-level-package-kept",
    ),
    pytest.param(
        Case(
            files={
                "use.py": (
                    "from scripts.etl import (  # etl modules\n"
                    "    other,  # stays\n"
                    "    # the settings\n"
                    "    scraper_config,  # moves\n"
                    "    scraper_telemetry as telemetry  # moves too\n"
                    ")\n"
                    "from scripts.etl.scraper_config import (LIMIT,\n"
                    "    load)\n"
                    "from scripts.etl import other as o, scraper_config as c; print(c.LIMIT)\n\n"
                    "print(other.KEY, o.KEY, scraper_config.LIMIT, telemetry.COUNT, LIMIT, load())\n"
                ),
            },
            runs={("use.py",): "3\nk k 3 7 3 3\n"},
        ),
        id="parenthesized-and-joined-statements-stay-valid",
    ),
]


@pytest.mark.parametrize("case", CASES)
def test_rewritten_code_runs_like_the_original(tmp_path: Path, case: Case) -> None:
    root, plan = plan_repository(tmp_path, case.files)
    for command, output in case.runs.items():
        assert run_python(root, command) == output, command

    for change in plan.changes:
        if change.changed and change.new_path.endswith(".py"):
            ast.parse(change.after, filename=change.new_path)
    for path in case.unchanged:
        assert path not in {change.path for change in plan.changes if change.changed}, path

    if case.kept:
        folder = applied_checkout(root, tmp_path / "checkout")
    else:
        folder = written_without_shims(root, plan, tmp_path / "without-shims")
    for command, output in case.runs.items():
        assert run_python(folder, command) == output, command


@pytest.mark.parametrize("case", CASES)
def test_plan_lists_each_site_left_alone(tmp_path: Path, case: Case) -> None:
    root, plan = plan_repository(tmp_path, case.files)

    left_alone = {(finding.file, finding.line, finding.kind) for finding in plan.kept}
    left_alone |= {
        (finding.file, finding.line, finding.kind) for finding in plan.hazards if finding.file in case.files and finding.line
    }

    assert left_alone == set(case.kept)
    changed = {change.path: change for change in plan.changes}
    for file, line, _ in case.kept:
        original = (root / file).read_bytes().splitlines()[line - 1]
        after = changed[file].after if file in changed else (root / file).read_bytes()
        assert original in after.splitlines(), (file, line)


def test_plan_command_shows_same_list(tmp_path: Path) -> None:
    case = next(param.values[0] for param in CASES if param.id == "script-folder-and-path-edit-by-resolution")
    root, plan = plan_repository(tmp_path, case.files)

    completed = subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", "plan", "--batch", "b", "--json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    shown = json.loads(completed.stdout)["kept"]
    assert [(item["file"], item["line"], item["kind"], item["message"]) for item in shown] == [
        (finding.file, finding.line, finding.kind, finding.message) for finding in plan.kept
    ]


def test_comments_and_docstrings_only_with_rewrite_docs(tmp_path: Path) -> None:
    files = {
        "use.py": (
            '"""Reads scripts.etl.scraper_config."""\n'
            "import scripts.etl.scraper_config  # scripts.etl.scraper_config holds the limits\n\n"
            "print(scripts.etl.scraper_config.LIMIT)\n"
        ),
    }
    root = make_repo(tmp_path / "repo", {**MODULES, **files})

    plain = plan_in(root)
    with_docs = plan_in(root, RewriteOptions(docs=True))

    assert changed_text(plain, "use.py") == (
        '"""Reads scripts.etl.scraper_config."""\n'
        "import nba_simulator.etl.config.manager  # scripts.etl.scraper_config holds the limits\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT)\n"
    )
    assert changed_text(with_docs, "use.py") == (
        '"""Reads nba_simulator.etl.config.manager."""\n'
        "import nba_simulator.etl.config.manager  # nba_simulator.etl.config.manager holds the limits\n\n"
        "print(nba_simulator.etl.config.manager.LIMIT)\n"
    )


def plan_repository(tmp_path: Path, files: dict[str, str]) -> tuple[Path, Plan]:
    root = make_repo(tmp_path / "repo", {**MODULES, **files})
    return root, plan_in(root)


def plan_in(root: Path, options: RewriteOptions = DEFAULT_REWRITE_OPTIONS) -> Plan:
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    return plan_batch(config, "b", inventory, file_reader(root), options=options)


def changed_text(plan: Plan, path: str) -> str:
    return next(change.after for change in plan.changes if change.path == path).decode()


def written_without_shims(root: Path, plan: Plan, folder: Path) -> Path:
    """Copy the repository with the plan's moves and rewrites made, and no shim at the old paths."""
    shutil.copytree(root, folder, ignore=shutil.ignore_patterns(".git", ".codemod"))
    changes = {change.path: change for change in plan.changes}
    for move in plan.moves:
        (folder / move.old_path).unlink()
    for move in plan.moves:
        change = changes.get(move.old_path)
        content = change.after if change is not None else (root / move.old_path).read_bytes()
        target = folder / move.new_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    moved = {move.old_path for move in plan.moves}
    for change in plan.changes:
        if change.path not in moved:
            (folder / change.new_path).write_bytes(change.after)
    for init in plan.new_init_files:
        (folder / init).parent.mkdir(parents=True, exist_ok=True)
        (folder / init).write_bytes(b"")
    return folder


def applied_checkout(root: Path, folder: Path) -> Path:
    result = apply_batch(root, "b")
    git(root, "worktree", "add", "--quiet", str(folder), result.branch)
    return folder


def run_python(folder: Path, command: tuple[str, ...]) -> str:
    """Run ``python <command>`` in ``folder`` and return its output; the shims' warnings go to stderr."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    completed = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", *command],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
        env=environment,
    )
    assert completed.returncode == 0, completed.stderr
    return completed.stdout
