"""Relative imports and re-exports in modules that some importer loads without the package root on sys.path.

A module inside `scripts/pbp/` is imported as `scripts.pbp.processor` from the
root, and as `pbp.processor` by a validator that puts only `scripts/` on
`sys.path`. Rewriting its relative import of a moved sibling to the new
package name would break the second way in. The shim at the old path keeps
both working, so the site stays on the shim.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.check import check_shim_uses
from codemods.config import load_config
from codemods.plan import batch_focus, plan_batch
from codemods.report import plan_as_dict
from codemods.workspace import file_reader, scan_target
from tests.conftest import git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "snapshot"
entry-point-args = []
[batch.moves]
"scripts/pbp/snapshot.py" = "nba_simulator.pbp.snapshot"

[[batch]]
name = "grade"
entry-point-args = []
[batch.moves]
"scripts/pbp/snapshot.py:grade" = "nba_simulator.pbp.quality"
"""

VALIDATOR = """\
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from pbp.processor import describe

print(describe())
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/__init__.py": "",
    "scripts/pbp/__init__.py": "",
    "scripts/pbp/snapshot.py": "def grade(points):\n    return 'A' if points > 10 else 'B'\n",
    "scripts/pbp/processor.py": "from .snapshot import grade\n\n\ndef describe():\n    return grade(12)\n",
    "scripts/validators/validate.py": VALIDATOR,
    "tests/test_processor.py": "from scripts.pbp.processor import describe\n\n\ndef test_describe():\n    assert describe() == 'A'\n",
}


def planned(root: Path, batch: str):
    config = load_config(root)
    return plan_batch(config, batch, scan_target(root, config, use_cache=False), file_reader(root))


def run_validator(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "scripts/validators/validate.py"], cwd=root, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def repository(tmp_path) -> Path:
    return make_repo(tmp_path / "repo", FILES)


def test_relative_import_stays_on_the_shim(repository):
    plan = planned(repository, "snapshot")

    kept = [finding for finding in plan.kept if finding.file == "scripts/pbp/processor.py"]
    assert [finding.line for finding in kept] == [1]
    assert "scripts/validators/validate.py:6" in kept[0].message
    assert "pbp.processor" in kept[0].message


def test_relative_import_file_is_not_rewritten(repository):
    plan = planned(repository, "snapshot")

    assert "scripts/pbp/processor.py" not in {change.path for change in plan.changes if change.changed}


def test_validator_still_runs_after_apply(repository):
    result = apply_batch(repository, "snapshot")
    git(repository, "checkout", "--quiet", result.branch)

    completed = run_validator(repository)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "A"


def test_symbol_stays_in_rootless_module(repository):
    plan = planned(repository, "grade")

    assert plan.symbol_moves == ()
    findings = [finding for finding in plan.hazards if finding.file == "scripts/pbp/snapshot.py"]
    assert [finding.kind for finding in findings] == ["symbol-kept"]
    assert "scripts/validators/validate.py:6" in findings[0].message


def test_relative_import_rewritten_with_root(tmp_path):
    files = {key: value for key, value in FILES.items() if key != "scripts/validators/validate.py"}
    root = make_repo(tmp_path / "repo", files)

    plan = planned(root, "snapshot")

    assert "scripts/pbp/processor.py" in {change.path for change in plan.changes if change.changed}
    assert not [finding for finding in plan.kept if finding.file == "scripts/pbp/processor.py"]


@pytest.mark.parametrize("batch", ["snapshot", "grade"])
def test_focused_plan_finds_the_second_loader(repository, batch):
    config = load_config(repository)
    focused = scan_target(repository, config, use_cache=False, focus=batch_focus(config, batch))

    plan = plan_as_dict(plan_batch(config, batch, focused, file_reader(repository)), with_diff=True)

    assert plan == plan_as_dict(planned(repository, batch), with_diff=True)
    assert "scripts/validators/validate.py" not in focused.unscanned


def test_package_init_import_stays_on_shim(tmp_path):
    files = {
        **FILES,
        "scripts/pbp/__init__.py": "from .snapshot import grade\n",
        "scripts/validators/validate.py": VALIDATOR.replace("from pbp.processor import describe", "from pbp.other import describe"),
        "scripts/pbp/other.py": "def describe():\n    return 'A'\n",
    }
    root = make_repo(tmp_path / "repo", files)

    plan = planned(root, "snapshot")

    assert [finding.line for finding in plan.kept if finding.file == "scripts/pbp/__init__.py"] == [1]
    result = apply_batch(root, "snapshot")
    git(root, "checkout", "--quiet", result.branch)
    completed = run_validator(root)
    assert completed.returncode == 0, completed.stderr


@pytest.mark.parametrize("paths", [pytest.param((), id="whole-repository"), pytest.param(("scripts/pbp/processor.py",), id="given-file")])
def test_check_keeps_relative_import_on_shim(repository, paths):
    result = apply_batch(repository, "snapshot")
    git(repository, "merge", "--quiet", "--ff-only", result.branch)

    report = check_shim_uses(repository, paths, cwd=repository)

    assert report.uses == ()
    assert [(use.file, use.line) for use in report.kept] == [("scripts/pbp/processor.py", 1)]
    assert "scripts/validators/validate.py:6" in report.kept[0].reason
