"""verify against real branches and real interpreters."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError
from codemods.verify import verify_batch
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import git


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("verify") / "repo")
    apply_batch(root, "etl-base")
    return root


def by_kind(report, kind):
    return [check for check in report.checks if check.kind == kind]


def test_applied_batch_verifies(legacy):
    report = verify_batch(legacy, "etl-base")

    assert report.ok, [check for check in report.failed]
    assert [check.status for check in by_kind(report, "static")] == ["passed"]
    identities = {check.subject: check.status for check in by_kind(report, "identity")}
    assert identities["scripts.etl.scraper_config -> nba_simulator.etl.config.manager"] == "passed"
    # bare_sibling.py imports scraper_config from its own folder, so that name gets a row of its own.
    assert identities["scraper_config -> nba_simulator.etl.config.manager"] == "passed"
    assert len(identities) == 5


def test_entry_points_compared(legacy):
    report = verify_batch(legacy, "etl-base")

    entries = {check.subject: check.status for check in by_kind(report, "entry-point")}
    assert entries["scripts/etl/scraper_config.py"] == "passed"
    assert entries["scripts/etl/async_scraper_base.py"] == "skipped"


def test_removed_shim_fails(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    apply_batch(root, "etl-base")
    worktree = tmp_path / "edit"
    git(root, "worktree", "add", "--quiet", str(worktree), "codemod/etl-base")
    (worktree / "scripts/etl/scraper_config.py").unlink()
    git(worktree, "commit", "--quiet", "-am", "Remove a shim by hand")
    git(root, "worktree", "remove", "--force", str(worktree))

    report = verify_batch(root, "etl-base", run_entry_points=False)

    assert not report.ok
    failed = {check.subject for check in report.failed}
    assert "scripts/etl/bare_sibling.py" in failed


def test_unapplied_batch_rejected(legacy):
    (legacy / "codemod.toml").write_text(
        (legacy / "codemod.toml").read_text() + '\n[[batch]]\nname = "later"\n[batch.moves]\n"scripts/etl/data_validators.py" = "nba_simulator.etl.validators"\n'
    )
    try:
        with pytest.raises(BatchError, match="run `codemod apply --batch later` first"):
            verify_batch(legacy, "later")
    finally:
        git(legacy, "checkout", "--quiet", "--", "codemod.toml")


def scan_tree(root, files):
    from inventory import scan_repository
    from tests.conftest import write_tree

    root.mkdir(parents=True)
    write_tree(root, files)
    return scan_repository(root, use_cache=False)


BASE_TREE = {
    "a.py": "import b\n",
    "b.py": "X = 1\n",
    "c.py": "import d\n",
    "d.py": "import c\n",
}


@pytest.mark.parametrize(
    "after_files, moves, new_cycle",
    [
        pytest.param({"b.py": "import a\n"}, {}, ("a.py", "b.py"), id="edit-closes-a-cycle"),
        pytest.param(
            {"b.py": "from pkg.b import *\n", "pkg/__init__.py": "", "pkg/b.py": "import a\n"},
            {"b.py": "pkg/b.py"},
            ("a.py", "pkg/b.py"),
            id="moved-module-imports-its-importer",
        ),
    ],
)
def test_new_cycle_fails(tmp_path, after_files, moves, new_cycle):
    from codemods.verify import cycle_checks

    before = scan_tree(tmp_path / "before", BASE_TREE)
    after = scan_tree(tmp_path / "after", {**BASE_TREE, **after_files})

    checks = list(cycle_checks(before, after, moves))

    assert [check.status for check in checks] == ["failed"]
    assert checks[0].detail == "new import cycle between " + " -> ".join(new_cycle)


@pytest.mark.parametrize(
    "after_files, moves",
    [
        pytest.param({}, {}, id="unchanged"),
        pytest.param(
            {"c.py": "import d\n", "d.py": "from pkg.d import *\n", "pkg/__init__.py": "", "pkg/d.py": "import c\n"},
            {"d.py": "pkg/d.py"},
            id="existing-cycle-through-a-shim",
        ),
        pytest.param(
            {"b.py": "from pkg.b import *\n", "pkg/__init__.py": "", "pkg/b.py": "import b\nX = 1\n"},
            {"b.py": "pkg/b.py"},
            id="module-reaching-its-own-shim",
        ),
    ],
)
def test_known_cycles_pass(tmp_path, after_files, moves):
    from codemods.verify import cycle_checks

    before = scan_tree(tmp_path / "before", BASE_TREE)
    after = scan_tree(tmp_path / "after", {**BASE_TREE, **after_files})

    checks = list(cycle_checks(before, after, moves))

    assert [check.status for check in checks] == ["passed"]
    assert checks[0].detail == "no new import cycle (1 on the base)"


@pytest.mark.parametrize(
    "added, package_root, subject",
    [
        pytest.param({"logging/__init__.py": "", "logging/handlers2.py": ""}, "", "logging", id="new-top-level-package"),
        pytest.param({"types.py": "X = 1\n"}, "", "types", id="new-top-level-module"),
        pytest.param({"src/email/__init__.py": ""}, "src", "email", id="under-package-root"),
    ],
)
def test_stdlib_shadow_fails(tmp_path, added, package_root, subject):
    from codemods.verify import stdlib_shadow_checks

    before = scan_tree(tmp_path / "before", BASE_TREE)
    after = scan_tree(tmp_path / "after", {**BASE_TREE, **added})

    checks = list(stdlib_shadow_checks(before, after, {}, package_root))

    assert [(check.subject, check.status) for check in checks] == [(subject, "failed")]


@pytest.mark.parametrize(
    "before_extra, added, moves",
    [
        pytest.param({}, {"pkg/__init__.py": "", "pkg/logging.py": ""}, {}, id="stdlib-name-inside-a-package"),
        pytest.param({"types.py": ""}, {"types.py": ""}, {}, id="shadowing-file-already-there"),
        pytest.param({}, {"app/__init__.py": "", "app/b.py": ""}, {"b.py": "app/b.py"}, id="ordinary-move"),
    ],
)
def test_stdlib_shadow_passes(tmp_path, before_extra, added, moves):
    from codemods.verify import stdlib_shadow_checks

    before = scan_tree(tmp_path / "before", {**BASE_TREE, **before_extra})
    after = scan_tree(tmp_path / "after", {**BASE_TREE, **added})

    checks = list(stdlib_shadow_checks(before, after, moves, ""))

    assert [check.status for check in checks] == ["passed"]


def test_verify_reports_progress(legacy):
    calls = []

    verify_batch(legacy, "etl-base", run_entry_points=False, progress=lambda done, total: calls.append((done, total)))

    assert calls[-1][0] == calls[-1][1]
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)


def test_verify_checks_cycles_and_shadowing(legacy):
    report = verify_batch(legacy, "etl-base", run_entry_points=False)

    assert [check.status for check in by_kind(report, "cycle")] == ["passed"]
    assert [check.status for check in by_kind(report, "stdlib-shadow")] == ["passed"]
