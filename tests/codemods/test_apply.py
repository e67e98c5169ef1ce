"""apply on a real git repository: branch, two commits, rewrites, shims, untouched checkout."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError, CodemodError
from tests.codemods.legacy import MOVED, make_legacy_repo
from tests.conftest import git, snapshot


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("apply") / "repo")
    (root / "scratch.txt").write_text("uncommitted work\n")
    before = snapshot(root)
    head = git(root, "rev-parse", "HEAD").strip()
    result = apply_batch(root, "etl-base")
    return root, result, before, head


def show(root, rev, path):
    return git(root, "show", f"{rev}:{path}")


def test_checkout_untouched(applied):
    root, _, before, head = applied

    assert snapshot(root) == before
    assert git(root, "rev-parse", "HEAD").strip() == head
    assert git(root, "branch", "--show-current").strip() == "main"
    assert "scratch.txt" in git(root, "status", "--porcelain")


def test_no_worktree_left(applied):
    root, *_ = applied

    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_branch_has_two_commits(applied):
    root, result, _, head = applied

    log = git(root, "log", "--format=%s", f"{head}..codemod/etl-base").splitlines()
    assert log == [
        "Rewrite imports and add shims for etl-base",
        "Move etl-base: 4 modules into nba_simulator.etl",
    ]
    assert result.branch == "codemod/etl-base"


def test_first_commit_only_renames(applied):
    root, result, *_ = applied

    status = git(root, "diff", "--name-status", "-M100%", f"{result.rename_commit}~1", result.rename_commit)
    rows = sorted(tuple(line.split("\t")) for line in status.splitlines())
    assert rows == sorted(("R100", old, new) for old, new in MOVED.items())


def test_history_follows_moved_file(applied):
    root, *_ = applied

    log = git(root, "log", "--follow", "--format=%s", "codemod/etl-base", "--", MOVED["scripts/etl/scraper_config.py"])
    assert "Legacy layout" in log.splitlines()


def test_new_packages_get_init_files(applied):
    root, *_ = applied

    files = git(root, "ls-tree", "-r", "--name-only", "codemod/etl-base").splitlines()
    for init in (
        "nba_simulator/__init__.py",
        "nba_simulator/etl/__init__.py",
        "nba_simulator/etl/config/__init__.py",
        "nba_simulator/etl/base/__init__.py",
        "nba_simulator/etl/monitoring/__init__.py",
    ):
        assert init in files
    assert ".codemod/shims/etl-base.json" in files
    assert ".codemod/shims.json" not in files


def test_every_changed_file_parses(applied):
    root, result, *_ = applied

    changed = git(root, "diff", "--name-only", result.rename_commit, result.rewrite_commit).splitlines()
    for path in changed:
        if path.endswith(".py"):
            ast.parse(show(root, "codemod/etl-base", path), filename=path)


REWRITTEN = [
    pytest.param(
        "scripts/etl/espn_async_scraper.py",
        [
            "from nba_simulator.etl.base.async_scraper import (  # noqa: E402\n    AsyncBaseScraper,\n    ScraperConfig,  # re-exported by the base module\n)",
            "from nba_simulator.etl.monitoring.telemetry import ScraperTelemetry  # noqa: E402",
            "from nba_simulator.etl.config.manager import ScraperConfigManager, load_config as load  # noqa: E402",
        ],
        id="from-imports-keep-comments-and-parentheses",
    ),
    pytest.param(
        "scripts/etl/modular_tools.py",
        [
            "    from nba_simulator.etl.config.manager import ScraperConfig\n",
            "        from nba_simulator.etl.monitoring.telemetry import ScraperTelemetry\n    except ImportError:",
        ],
        id="lazy-imports-stay-lazy",
    ),
    pytest.param(
        "scripts/etl/phase_agent.py",
        [
            "import nba_simulator.etl.config.manager  # noqa: E402",
            "import nba_simulator.etl.base.rate_limiter as limiter_module  # noqa: E402",
            "from scripts.etl import data_validators  # noqa: E402",
            "from nba_simulator.etl.monitoring import telemetry as scraper_telemetry",
            "manager = nba_simulator.etl.config.manager.ScraperConfigManager()",
        ],
        id="dotted-alias-and-member-imports",
    ),
    pytest.param(
        "nba_simulator/etl/base/async_scraper.py",
        [
            "from nba_simulator.etl.config.manager import ScraperConfig, ScraperConfigManager  # noqa: E402",
            "from nba_simulator.etl.base import rate_limiter as adaptive_rate_limiter",
            "from scripts.etl.data_validators import validate_row  # noqa: E402  (found beside this file)",
        ],
        id="moved-module-keeps-reaching-old-siblings",
    ),
    pytest.param(
        "tests/test_async_scrapers.py",
        ['mock.patch("nba_simulator.etl.config.manager.ScraperConfigManager.names", return_value=["x"])'],
        id="mock-patch-string",
    ),
    pytest.param(
        "nba_simulator/etl/config/manager.py",
        ["sys.path.append(str(Path(__file__).parent.parent.parent.parent))"],
        id="file-relative-root-adjusted",
    ),
]


@pytest.mark.parametrize(("path", "expected"), REWRITTEN)
def test_sites_rewritten(applied, path, expected):
    root, *_ = applied

    text = show(root, "codemod/etl-base", path)
    for fragment in expected:
        assert fragment in text


UNCHANGED = [
    pytest.param("scripts/other/use_other.py", id="same-basename-elsewhere"),
    pytest.param("scripts/etl/bare_sibling.py", id="bare-import-without-root-kept-on-shim"),
    pytest.param("scripts/etl/broken.py", id="file-that-does-not-parse"),
    pytest.param("scripts/automation/generate_migration.py", id="import-text-only-reported"),
]


@pytest.mark.parametrize("path", UNCHANGED)
def test_files_left_alone(applied, path):
    root, *_ = applied

    assert show(root, "codemod/etl-base", path) == show(root, "main", path)


def test_shims_at_old_paths(applied):
    root, *_ = applied

    for old, new in MOVED.items():
        text = show(root, "codemod/etl-base", old)
        assert "import" in text
        assert "DeprecationWarning" in text
        module = new[: -len(".py")].replace("/", ".")
        assert module in text


def test_old_command_runs_through_shim(applied, tmp_path):
    root, *_ = applied
    branch = tmp_path / "branch"
    git(root, "worktree", "add", "--quiet", "--detach", str(branch), "codemod/etl-base")
    try:
        before = subprocess.run([sys.executable, "scripts/etl/scraper_config.py"], cwd=root, capture_output=True, text=True)
        after = subprocess.run([sys.executable, "scripts/etl/scraper_config.py"], cwd=branch, capture_output=True, text=True)
        tests = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"], cwd=branch, capture_output=True, text=True
        )
    finally:
        git(root, "worktree", "remove", "--force", str(branch))

    assert after.returncode == before.returncode == 0
    assert after.stdout == before.stdout
    assert "scripts/etl/scraper_config.py is deprecated; run python -m nba_simulator.etl.config.manager instead" in after.stderr
    assert tests.returncode == 0, tests.stdout + tests.stderr


def test_second_apply_changes_nothing(applied):
    root, result, *_ = applied
    tip = git(root, "rev-parse", "codemod/etl-base").strip()

    again = apply_batch(root, "etl-base")

    assert again.already_applied
    assert git(root, "rev-parse", "codemod/etl-base").strip() == tip


def test_failed_apply_leaves_nothing(repo_factory):
    root = repo_factory(
        {
            "codemod.toml": 'package = "pkg"\n[[batch]]\nname = "b"\n[batch.moves]\n"scripts/a.py" = "pkg.a"\n',
            "scripts/a.py": "VALUE = 1\n",
            "pkg/a.py": "TAKEN = 1\n",
        }
    )
    before = snapshot(root)

    with pytest.raises(BatchError, match="already exists"):
        apply_batch(root, "b")

    assert snapshot(root) == before
    assert "codemod/b" not in git(root, "branch", "--list")
    assert len(git(root, "worktree", "list").splitlines()) == 1


def test_repository_without_commits_rejected(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "--quiet")
    (root / "codemod.toml").write_text('package = "pkg"\n[[batch]]\nname = "b"\n[batch.moves]\n"a.py" = "pkg.a"\n')

    with pytest.raises(CodemodError, match="no commits"):
        apply_batch(root, "b")
