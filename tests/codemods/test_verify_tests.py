"""verify --tests: the target's own test command on the base and on the branch, compared test by test."""

from __future__ import annotations

import pytest

from codemods.apply import apply_batch
from codemods.errors import BatchError
from codemods.verify import (
    SuiteRun,
    compare_test_runs,
    parse_tests_command,
    read_junit,
    verify_batch,
)
from tests.codemods.legacy import make_legacy_repo

# A batch that breaks one test on purpose: loader.py finds its data file next to
# itself through __file__, and the data file stays behind when the module moves.
BREAKING_REPO = {
    "codemod.toml": (
        'package = "app"\n\n[[batch]]\nname = "loader"\nentry-point-args = []\n\n'
        '[batch.moves]\n"scripts/data/loader.py" = "app.data.loader"\n'
    ),
    "scripts/data/loader.py": (
        "import json\nfrom pathlib import Path\n\n"
        'DEFAULTS = Path(__file__).parent / "defaults.json"\n\n\n'
        "def load():\n    return json.loads(DEFAULTS.read_text())\n\n\n"
        "def double(value):\n    return 2 * value\n"
    ),
    "scripts/data/defaults.json": '{"season": 2024}\n',
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


def test_no_report_on_branch_fails(broken):
    report = verify_batch(
        broken, "loader", run_entry_points=False, tests_command="python -c pass --junitxml={junit}"
    )

    (check,) = [check for check in report.checks if check.kind == "tests"]
    assert check.status == "pre-existing"
    assert "wrote no JUnit XML report on the base" in check.detail


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
    from pathlib import Path

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


@pytest.mark.parametrize("outcome", ["passed", "skipped"])
def test_unchanged_good_outcomes_only_counted(outcome):
    checks = compare_test_runs("pytest", run({"t::a": outcome}), run({"t::a": outcome}))

    assert [(check.subject, check.status) for check in checks] == [("pytest", "passed")]
    assert checks[0].detail == f"same outcome on the base and the branch: 1 {outcome}"


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
