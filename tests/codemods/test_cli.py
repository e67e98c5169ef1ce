"""The `codemod` command run as a user runs it: a real process on a real repository."""

from __future__ import annotations

import json

import pytest

from tests.codemods.legacy import make_legacy_repo
from tests.conftest import codemod, git, snapshot


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    return make_legacy_repo(tmp_path_factory.mktemp("cli") / "repo")


def test_inventory_json_lists_every_file(legacy, tmp_path):
    output = tmp_path / "inventory.json"

    completed = codemod("inventory", "--json", str(output), cwd=legacy)

    assert completed.returncode == 0, completed.stderr
    data = json.loads(output.read_text())
    paths = {facts["path"] for facts in data["files"]}
    assert "scripts/etl/scraper_config.py" in paths
    assert "scripts/etl/broken.py" in paths
    assert "Python files" in completed.stdout


def test_plan_diff_shows_rewrites(legacy):
    completed = codemod("plan", "--batch", "etl-base", "--diff", cwd=legacy)

    assert completed.returncode == 0, completed.stderr
    assert "+from nba_simulator.etl.config.manager import ScraperConfig" in completed.stdout
    assert "scripts/etl/bare_sibling.py" in completed.stderr
    assert "batch etl-base: 4 files move" in completed.stderr


def test_plan_diff_is_a_patch_git_applies(legacy, tmp_path):
    completed = codemod("plan", "--batch", "etl-base", "--diff", cwd=legacy)
    patch = tmp_path / "batch.patch"
    patch.write_text(completed.stdout)

    assert completed.stdout.startswith("diff --git ")
    assert "Batch etl-base: moves" not in completed.stdout
    git(legacy, "apply", "--check", str(patch))


def test_error_keeps_bracketed_text(tmp_path):
    completed = codemod("plan", "--batch", "x", cwd=tmp_path)

    assert completed.returncode == 2
    assert "add a [tool.codemod] table to pyproject.toml" in completed.stderr
    assert "one [[batch]] table" in completed.stderr


def test_commands_work_from_subfolder(legacy):
    completed = codemod("plan", "--batch", "etl-base", "--json", cwd=legacy / "scripts" / "etl")

    assert completed.returncode == 0, completed.stderr
    assert json.loads(completed.stdout)["batch"] == "etl-base"


def test_suggest_rejects_json(legacy):
    completed = codemod("plan", "--suggest", "--json", cwd=legacy)

    assert completed.returncode == 2
    assert "--suggest writes a codemod.toml" in completed.stderr


def test_plan_json_is_machine_readable(legacy):
    completed = codemod("plan", "--batch", "etl-base", "--json", cwd=legacy)

    data = json.loads(completed.stdout)
    assert [move["new_module"] for move in data["moves"]] == [
        "nba_simulator.etl.base.rate_limiter",
        "nba_simulator.etl.base.async_scraper",
        "nba_simulator.etl.config.manager",
        "nba_simulator.etl.monitoring.telemetry",
    ]
    assert any(finding["file"] == "scripts/etl/bare_sibling.py" for finding in data["kept"])


def test_plan_leaves_repository_alone(legacy):
    before = snapshot(legacy)
    codemod("plan", "--batch", "etl-base", cwd=legacy)

    after = {path: data for path, data in snapshot(legacy).items() if not path.startswith(".codemod/")}
    assert after == {path: data for path, data in before.items() if not path.startswith(".codemod/")}


def test_unknown_batch_is_usage_error(legacy):
    completed = codemod("plan", "--batch", "nope", cwd=legacy)

    assert completed.returncode == 2
    assert "no batch named 'nope'" in completed.stderr
    assert "Traceback" not in completed.stderr


def test_apply_verify_status_rollback(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")

    applied = codemod("apply", "--batch", "etl-base", cwd=root)
    assert applied.returncode == 0, applied.stderr
    assert "applied etl-base on codemod/etl-base" in applied.stderr

    verified = codemod("verify", "--batch", "etl-base", cwd=root)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    status = codemod("status", cwd=root)
    assert "applied" in status.stdout

    rolled = codemod("rollback", "--batch", "etl-base", cwd=root)
    assert rolled.returncode == 0, rolled.stderr
    assert "codemod/etl-base" not in git(root, "branch", "--list")


def test_rollback_refuses_foreign_commits(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    codemod("apply", "--batch", "etl-base", cwd=root)
    worktree = tmp_path / "edit"
    git(root, "worktree", "add", "--quiet", str(worktree), "codemod/etl-base")
    (worktree / "NOTES.md").write_text("review notes\n")
    git(worktree, "add", "NOTES.md")
    git(worktree, "commit", "--quiet", "-m", "Add review notes")
    git(root, "worktree", "remove", "--force", str(worktree))

    rolled = codemod("rollback", "--batch", "etl-base", cwd=root)

    assert rolled.returncode == 4
    assert "has commits that codemod did not make" in rolled.stderr
    assert "codemod/etl-base" in git(root, "branch", "--list")


def test_version(tmp_path):
    completed = codemod("--version", cwd=tmp_path)

    assert completed.stdout.startswith("codemod, version ")


def test_demo_runs_end_to_end(tmp_path):
    folder = tmp_path / "demo"

    completed = codemod("demo", "--dir", str(folder), cwd=tmp_path)

    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    assert f"Demo repository: {folder}" in completed.stdout
    assert "codemod/etl-base" in git(folder, "branch", "--list")
    shim = git(folder, "show", "codemod/etl-base:scripts/etl/scraper_config.py")
    assert "courtside.etl.config.manager" in shim
