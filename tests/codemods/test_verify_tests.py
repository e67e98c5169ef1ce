"""verify --tests: the target's own test command on the base and on the branch, compared test by test."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError
from codemods.verify import verify_batch
from codemods.verify_tests import (
    SuiteRun,
    TestsCommandError,
    compare_test_runs,
    parse_tests_command,
    read_junit,
    runs_pytest,
)
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import make_repo

# A batch that breaks one test on purpose: loader.py finds its data file by its own
# name (with_suffix, which the move cannot adjust), and the data file stays behind.
BREAKING_REPO = {
    "codemod.toml": (
        'package = "app"\n\n[[batch]]\nname = "loader"\nentry-point-args = []\n\n'
        '[batch.moves]\n"scripts/data/loader.py" = "app.data.loader"\n'
    ),
    "scripts/data/loader.py": (
        "import json\nfrom pathlib import Path\n\n"
        'DEFAULTS = Path(__file__).with_suffix(".json")\n\n\n'
        "def load():\n    return json.loads(DEFAULTS.read_text())\n\n\n"
        "def double(value):\n    return 2 * value\n"
    ),
    "scripts/data/loader.json": '{"season": 2024}\n',
    "tests/test_loader.py": (
        "import sys\nfrom pathlib import Path\n\n"
        "import pytest\n\n"
        "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n"
        "from scripts.data import loader  # noqa: E402\n\n\n"
        'def test_load():\n    assert loader.load() == {"season": 2024}\n\n\n'
        "def test_double():\n    assert loader.double(2) == 4\n\n\n"
        "def test_known_bug():\n    assert loader.double(3) == 7\n\n\n"
        '@pytest.mark.skip(reason="needs a database")\ndef test_database():\n    pass\n'
    ),
}


def statuses(report):
    return {check.subject: check.status for check in report.checks if check.kind == "tests"}


@pytest.fixture(scope="module")
def broken(tmp_path_factory):
    from tests.conftest import make_repo

    root = make_repo(tmp_path_factory.mktemp("suite") / "repo", BREAKING_REPO)
    apply_batch(root, "loader")
    return root


BROKEN_COMMAND = "python -m pytest -q --junitxml={junit}"


@pytest.fixture(scope="module")
def broken_report(broken):
    # The {junit} form here; test_legacy_fixture_tests_compared runs the form that gets --junitxml appended.
    return verify_batch(broken, "loader", run_entry_points=False, tests_command=BROKEN_COMMAND)


def test_broken_test_fails_batch(broken_report):
    tests = statuses(broken_report)

    assert not broken_report.ok
    assert tests["tests.test_loader::test_load"] == "failed"
    assert [check.subject for check in broken_report.failed] == ["tests.test_loader::test_load"]


def test_unchanged_tests_summarized(broken_report):
    tests = statuses(broken_report)
    summary = next(check for check in broken_report.checks if check.subject == BROKEN_COMMAND)

    assert "tests.test_loader::test_double" not in tests
    assert "tests.test_loader::test_database" not in tests
    assert summary.status == "passed"
    assert summary.detail == "same outcome on the base and the branch: 1 failed, 1 passed, 1 skipped"


def test_failing_on_both_is_pre_existing(broken_report):
    assert statuses(broken_report)["tests.test_loader::test_known_bug"] == "pre-existing"


def test_change_detail_names_both_states(broken_report):
    (check,) = broken_report.failed

    assert check.detail == "passed on the base, failed on the branch"


def test_legacy_fixture_tests_compared(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    apply_batch(root, "etl-base")

    report = verify_batch(root, "etl-base", run_entry_points=False, tests_command="pytest -q")

    assert report.ok, report.failed
    tests = statuses(report)
    # The base cannot import async_scraper_base from the tests (its sibling import needs the
    # script's folder on sys.path); the branch's rewritten imports can.
    assert tests["tests.test_async_scrapers::test_scraper_uses_telemetry"] == "passed"
    assert tests["tests.test_async_scrapers::test_manager_patched_through_dotted_name"] == "passed"


def test_no_report_on_either_side_skipped(broken):
    report = verify_batch(
        broken, "loader", run_entry_points=False, tests_command="python -c pass --junitxml={junit}"
    )

    (check,) = [check for check in report.checks if check.kind == "tests"]
    assert check.status == "skipped"
    assert "wrote no JUnit XML report on the base" in check.detail
    assert "so nothing was compared" in check.detail


@pytest.mark.parametrize(
    "command, arguments",
    [
        pytest.param("pytest -q", ["pytest", "-q", "--junitxml=/r.xml"], id="pytest-gets-junitxml"),
        pytest.param("python -m pytest tests", ["python", "-m", "pytest", "tests", "--junitxml=/r.xml"], id="python-m-pytest"),
        pytest.param("python run.py --out={junit}", ["python", "run.py", "--out=/r.xml"], id="placeholder-replaced"),
        pytest.param("pytest --junitxml={junit}", ["pytest", "--junitxml=/r.xml"], id="pytest-with-placeholder"),
        pytest.param("pytest -k 'a and b'", ["pytest", "-k", "a and b", "--junitxml=/r.xml"], id="quoted-argument"),
    ],
)
def test_tests_command_arguments(command, arguments):
    assert parse_tests_command(command).for_report(Path("/r.xml")) == arguments


@pytest.mark.parametrize(
    "command, message",
    [
        pytest.param("make test", "put {junit} where the command takes the report path", id="no-junit-path"),
        pytest.param("", "--tests is empty", id="empty"),
        pytest.param("pytest 'unclosed", "cannot split the command", id="bad-quotes"),
        pytest.param("no-such-tool-xyz {junit}", "not found on PATH", id="missing-program"),
    ],
)
def test_tests_command_rejected(command, message):
    with pytest.raises(BatchError, match=message.replace("{", r"\{").replace("}", r"\}")):
        parse_tests_command(command)


def run(outcomes):
    return SuiteRun(outcomes=outcomes, returncode=0, report_found=True)


@pytest.mark.parametrize(
    "before, after, expected",
    [
        pytest.param("passed", "failed", "failed", id="passed-to-failed"),
        pytest.param("passed", "error", "failed", id="passed-to-error"),
        pytest.param("passed", "skipped", "failed", id="passed-to-skipped"),
        pytest.param("passed", "missing", "failed", id="passed-test-disappears"),
        pytest.param("failed", "passed", "passed", id="fixed-by-batch"),
        pytest.param("failed", "error", "pre-existing", id="failed-to-error"),
        pytest.param("failed", "failed", "pre-existing", id="failing-on-both"),
        pytest.param("skipped", "failed", "failed", id="skipped-to-failed"),
        pytest.param("missing", "passed", "passed", id="new-test-passes"),
        pytest.param("missing", "failed", "failed", id="new-test-fails"),
    ],
)
def test_outcome_transitions(before, after, expected):
    base = run({} if before == "missing" else {"t::a": before})
    branch = run({} if after == "missing" else {"t::a": after})

    checks = {check.subject: check.status for check in compare_test_runs("pytest", base, branch)}

    assert checks["t::a"] == expected


@pytest.mark.parametrize(
    "outcomes, shown",
    [
        pytest.param({"t::a": "passed"}, "1 passed", id="passed"),
        pytest.param({"t::a": "passed", "t::b": "skipped"}, "1 passed, 1 skipped", id="passed-and-skipped"),
    ],
)
def test_unchanged_good_outcomes_only_counted(outcomes, shown):
    checks = compare_test_runs("pytest", run(outcomes), run(outcomes))

    assert [(check.subject, check.status) for check in checks] == [("pytest", "passed")]
    assert checks[0].detail == f"same outcome on the base and the branch: {shown}"


def test_missing_report_on_branch_only_fails():
    base = run({"t::a": "passed"})
    branch = SuiteRun(outcomes={}, returncode=2, report_found=False, stderr_tail="ImportError: x")

    (check,) = compare_test_runs("pytest", base, branch)

    assert check.status == "failed"
    assert "ImportError: x" in check.detail


JUNIT = """<?xml version="1.0" encoding="utf-8"?>
<testsuites><testsuite name="pytest">
<testcase classname="tests.test_a" name="test_ok"/>
<testcase classname="tests.test_a" name="test_bad"><failure message="boom"/></testcase>
<testcase classname="tests.test_a" name="test_skip"><skipped message="later"/></testcase>
<testcase classname="tests.test_a" name="test_teardown"/>
<testcase classname="tests.test_a" name="test_teardown"><error message="teardown"/></testcase>
<testcase classname="" name="tests.test_b"><error message="collection"/></testcase>
</testsuite></testsuites>
"""


def test_read_junit_outcomes(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text(JUNIT)

    assert read_junit(path) == {
        "tests.test_a::test_ok": "passed",
        "tests.test_a::test_bad": "failed",
        "tests.test_a::test_skip": "skipped",
        "tests.test_a::test_teardown": "error",
        "tests.test_b": "error",
    }


def test_read_junit_rejects_other_xml(tmp_path):
    path = tmp_path / "junit.xml"
    path.write_text("not xml at all")

    assert read_junit(path) is None


# Commands that run pytest by an interpreter path ----------------------------------------


@pytest.mark.parametrize(
    "command, expected",
    [
        pytest.param("pytest -q", True, id="pytest-program"),
        pytest.param("/tmp/venv/bin/pytest -q", True, id="pytest-program-path"),
        pytest.param("py.test", True, id="py-test-program"),
        pytest.param("python -m pytest", True, id="python-m-pytest"),
        pytest.param("/tmp/venv/bin/python -m pytest -q", True, id="absolute-interpreter-path"),
        pytest.param(".venv/bin/python3 -m pytest", True, id="relative-interpreter-path"),
        pytest.param("/usr/bin/python3.12 -m pytest", True, id="versioned-interpreter"),
        pytest.param("python3.13t -m pytest", True, id="free-threaded-interpreter"),
        pytest.param("pypy3 -m pytest", True, id="pypy-interpreter"),
        pytest.param("python -X dev -W error -bb -m pytest", True, id="interpreter-options-before-m"),
        pytest.param("python -mpytest", True, id="attached-module-name"),
        pytest.param("python -m pytest_other", False, id="other-module"),
        pytest.param("python run_tests.py -m pytest", False, id="script-before-m"),
        pytest.param("python -c pytest", False, id="command-string"),
        pytest.param("/tmp/venv/bin/notpython -m pytest", False, id="other-program-with-m"),
        pytest.param("python", False, id="interpreter-alone"),
    ],
)
def test_pytest_command_recognized(command, expected):
    import shlex

    assert runs_pytest(shlex.split(command)) is expected


def test_interpreter_path_gets_junitxml():
    command = parse_tests_command(f"{sys.executable} -m pytest -q")

    assert command.for_report(Path("/r.xml")) == [sys.executable, "-m", "pytest", "-q", "--junitxml=/r.xml"]


def test_relative_interpreter_made_absolute(tmp_path, monkeypatch):
    (tmp_path / ".venv/bin").mkdir(parents=True)
    (tmp_path / ".venv/bin/python").symlink_to(sys.executable)
    monkeypatch.chdir(tmp_path)

    command = parse_tests_command(".venv/bin/python -m pytest")

    assert command.arguments[0] == str(tmp_path / ".venv/bin/python")
    assert command.text == ".venv/bin/python -m pytest"


@pytest.mark.parametrize(
    "command, message",
    [
        pytest.param("make test", "put {junit} where the command takes the report path", id="no-junit-path"),
        pytest.param("", "--tests is empty", id="empty"),
        pytest.param("pytest 'unclosed", "cannot split the command", id="bad-quotes"),
        pytest.param("no-such-tool-xyz {junit}", "not found on PATH", id="program-not-on-path"),
        pytest.param("/no/such/venv/bin/python -m pytest", "'/no/such/venv/bin/python' not found or not executable", id="interpreter-path-missing"),
    ],
)
def test_bad_tests_value_exits_usage(broken, command, message):
    completed = subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", "verify", "--batch", "loader", "--tests", command],
        cwd=broken,
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 2, completed.stderr
    assert message in completed.stderr
    assert completed.stdout == ""


def test_bad_tests_value_is_usage_error():
    with pytest.raises(TestsCommandError) as raised:
        parse_tests_command("make test")

    assert raised.value.exit_code == 2


# Runs in which no test ran -----------------------------------------------------------------

# pytest stops before running any test when a test file cannot be collected, and --maxfail=2
# stops it after two such errors, so on both sides only errors are reported.
COLLECTION_ERRORS_REPO = {
    "codemod.toml": (
        'package = "app"\n\n[[batch]]\nname = "values"\nentry-point-args = []\n\n'
        '[batch.moves]\n"scripts/data/values.py" = "app.data.values"\n'
    ),
    "pytest.ini": "[pytest]\naddopts = --maxfail=2\n",
    "scripts/data/values.py": "def double(value):\n    return 2 * value\n",
    "tests/test_values.py": (
        "import sys\nfrom pathlib import Path\n\n"
        "sys.path.insert(0, str(Path(__file__).resolve().parents[1]))\n"
        "from scripts.data import values  # noqa: E402\n\n\n"
        "def test_double():\n    assert values.double(2) == 4\n"
    ),
    "tests/test_a_missing.py": "import codemod_test_missing_a\n",
    "tests/test_b_missing.py": "import codemod_test_missing_b\n",
    "tests/test_c_missing.py": "import codemod_test_missing_c\n",
}

PYTEST = f"{sys.executable} -m pytest -p no:cacheprovider"


@pytest.fixture(scope="module")
def collection_errors(tmp_path_factory):
    root = make_repo(tmp_path_factory.mktemp("collection") / "repo", COLLECTION_ERRORS_REPO)
    apply_batch(root, "values")
    return root


def summary_of(report, command):
    return next(check for check in report.checks if check.kind == "tests" and check.subject == command)


def test_only_collection_errors_not_passed(collection_errors):
    report = verify_batch(collection_errors, "values", run_entry_points=False, tests_command=PYTEST)

    summary = summary_of(report, PYTEST)
    assert summary.status == "skipped"
    assert summary.detail.startswith(
        "no test ran on the base (exit 1, 2 error) or on the branch (exit 1, 2 error), so nothing was compared; "
    )
    assert "--continue-on-collection-errors" in summary.detail
    assert "-o addopts=" in summary.detail


def test_collection_hint_makes_tests_run(collection_errors):
    command = PYTEST + " --continue-on-collection-errors -o addopts="

    report = verify_batch(collection_errors, "values", run_entry_points=False, tests_command=command)

    summary = summary_of(report, command)
    assert summary.status == "passed"
    assert summary.detail == "same outcome on the base and the branch: 3 error, 1 passed"


def test_nothing_collected_not_passed(collection_errors):
    command = PYTEST + " -k no_such_test tests/test_values.py"

    report = verify_batch(collection_errors, "values", run_entry_points=False, tests_command=command)

    summary = summary_of(report, command)
    assert summary.status == "skipped"
    assert "(exit 5, no test in the report)" in summary.detail
    assert "pytest collected no test" in summary.detail


def run_with(outcomes, returncode=1):
    return SuiteRun(outcomes=outcomes, returncode=returncode, report_found=True)


@pytest.mark.parametrize(
    "command, base, branch, status, detail",
    [
        pytest.param(
            "pytest",
            {"tests.test_a": "error"},
            {"tests.test_a": "error"},
            "skipped",
            "no test ran on the base (exit 1, 1 error) or on the branch (exit 1, 1 error), so nothing was compared; pytest runs no test",
            id="only-errors-on-both-sides",
        ),
        pytest.param(
            "pytest",
            {},
            {},
            "skipped",
            "no test ran on the base (exit 1, no test in the report) or on the branch (exit 1, no test in the report)",
            id="empty-reports",
        ),
        pytest.param(
            "pytest",
            {"t::a": "skipped"},
            {"t::a": "skipped"},
            "skipped",
            "no test ran on the base (exit 1, 1 skipped) or on the branch (exit 1, 1 skipped), so nothing was compared; every test was skipped",
            id="only-skipped-tests",
        ),
        pytest.param(
            "tox -- --junitxml={junit}",
            {"t": "error"},
            {"t": "error"},
            "skipped",
            "no test ran on the base (exit 1, 1 error) or on the branch (exit 1, 1 error), so nothing was compared; every test case",
            id="errors-from-another-runner",
        ),
        pytest.param(
            "pytest",
            {"tests.test_a": "error"},
            {"tests.test_a": "error", "t::b": "passed"},
            "passed",
            "same outcome on the base and the branch: 1 error",
            id="a-test-ran-on-the-branch",
        ),
        pytest.param(
            "pytest",
            {"t::a": "failed"},
            {"t::a": "failed"},
            "passed",
            "same outcome on the base and the branch: 1 failed",
            id="a-failing-test-ran",
        ),
    ],
)
def test_summary_when_no_test_ran(command, base, branch, status, detail):
    summary = compare_test_runs(command, run_with(base), run_with(branch))[0]

    assert summary.subject == command
    assert summary.status == status
    assert summary.detail.startswith(detail), summary.detail

