"""plan and apply with --rewrite-commands: commands that start a moved file by path."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch
from codemods.config import load_config
from codemods.model import DEFAULT_REWRITE_OPTIONS, RewriteOptions
from codemods.plan import plan_batch
from codemods.workspace import file_reader, scan_target
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import git


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    return make_legacy_repo(tmp_path_factory.mktemp("commands") / "repo")


def plan_legacy(root, options=DEFAULT_REWRITE_OPTIONS):
    config = load_config(root)
    inventory = scan_target(root, config, use_cache=False)
    return plan_batch(config, "etl-base", inventory, file_reader(root), options=options)


def test_commands_listed_but_not_rewritten_by_default(legacy):
    plan = plan_legacy(legacy)

    assert {reference.file for reference in plan.commands} >= {"deploy/crontab", "scripts/shell/run_scrapers.sh"}
    assert not any(change.path == "deploy/crontab" for change in plan.changes)


def test_crontab_rewritten_when_asked(legacy):
    plan = plan_legacy(legacy, RewriteOptions(commands=True))

    change = next(change for change in plan.changes if change.path == "deploy/crontab")
    assert change.after == change.before.replace(
        b"python3 scripts/etl/scraper_config.py", b"python3 -m nba_simulator.etl.config.manager"
    )
    assert plan.stats["commands_rewritten"] == 1


def test_script_dir_command_reported_as_hazard(legacy):
    plan = plan_legacy(legacy, RewriteOptions(commands=True))

    found = [hazard for hazard in plan.hazards if hazard.file == "scripts/shell/run_scrapers.sh"]
    assert [hazard.kind for hazard in found] == ["command-kept"]
    assert found[0].line == 3
    assert "repository root" in found[0].message
    assert not any(change.path == "scripts/shell/run_scrapers.sh" and change.changed for change in plan.changes)


def test_apply_commits_rewritten_command(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")

    result = apply_batch(root, "etl-base", options=RewriteOptions(commands=True))

    crontab = git(root, "show", f"{result.branch}:deploy/crontab")
    assert "python3 -m nba_simulator.etl.config.manager >>" in crontab
    shell = git(root, "show", f"{result.branch}:scripts/shell/run_scrapers.sh")
    assert shell == (root / "scripts/shell/run_scrapers.sh").read_text()
    renames = git(root, "diff", "--name-only", f"{result.rename_commit}~1", result.rename_commit)
    assert "deploy/crontab" not in renames


def test_cli_plan_option_shows_command_diff(legacy):
    import subprocess
    import sys

    def plan(*options: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "codemods.cli", "--no-color", "plan", "--batch", "etl-base", "--diff", *options],
            cwd=legacy,
            capture_output=True,
            text=True,
            check=False,
        )

    with_option = plan("--rewrite-commands")
    without = plan()

    assert with_option.returncode == 0, with_option.stderr
    assert "+0 4 * * * cd /srv/nba && python3 -m nba_simulator.etl.config.manager" in with_option.stdout
    assert "python3 -m nba_simulator" not in without.stdout
