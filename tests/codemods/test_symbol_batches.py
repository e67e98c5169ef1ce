"""Batches whose moves are all `path.py:Name` keys: apply, verify, status, rollback, rebuild, stacking and plan output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.config import load_config
from codemods.errors import BatchError
from codemods.plan import plan_batch
from codemods.status import APPLIED, MERGED, PLANNED, batch_statuses, rollback_batch
from codemods.verify import verify_batch
from codemods.workspace import file_reader, scan_target
from tests.conftest import git, make_repo

CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "dates"
[batch.moves]
"scripts/etl/utils.py:parse_date" = "nba_simulator.etl.dates"
"scripts/etl/utils.py:Calendar" = "nba_simulator.etl.dates"
"""

UTILS = """\
import datetime


def parse_date(text):
    return datetime.date.fromisoformat(text.strip())


class Calendar:
    def first(self):
        return datetime.date(2024, 1, 1)


def today_text():
    return parse_date("2024-01-02").isoformat()
"""

JOB = """\
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.etl.utils import Calendar, parse_date, today_text  # noqa: E402

if __name__ == "__main__":
    print(parse_date(" 2024-03-04 ").isoformat(), today_text(), Calendar().first().isoformat())
"""

TEST_UTILS = """\
from unittest import mock

import scripts.etl.utils


def test_patch():
    with mock.patch("scripts.etl.utils.parse_date") as fake:
        fake.return_value = 1
"""

FILES = {
    "codemod.toml": CONFIG,
    "scripts/etl/utils.py": UTILS,
    "scripts/etl/job.py": JOB,
    "scripts/report.py": "from scripts.etl.utils import today_text\n\nprint(today_text())\n",
    "tests/test_utils.py": TEST_UTILS,
}


def rev(root: Path, name: str) -> str:
    return git(root, "rev-parse", name).strip()


def commit_on_main(root: Path, name: str = "README.md") -> None:
    (root / name).write_text("more work on main\n")
    git(root, "add", name)
    git(root, "commit", "--quiet", "-m", f"Add {name}")


def codemod(root: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", *arguments], cwd=root, capture_output=True, text=True
    )


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    """A repository with the `dates` batch applied, and a checkout of its branch."""
    root = make_repo(tmp_path_factory.mktemp("symbols") / "repo", FILES)
    result = apply_batch(root, "dates")
    checkout = root.parent / "checkout"
    git(root, "worktree", "add", "--quiet", "--detach", str(checkout), result.branch)
    return root, result, checkout


# Apply -----------------------------------------------------------------------


def test_apply_makes_one_commit(applied):
    root, result, _ = applied

    subjects = git(root, "log", "--format=%s", "main..codemod/dates").splitlines()

    assert result.rename_commit == ""
    assert result.base == rev(root, "main")
    assert result.rewrite_commit == rev(root, "codemod/dates")
    assert subjects == ["Move dates: 2 definitions into nba_simulator.etl.dates"]


def test_commit_message_lists_moved_definitions(applied):
    root, _, _ = applied

    body = git(root, "log", "-1", "--format=%B", "codemod/dates")

    assert "  scripts/etl/utils.py:parse_date -> nba_simulator.etl.dates (nba_simulator/etl/dates.py)" in body
    assert "  scripts/etl/utils.py:Calendar -> nba_simulator.etl.dates (nba_simulator/etl/dates.py)" in body
    assert "Import sites rewritten: 2" in body
    assert "String references rewritten: 1" in body
    assert "New __init__.py files: 2" in body
    assert "0 modules" not in body
    assert "Codemod-Batch: dates" in body


def test_commit_adds_module_and_edits_importers(applied):
    root, _, _ = applied

    status = git(root, "diff", "--name-status", "main", "codemod/dates").splitlines()

    assert sorted(status) == [
        "A\tnba_simulator/__init__.py",
        "A\tnba_simulator/etl/__init__.py",
        "A\tnba_simulator/etl/dates.py",
        "M\tscripts/etl/job.py",
        "M\tscripts/etl/utils.py",
        "M\ttests/test_utils.py",
    ]


def test_branch_files_after_apply(applied):
    _, _, checkout = applied

    utils = (checkout / "scripts/etl/utils.py").read_text()
    dates = (checkout / "nba_simulator/etl/dates.py").read_text()
    job = (checkout / "scripts/etl/job.py").read_text()

    assert "from nba_simulator.etl.dates import parse_date  # moved by codemod\n" in utils
    assert "from nba_simulator.etl.dates import Calendar  # moved by codemod\n" in utils
    assert "def today_text():" in utils
    assert "def parse_date(text):" in dates
    assert "class Calendar:" in dates
    assert "from scripts.etl.utils import today_text  # noqa: E402\n" in job
    assert "from nba_simulator.etl.dates import Calendar, parse_date" in job
    assert 'mock.patch("nba_simulator.etl.dates.parse_date")' in (checkout / "tests/test_utils.py").read_text()
    assert not (checkout / ".codemod/shims").exists()
    assert not (checkout / ".codemod/shims.json").exists()


RUNS = [
    pytest.param(
        ["-W", "error", "-c", "from scripts.etl.utils import parse_date; print(parse_date.__module__)"],
        "nba_simulator.etl.dates",
        id="old-import-through-reexport-without-warning",
    ),
    pytest.param(
        ["-c", "from nba_simulator.etl.dates import Calendar; print(Calendar().first().isoformat())"],
        "2024-01-01",
        id="new-import",
    ),
    pytest.param(
        ["-c", "import scripts.etl.utils as old, nba_simulator.etl.dates as new; print(old.Calendar is new.Calendar)"],
        "True",
        id="old-and-new-names-one-class",
    ),
    pytest.param(["scripts/etl/job.py"], "2024-03-04 2024-01-02 2024-01-01", id="rewritten-script-runs-by-path"),
    pytest.param(["-m", "scripts.report"], "2024-01-02", id="importer-of-remaining-name-untouched"),
]


@pytest.mark.parametrize(("arguments", "expected"), RUNS)
def test_branch_runs_in_python(applied, arguments, expected):
    _, _, checkout = applied

    completed = subprocess.run([sys.executable, *arguments], cwd=checkout, capture_output=True, text=True, check=False)

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == expected


def test_apply_again_changes_nothing(applied):
    root, result, _ = applied

    again = apply_batch(root, "dates")

    assert again.already_applied
    assert again.rewrite_commit == result.rewrite_commit


# Verify ----------------------------------------------------------------------


def test_verify_passes_old_and_new_imports(applied):
    root, _, _ = applied

    report = verify_batch(root, "dates")

    checks = {(check.kind, check.subject): check for check in report.checks}
    assert report.ok, report.failed
    assert checks[("static", "imports")].status == "passed"
    assert checks[("symbol", "scripts.etl.utils.parse_date -> nba_simulator.etl.dates.parse_date")].status == "passed"
    assert checks[("symbol", "scripts.etl.utils.Calendar -> nba_simulator.etl.dates.Calendar")].status == "passed"
    assert not [check for check in report.checks if check.kind in ("identity", "expiry")]


def test_verify_fails_broken_new_module(repo):
    apply_batch(repo, "dates")
    git(repo, "switch", "--quiet", "codemod/dates")
    module = repo / "nba_simulator/etl/dates.py"
    module.write_text(module.read_text() + "\nraise RuntimeError('broken on purpose')\n")
    git(repo, "commit", "--quiet", "-am", "Break the new module")
    git(repo, "switch", "--quiet", "main")

    report = verify_batch(repo, "dates")

    failed = {check.subject: check for check in report.failed if check.kind == "symbol"}
    assert not report.ok
    assert set(failed) == {
        "scripts.etl.utils.parse_date -> nba_simulator.etl.dates.parse_date",
        "scripts.etl.utils.Calendar -> nba_simulator.etl.dates.Calendar",
    }
    assert "RuntimeError: broken on purpose" in failed["scripts.etl.utils.Calendar -> nba_simulator.etl.dates.Calendar"].detail


TOOL_CONFIG = 'package = "pkg"\n\n[[batch]]\nname = "tool"\nentry-point-args = []\n[batch.moves]\n"scripts/tool.py:helper" = "pkg.helpers"\n'
TOOL_MAIN = 'def helper():\n    return 1\n\n\nif __name__ == "__main__":\n    print(helper())\n'
ROOT_ON_PATH = "import sys\nfrom pathlib import Path\n\nsys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n\n"


def test_verify_runs_old_module_script(tmp_path):
    files = {"codemod.toml": TOOL_CONFIG, "scripts/tool.py": ROOT_ON_PATH + TOOL_MAIN}
    root = make_repo(tmp_path / "repo", files)
    apply_batch(root, "tool")

    report = verify_batch(root, "tool")

    runs = [check for check in report.checks if check.kind == "entry-point"]
    assert [check.subject for check in runs] == ["scripts/tool.py"]
    assert runs[0].status == "passed", runs[0].detail


def test_script_without_root_on_path_keeps_its_function(tmp_path):
    root = make_repo(tmp_path / "repo", {"codemod.toml": TOOL_CONFIG, "scripts/tool.py": TOOL_MAIN})
    config = load_config(root)

    plan = plan_batch(config, "tool", scan_target(root, config, use_cache=False), file_reader(root))

    assert plan.symbol_moves == ()
    assert [(finding.file, finding.kind) for finding in plan.hazards] == [("scripts/tool.py", "symbol-kept")]
    assert "runs as a script" in plan.hazards[0].message


# Status, rollback, rebuild ---------------------------------------------------


def test_status_follows_batch_to_merge(repo):
    apply_batch(repo, "dates")
    applied_row = batch_statuses(repo)[0]
    git(repo, "merge", "--quiet", "--ff-only", "codemod/dates")
    merged_row = batch_statuses(repo)[0]
    git(repo, "branch", "--quiet", "-D", "codemod/dates")
    deleted_row = batch_statuses(repo)[0]

    assert (applied_row.state, applied_row.commits, applied_row.symbols) == (APPLIED, 1, 2)
    assert (applied_row.moved, applied_row.shims, applied_row.old_name_uses) == (0, 0, 0)
    assert (merged_row.state, merged_row.symbols) == (MERGED, 2)
    assert (deleted_row.state, deleted_row.symbols) == (MERGED, 2)


def test_status_counts_imports_left_on_reexport(repo):
    apply_batch(repo, "dates")
    git(repo, "merge", "--quiet", "--ff-only", "codemod/dates")
    (repo / "scripts/late.py").write_text("from scripts.etl.utils import Calendar, today_text\n")
    git(repo, "add", "scripts/late.py")
    git(repo, "commit", "--quiet", "-m", "Add a late user of the old name")

    row = batch_statuses(repo)[0]

    assert row.old_name_uses == 1


def test_apply_after_merge_reports_merged(repo):
    apply_batch(repo, "dates")
    git(repo, "merge", "--quiet", "--ff-only", "codemod/dates")
    git(repo, "branch", "--quiet", "-D", "codemod/dates")

    result = apply_batch(repo, "dates")

    assert result.already_applied
    assert result.branch == "main"
    assert "codemod/dates" not in git(repo, "branch", "--list")


def test_rollback_deletes_branch(repo):
    result = apply_batch(repo, "dates")

    message = rollback_batch(repo, "dates")

    assert message == f"deleted branch codemod/dates (was {result.rewrite_commit[:10]})"
    assert git(repo, "branch", "--list", "codemod/dates") == ""
    assert batch_statuses(repo)[0].state == PLANNED


def test_rebuild_on_new_base(repo):
    apply_batch(repo, "dates")
    commit_on_main(repo)

    result = apply_batch(repo, "dates", rebuild=True)

    assert result.rebuilt
    assert result.rename_commit == ""
    assert result.base == rev(repo, "main")
    assert git(repo, "log", "--format=%s", "main..codemod/dates").splitlines() == [
        "Move dates: 2 definitions into nba_simulator.etl.dates"
    ]


# Errors ----------------------------------------------------------------------


LEFT_ALONE = [
    pytest.param("scripts/etl/utils.py:missing", "no top-level function or class named 'missing'", id="name-not-defined"),
    pytest.param("scripts/etl/utils.py:today_text", "today_text uses parse_date", id="uses-name-that-stays"),
]


@pytest.mark.parametrize(("key", "reason"), LEFT_ALONE)
def test_batch_moving_nothing_rejected(tmp_path, key, reason):
    config = f'package = "nba_simulator"\n\n[[batch]]\nname = "empty"\n[batch.moves]\n"{key}" = "nba_simulator.etl.dates"\n'
    root = make_repo(tmp_path / "repo", {**FILES, "codemod.toml": config})

    with pytest.raises(BatchError) as raised:
        apply_batch(root, "empty")

    message = str(raised.value)
    assert "batch 'empty' moves nothing" in message
    assert "scripts/etl/utils.py" in message
    assert reason in message
    assert git(root, "branch", "--list", "codemod/*") == ""


def test_batch_of_earlier_shims_rejected(tmp_path):
    config = """\
package = "pkg"

[[batch]]
name = "first"
[batch.moves]
"scripts/only.py" = "pkg.only"

[[batch]]
name = "folder"
[batch.moves]
"scripts/" = "pkg.scripts"
"""
    root = make_repo(tmp_path / "repo", {"codemod.toml": config, "scripts/only.py": "VALUE = 1\n"})
    apply_batch(root, "first")
    git(root, "merge", "--quiet", "--ff-only", "codemod/first")

    with pytest.raises(BatchError, match="selects neither files nor functions or classes to move"):
        apply_batch(root, "folder")


# Stacking --------------------------------------------------------------------


STACK_CONFIG = """\
package = "nba_simulator"

[[batch]]
name = "calendar"
[batch.moves]
"scripts/etl/calendar_base.py" = "nba_simulator.etl.calendar"

[[batch]]
name = "holidays"
[batch.moves]
"scripts/etl/utils.py:Holidays" = "nba_simulator.etl.calendar"

[[batch]]
name = "utils-file"
[batch.moves]
"scripts/etl/utils.py" = "nba_simulator.etl.utils"

[[batch]]
name = "solo"
[batch.moves]
"scripts/solo.py:solo" = "nba_simulator.solo"
"""

STACK_FILES = {
    "codemod.toml": STACK_CONFIG,
    "scripts/etl/calendar_base.py": "FIRST_MONTH = 1\n",
    "scripts/etl/utils.py": "class Holidays:\n    names = ('new year',)\n\n\ndef other():\n    return 2\n",
    "scripts/etl/job.py": "from scripts.etl.utils import Holidays, other\n\nprint(Holidays.names, other())\n",
    "scripts/solo.py": "def solo():\n    return 3\n",
}


@pytest.fixture
def stack(tmp_path):
    return make_repo(tmp_path / "repo", STACK_FILES)


def test_symbols_into_unapplied_module_rejected(stack):
    with pytest.raises(BatchError) as raised:
        apply_batch(stack, "holidays")

    message = str(raised.value)
    assert "holidays moves definitions into a module calendar creates" in message
    assert "`codemod apply --batch calendar` then `codemod apply --batch holidays`" in message


def test_symbols_stack_on_branch_creating_module(stack, tmp_path):
    apply_batch(stack, "calendar")

    result = apply_batch(stack, "holidays")
    checkout = tmp_path / "checkout"
    git(stack, "worktree", "add", "--quiet", "--detach", str(checkout), result.branch)
    run = subprocess.run(
        [sys.executable, "-c", "from nba_simulator.etl.calendar import FIRST_MONTH, Holidays; print(FIRST_MONTH, Holidays.names)"],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.base_ref == "codemod/calendar"
    assert result.base == rev(stack, "codemod/calendar")
    assert "nba_simulator/etl/calendar.py" in result.base_reason
    assert run.stdout.strip() == "1 ('new year',)", run.stderr


def test_file_move_after_unapplied_symbol_rejected(stack):
    apply_batch(stack, "calendar")

    with pytest.raises(BatchError, match="utils-file moves a file that holidays moves a definition out of"):
        apply_batch(stack, "utils-file")


def test_file_move_stacks_on_symbol_batch(stack):
    apply_batch(stack, "calendar")
    apply_batch(stack, "holidays")

    result = apply_batch(stack, "utils-file")

    assert result.base_ref == "codemod/holidays"
    assert "scripts/etl/utils.py" in result.base_reason


def test_unrelated_symbol_batch_starts_at_head(stack):
    apply_batch(stack, "calendar")

    result = apply_batch(stack, "solo")

    assert result.base_ref == "HEAD"
    assert result.base == rev(stack, "main")


# Command line ----------------------------------------------------------------


def test_plan_text_shows_definitions(repo):
    completed = codemod(repo, "plan", "--batch", "dates")

    assert completed.returncode == 0, completed.stderr
    assert "Batch dates: functions and classes to move" in completed.stdout
    assert "scripts/etl/utils.py : parse_date" in completed.stdout
    assert "nba_simulator/etl/dates.py" in completed.stdout
    assert "Batch dates: moves" not in completed.stdout
    assert "Shims at old paths" not in completed.stdout


def test_plan_json_has_no_file_moves(repo):
    completed = codemod(repo, "plan", "--batch", "dates", "--json")

    data = json.loads(completed.stdout)
    assert completed.returncode == 0, completed.stderr
    assert data["moves"] == []
    assert data["shims"] == []
    assert [symbol["name"] for symbol in data["symbol_moves"]] == ["parse_date", "Calendar"]
    assert data["stats"]["symbols_moved"] == 2


def test_apply_output_has_no_rename_line(repo):
    completed = codemod(repo, "apply", "--batch", "dates")

    assert completed.returncode == 0, completed.stderr
    assert "renames:" not in completed.stdout
    assert "2 functions and classes moved" in completed.stdout
    assert "shims" not in completed.stdout


def test_apply_json_has_empty_rename_commit(repo):
    completed = codemod(repo, "apply", "--batch", "dates", "--json")

    data = json.loads(completed.stdout)
    assert completed.returncode == 0, completed.stderr
    assert data["rename_commit"] == ""
    assert data["rewrite_commit"] == rev(repo, "codemod/dates")


def test_status_table_shows_symbols(repo):
    apply_batch(repo, "dates")

    completed = codemod(repo, "status")

    assert completed.returncode == 0, completed.stderr
    assert "symbols" in completed.stdout
    assert "applied" in completed.stdout


# Mixed batches ---------------------------------------------------------------


def test_mixed_batch_message_names_definitions(tmp_path):
    config = """\
package = "nba_simulator"

[[batch]]
name = "mixed"
[batch.moves]
"scripts/report.py" = "nba_simulator.report"
"scripts/etl/utils.py:Calendar" = "nba_simulator.etl.dates"
"""
    root = make_repo(tmp_path / "repo", {**FILES, "codemod.toml": config})

    result = apply_batch(root, "mixed")
    body = git(root, "log", "-1", "--format=%B", result.branch)

    assert result.rename_commit != ""
    assert body.startswith("Rewrite imports and add shims for mixed\n")
    assert "Functions and classes moved: 1\n  scripts/etl/utils.py:Calendar -> nba_simulator.etl.dates" in body
    assert "Shims at old paths: 1 (listed in .codemod/shims/mixed.json)" in body
