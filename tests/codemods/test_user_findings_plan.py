"""Folder moves over earlier shims, apply of a merged batch, and rebuilds of a branch checked out elsewhere."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from codemods.apply import apply_batch, plan_with_base
from codemods.config import load_config
from codemods.errors import BatchError
from codemods.plan import expand_moves, generated_shims
from codemods.workspace import file_reader, scan_target
from shimgen.manifest import manifests_in_folder
from tests.conftest import codemod, git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "A"
entry-point-args = []
[batch.moves]
"scripts/etl/scraper_config.py" = "nba_simulator.config.scraper"

[[batch]]
name = "B"
entry-point-args = []
[batch.moves]
"scripts/etl/" = "nba_simulator.etl"
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/__init__.py": "",
    "scripts/etl/__init__.py": "",
    "scripts/etl/scraper_config.py": "LIMIT = 5\n",
    "scripts/etl/espn_agent.py": "NAME = 'espn'\n",
    "scripts/etl/nba_agent.py": "from .espn_agent import NAME as OTHER\n\nNAME = 'nba+' + OTHER\n",
    "use.py": (
        "import scripts.etl.scraper_config as config\n"
        "from scripts.etl import espn_agent\n\n"
        "print(config.LIMIT, espn_agent.NAME)\n"
    ),
}

SHIM = "scripts/etl/scraper_config.py"


def manifest_at(root, rev):
    """Return the records of every per-batch manifest file at ``rev``, by old path."""
    records = {}
    for path in git(root, "ls-tree", "--name-only", rev, ".codemod/shims/").split():
        records.update((record["old_path"], record) for record in json.loads(git(root, "show", f"{rev}:{path}"))["shims"])
    return records


@pytest.fixture
def merged_a(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    apply_batch(root, "A")
    git(root, "merge", "--quiet", "--ff-only", "codemod/A")
    return root


def test_folder_move_keeps_earlier_shims(merged_a):
    root = merged_a
    shim_before = git(root, "show", f"HEAD:{SHIM}")
    assert shim_before.startswith("# codemod-shim:")

    plan, _ = plan_with_base(root, "B")
    assert SHIM not in {move.old_path for move in plan.moves}
    assert SHIM not in {shim.old_path for shim in plan.shims}
    kept = [finding for finding in plan.hazards if finding.kind == "shim-kept"]
    assert [finding.file for finding in kept] == [SHIM]
    assert "batch A" in kept[0].message

    result = apply_batch(root, "B")
    moved = {move.old_path for move in result.plan.moves}
    assert moved == {"scripts/etl/__init__.py", "scripts/etl/espn_agent.py", "scripts/etl/nba_agent.py"}
    assert git(root, "show", f"codemod/B:{SHIM}") == shim_before
    files = set(git(root, "ls-tree", "-r", "--name-only", "codemod/B").split())
    assert "nba_simulator/etl/scraper_config.py" not in files
    assert {"nba_simulator/etl/espn_agent.py", "nba_simulator/etl/nba_agent.py"} <= files
    manifest = manifest_at(root, "codemod/B")
    assert manifest[SHIM] == manifest_at(root, "main")[SHIM]
    assert git(root, "ls-tree", "--name-only", "codemod/B", ".codemod/shims/").split() == [".codemod/shims/A.json", ".codemod/shims/B.json"]
    assert git(root, "show", "codemod/B:.codemod/shims/A.json") == git(root, "show", "main:.codemod/shims/A.json")
    assert manifest[SHIM]["batch"] == "A"
    assert manifest["scripts/etl/espn_agent.py"]["batch"] == "B"

    git(root, "switch", "--quiet", "codemod/B")
    completed = subprocess.run([sys.executable, "use.py"], cwd=root, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split() == ["5", "espn"]


def test_file_rule_naming_shim_raises(merged_a):
    root = merged_a
    (root / "codemod.toml").write_text(
        CONFIG + '\n[[batch]]\nname = "C"\nentry-point-args = []\n[batch.moves]\n"scripts/etl/scraper_config.py" = "nba_simulator.other"\n'
    )
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    facts_by_path = {facts.path: facts for facts in inventory.files}

    with pytest.raises(BatchError) as raised:
        expand_moves(config, config.batch("C"), facts_by_path, shims=generated_shims(file_reader(root), manifests_in_folder(root).records))
    message = str(raised.value)
    assert SHIM in message
    assert "moved by batch A already" in message


def test_shim_lookup_reads_header_without_manifest(merged_a):
    root = merged_a
    (root / ".codemod/shims/A.json").unlink()
    lookup = generated_shims(file_reader(root), manifests_in_folder(root).records)

    assert lookup(SHIM) == "A"
    assert lookup("scripts/etl/espn_agent.py") is None


def test_apply_merged_deleted_branch_changes_nothing(merged_a):
    root = merged_a
    git(root, "branch", "-D", "codemod/A")
    head = git(root, "rev-parse", "HEAD").strip()

    result = apply_batch(root, "A")

    assert result.already_applied
    assert result.rewrite_commit == head
    assert not git(root, "branch", "--list", "codemod/A").strip()

    completed = codemod("apply", "--batch", "A", cwd=root)
    assert completed.returncode == 0, completed.stderr
    assert "is already merged into main" in completed.stderr
    assert "nothing changed" in completed.stderr
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert not git(root, "status", "--porcelain").strip()


def test_rebuild_rejects_branch_in_other_worktree(tmp_path):
    root = make_repo(tmp_path / "repo", FILES)
    apply_batch(root, "A")
    tip = git(root, "rev-parse", "codemod/A").strip()
    (root / "notes.txt").write_text("base moves on\n")
    git(root, "add", "notes.txt")
    git(root, "commit", "--quiet", "-m", "Move the base")
    other = tmp_path / "wt"
    git(root, "worktree", "add", "--quiet", str(other), "codemod/A")

    with pytest.raises(BatchError) as raised:
        apply_batch(root, "A", rebuild=True)

    message = str(raised.value)
    assert str(other) in message or str(other.resolve()) in message
    assert "git worktree remove" in message
    assert git(root, "rev-parse", "codemod/A").strip() == tip
    assert not git(other, "status", "--porcelain").strip()

    git(root, "worktree", "remove", str(other))
    rebuilt = apply_batch(root, "A", rebuild=True)
    assert rebuilt.rebuilt
