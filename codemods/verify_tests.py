"""The `--tests` check of `codemod verify`: the target's own test command, compared test by test.

The command runs once in the base checkout and once in the branch checkout.
Each run writes a JUnit XML report, and each test case in it gets an
outcome (passed, failed, error or skipped) on each side.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import tempfile
import xml.etree.ElementTree as ElementTree
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemods.errors import BatchError
from codemods.exitcodes import ExitCode
from codemods.processes import find_program, run_command
from codemods.verify_checks import Check, tail

logger = logging.getLogger(__name__)

JUNIT_PLACEHOLDER = "{junit}"
_FAILING = ("failed", "error")
_RAN = ("passed", "failed")  # outcomes of a test whose body ran; an error is a collection or fixture failure
_PYTEST_PROGRAMS = ("pytest", "py.test")
# python, python3, python3.12, python3.13t, pypy3, python.exe, with or without a folder in front.
_PYTHON_PROGRAM = re.compile(r"(python|pypy)[0-9.]*t?(\.exe)?", re.IGNORECASE)
# Interpreter options that may stand before -m: flags alone, and -W or -X with a value.
_PYTHON_FLAGS = re.compile(r"-[bBdEiIOPqRsSuv]+")
_PYTHON_OPTIONS_WITH_VALUE = ("-W", "-X")


class TestsCommandError(BatchError):
    """The `--tests` value cannot be run or compared; a usage error, because the fix is on the command line."""

    __test__ = False  # not a test class, despite its name
    exit_code: int = ExitCode.USAGE


@dataclass(frozen=True)
class SuiteCommand:
    """The target's test command, split into arguments, with where the JUnit XML path goes."""

    text: str
    arguments: tuple[str, ...]
    append_junit: bool  # True: add --junitxml=PATH; False: the arguments carry {junit}

    def for_report(self, junit_path: Path) -> list[str]:
        """Return the arguments that write the JUnit XML report to ``junit_path``."""
        if self.append_junit:
            return [*self.arguments, f"--junitxml={junit_path}"]
        return [argument.replace(JUNIT_PLACEHOLDER, str(junit_path)) for argument in self.arguments]


@dataclass(frozen=True)
class SuiteRun:
    """Outcomes of one run of the test command: test id -> passed, failed, error or skipped."""

    outcomes: Mapping[str, str]
    returncode: int
    report_found: bool
    stderr_tail: str = ""


def parse_tests_command(text: str) -> SuiteCommand:
    """Split ``text`` as a shell would and decide how it writes JUnit XML.

    A command that runs pytest gets ``--junitxml=PATH`` appended. Such a
    command starts with ``pytest`` or ``py.test``, or with a Python
    interpreter, by name or path, followed by ``-m pytest``. Any other
    command must carry ``{junit}`` where the report path goes. A relative
    program path such as
    ``.venv/bin/python`` is made absolute from the current folder, because
    the command runs in temporary checkouts elsewhere. Raises
    TestsCommandError (exit code 2) naming the value and the fix.
    """
    try:
        arguments = tuple(shlex.split(text))
    except ValueError as error:
        raise TestsCommandError(f"--tests {text!r}: cannot split the command ({error}); check its quotes.") from None
    if not arguments:
        raise TestsCommandError("--tests is empty; give the test command, for example --tests 'pytest -q'.")
    if JUNIT_PLACEHOLDER in text:
        append_junit = False
    elif runs_pytest(arguments):
        append_junit = True
    else:
        raise TestsCommandError(
            f"--tests {text!r}: codemod needs a JUnit XML report to compare tests one by one; put "
            f"{JUNIT_PLACEHOLDER} where the command takes the report path, for example "
            f"--tests 'tox -- --junitxml={JUNIT_PLACEHOLDER}'."
        )
    if find_program(arguments[0]) is None:
        if "/" in arguments[0]:
            raise TestsCommandError(
                f"--tests {text!r}: program {arguments[0]!r} not found or not executable; give the path of an "
                "existing program, such as the python of the virtual environment that has the test dependencies."
            )
        raise TestsCommandError(f"--tests {text!r}: program {arguments[0]!r} not found on PATH; install it or give its full path.")
    if "/" in arguments[0] and not os.path.isabs(arguments[0]):
        arguments = (os.path.abspath(arguments[0]), *arguments[1:])
    return SuiteCommand(text, arguments, append_junit=append_junit)


def runs_pytest(arguments: Sequence[str]) -> bool:
    """Return True when ``arguments`` start pytest: its own program, or a Python interpreter with ``-m pytest``."""
    if not arguments:
        return False
    program = os.path.basename(arguments[0])
    if program in _PYTEST_PROGRAMS or program.lower() == "pytest.exe":
        return True
    if not _PYTHON_PROGRAM.fullmatch(program):
        return False
    index = 1
    while index < len(arguments):
        argument = arguments[index]
        if argument == "-m":
            return list(arguments[index + 1 : index + 2]) == ["pytest"]
        if argument.startswith("-m"):
            return argument[len("-m") :] == "pytest"
        if argument in _PYTHON_OPTIONS_WITH_VALUE:
            index += 2
        elif argument.startswith(_PYTHON_OPTIONS_WITH_VALUE) or _PYTHON_FLAGS.fullmatch(argument):
            index += 1
        else:
            return False
    return False


def run_test_suite(command: SuiteCommand, checkout: Path, isolate: bool, timeout: float) -> SuiteRun:
    """Run ``command`` in ``checkout`` and read its JUnit XML report."""
    with tempfile.TemporaryDirectory(prefix="codemod-junit-") as folder:
        report_path = Path(folder) / "junit.xml"
        result = run_command(command.for_report(report_path), cwd=checkout, isolate_network=isolate, timeout=timeout)
        outcomes = read_junit(report_path) if report_path.is_file() else None
    logger.info("%s in %s exited %d", command.text, checkout, result.returncode)
    return SuiteRun(
        outcomes=outcomes or {},
        returncode=result.returncode,
        report_found=outcomes is not None,
        stderr_tail=tail(result.stderr or result.stdout),
    )


def read_junit(path: Path) -> Optional[dict[str, str]]:
    """Return the outcome of each test case in the JUnit XML file at ``path``, or None when it is not JUnit XML."""
    try:
        tree = ElementTree.parse(path)
    except (ElementTree.ParseError, OSError):
        return None
    outcomes: dict[str, str] = {}
    for case in tree.iter("testcase"):
        name = case.get("name", "")
        classname = case.get("classname", "")
        test_id = f"{classname}::{name}" if classname else name
        outcomes[test_id] = _worst(outcomes.get(test_id), _outcome(case))
    return outcomes


def _outcome(case: ElementTree.Element) -> str:
    tags = {child.tag for child in case}
    if "error" in tags:
        return "error"
    if "failure" in tags:
        return "failed"
    if "skipped" in tags:
        return "skipped"
    return "passed"


def _worst(first: Optional[str], second: str) -> str:
    # pytest writes a test case twice when its teardown errors after it ran; keep the worse outcome.
    order = ("passed", "skipped", "failed", "error")
    if first is None:
        return second
    return max(first, second, key=order.index)


def compare_test_runs(command: str, base: SuiteRun, branch: SuiteRun) -> list[Check]:
    """Turn two runs of the test command into checks: one per test that changed state, one summary.

    The summary is "skipped" when no test ran on either side (only errors,
    or nothing collected), because then nothing was compared.
    """
    if not base.report_found or not branch.report_found:
        return [_missing_report_check(command, base, branch)]

    checks = []
    unchanged: Counter[str] = Counter()
    for test_id in sorted(set(base.outcomes) | set(branch.outcomes)):
        old = base.outcomes.get(test_id, "missing")
        new = branch.outcomes.get(test_id, "missing")
        if old == new:
            unchanged[new] += 1
            if new in _FAILING:
                checks.append(Check("tests", test_id, "pre-existing", f"{new} on the base and on the branch"))
            continue
        checks.append(Check("tests", test_id, _transition_status(old, new), f"{old} on the base, {new} on the branch"))
    if not _any_ran(base) and not _any_ran(branch):
        checks.insert(0, _nothing_ran_check(command, base, branch))
    else:
        counts = _count_outcomes(unchanged) or "no tests"
        checks.insert(0, Check("tests", command, "passed", f"same outcome on the base and the branch: {counts}"))
    return checks


def _transition_status(old: str, new: str) -> str:
    """Return "failed" when a test got worse on the branch, "passed" when it stayed good or got better."""
    if old == "passed":
        return "failed"
    if old == "missing":
        return "failed" if new in _FAILING else "passed"
    if new in ("passed", "skipped"):
        return "passed"
    return "failed" if old == "skipped" else "pre-existing"


def _any_ran(run: SuiteRun) -> bool:
    return any(outcome in _RAN for outcome in run.outcomes.values())


def _count_outcomes(outcomes: Counter[str]) -> str:
    return ", ".join(f"{count} {outcome}" for outcome, count in sorted(outcomes.items()))


def _nothing_ran_check(command: str, base: SuiteRun, branch: SuiteRun) -> Check:
    """Describe two runs in which no test passed or failed: the counts on each side and how to make tests run."""

    def side(run: SuiteRun) -> str:
        counted = _count_outcomes(Counter(run.outcomes.values())) or "no test in the report"
        return f"exit {run.returncode}, {counted}"

    detail = (
        f"no test ran on the base ({side(base)}) or on the branch ({side(branch)}), so nothing was compared; "
        + _nothing_ran_hint(command, base, branch)
    )
    return Check("tests", command, "skipped", detail)


def _nothing_ran_hint(command: str, base: SuiteRun, branch: SuiteRun) -> str:
    outcomes = {outcome for run in (base, branch) for outcome in run.outcomes.values()}
    try:
        is_pytest = runs_pytest(shlex.split(command))
    except ValueError:
        is_pytest = False
    if "error" in outcomes and is_pytest:
        return (
            "pytest runs no test when it cannot collect a test file, and the pre-existing tests checks name those "
            "files. Fix them, or add --continue-on-collection-errors to run the tests that can be collected; "
            "-o addopts= drops options such as --maxfail that the repository's pytest configuration adds"
        )
    if "error" in outcomes:
        return "every test case in the reports is an error; fix what the pre-existing tests checks name, then verify again"
    if "skipped" in outcomes:
        return "every test was skipped on both sides; run the command with the options or services that the skipped tests need"
    if is_pytest:
        return (
            "pytest collected no test; check the paths in the command and the testpaths, python_files and "
            "addopts settings of the repository's pytest configuration"
        )
    return f"the reports list no test case; check that the command runs the tests and writes its report to {JUNIT_PLACEHOLDER}"


def _missing_report_check(command: str, base: SuiteRun, branch: SuiteRun) -> Check:
    if not branch.report_found and not base.report_found:
        # The command cannot run here at all (pytest missing, a bad option), so nothing was compared.
        return Check(
            "tests",
            command,
            "skipped",
            f"wrote no JUnit XML report on the base (exit {base.returncode}) or the branch (exit {branch.returncode}), "
            f"so nothing was compared; run the command by hand to see why: {branch.stderr_tail}",
        )
    if not branch.report_found:
        return Check(
            "tests", command, "failed", f"wrote no JUnit XML report on the branch (exit {branch.returncode}): {branch.stderr_tail}"
        )
    return Check(
        "tests",
        command,
        "skipped",
        f"wrote no JUnit XML report on the base (exit {base.returncode}), so there is nothing to compare: {base.stderr_tail}",
    )
