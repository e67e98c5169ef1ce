"""Moving one function or class with a `path.py:Name` key: rope for the body, our rewrites for the importers."""

from __future__ import annotations

import subprocess
import sys
from textwrap import dedent
from typing import Optional

import pytest

from codemods.apply import apply_batch
from codemods.config import load_config
from codemods.move_symbol import SymbolMove, move_symbol
from codemods.plan import plan_batch
from codemods.workspace import file_reader, scan_target
from tests.conftest import git, make_repo

MOVE = SymbolMove(
    source_path="scripts/etl/utils.py",
    name="parse_date",
    new_module="nba_simulator.etl.dates",
    dest_path="nba_simulator/etl/dates.py",
    rule="scripts/etl/utils.py:parse_date",
)


def run_move(source: str, dest: Optional[str] = None, **options):  # type: ignore[no-untyped-def]
    dest_bytes = None if dest is None else dedent(dest).encode()
    return move_symbol(dedent(source).encode(), dest_bytes, MOVE, **options)


MOVED = [
    pytest.param(
        """\
        import datetime

        FORMAT = "%Y-%m-%d"


        def parse_date(text):
            \"\"\"Parse one date.\"\"\"
            return datetime.datetime.strptime(text, "%Y-%m-%d")


        def later():
            return parse_date("2020-01-01")
        """,
        None,
        """\
        import datetime

        FORMAT = "%Y-%m-%d"


        from nba_simulator.etl.dates import parse_date  # moved by codemod


        def later():
            return parse_date("2020-01-01")
        """,
        ["import datetime", "def parse_date(text):", '    """Parse one date."""'],
        id="function-into-new-module",
    ),
    pytest.param(
        """\
        import functools


        @functools.lru_cache(maxsize=None)
        def parse_date(text):
            return text.split("-")
        """,
        "\"\"\"Dates.\"\"\"\n\nEPOCH = 1970\n",
        """\
        import functools


        from nba_simulator.etl.dates import parse_date  # moved by codemod
        """,
        ['"""Dates."""', "EPOCH = 1970", "@functools.lru_cache(maxsize=None)", "import functools"],
        id="decorated-function-appended-to-existing-module",
    ),
    pytest.param(
        """\
        class parse_date:
            def __call__(self, text):
                return text

        VALUE = parse_date()("x")
        """,
        None,
        """\
        from nba_simulator.etl.dates import parse_date  # moved by codemod

        VALUE = parse_date()("x")
        """,
        ["class parse_date:"],
        id="class-used-later-at-module-level",
    ),
]


@pytest.mark.parametrize(("source", "dest", "source_after", "dest_lines"), MOVED)
def test_moves_definition(source: str, dest: Optional[str], source_after: str, dest_lines: list[str]) -> None:
    result = run_move(source, dest)

    assert result.problem is None
    assert result.source_after.decode() == dedent(source_after)
    assert result.dest_after is not None
    dest_text = result.dest_after.decode()
    for line in dest_lines:
        assert line in dest_text.splitlines()
    compile(dest_text, "dest.py", "exec")


LEFT_ALONE = [
    pytest.param("def other():\n    pass\n", {}, "no top-level", id="name-missing"),
    pytest.param("def parse_dates():\n    pass\n", {}, "(did you mean scripts/etl/utils.py:parse_dates?)", id="name-misspelled"),
    pytest.param("def outer():\n    def parse_date():\n        pass\n", {}, "no top-level", id="nested-only"),
    pytest.param(
        "LIMIT = 3\n\ndef parse_date(text):\n    return text[:LIMIT]\n", {}, "uses LIMIT (line 1)", id="uses-module-global"
    ),
    pytest.param(
        "import helpers\n\ndef parse_date(text):\n    return helpers.clean(text)\n",
        {"folder_imports": {"helpers"}},
        "own folder",
        id="uses-script-folder-import",
    ),
    pytest.param(
        "from . import helpers\n\ndef parse_date(text):\n    return helpers.clean(text)\n", {}, "relative import", id="uses-relative-import"
    ),
    pytest.param(
        "COUNT = 0\n\ndef parse_date(text):\n    global COUNT\n    COUNT += 1\n", {}, "declares a global", id="rebinds-global"
    ),
    pytest.param("def parse_date(:\n", {}, "cannot be parsed", id="syntax-error"),
]


@pytest.mark.parametrize(("source", "options", "reason"), LEFT_ALONE)
def test_leaves_definition_in_place(source: str, options: dict, reason: str) -> None:
    result = run_move(source, None, **options)

    assert result.problem is not None
    assert reason in result.problem.reason
    assert result.source_after == source.encode()
    assert result.dest_after is None


def test_crlf_source_keeps_line_endings() -> None:
    source = "import os\r\n\r\ndef parse_date(text):\r\n    return os.sep + text\r\n\r\nX = 1\r\n"

    result = move_symbol(source.encode(), None, MOVE)

    assert result.source_after == b"import os\r\n\r\nfrom nba_simulator.etl.dates import parse_date  # moved by codemod\r\n\r\nX = 1\r\n"


REPOSITORY = {
    "codemod.toml": """\
package = "nba_simulator"

[[batch]]
name = "dates"
[batch.moves]
"scripts/etl/helpers.py" = "nba_simulator.etl.helpers"
"scripts/etl/utils.py:parse_date" = "nba_simulator.etl.dates"
"scripts/etl/utils.py:LIMITED" = "nba_simulator.etl.dates"
""",
    "scripts/etl/helpers.py": "def clean(text):\n    return text.strip()\n",
    "scripts/etl/utils.py": """\
import datetime

LIMIT = 3


def parse_date(text):
    return datetime.date.fromisoformat(text.strip())


def LIMITED():
    return LIMIT


def today_text():
    return parse_date("2024-01-02").isoformat()
""",
    "scripts/etl/job.py": """\
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from scripts.etl.utils import parse_date, today_text  # both used
from scripts.etl import utils

print(parse_date(" 2024-03-04 ").isoformat(), today_text(), utils.parse_date("2024-05-06").day)
""",
    "tests/test_job.py": """\
from unittest import mock

import scripts.etl.utils


def test_patch():
    with mock.patch("scripts.etl.utils.parse_date") as fake:
        fake.return_value = 1
""",
}


@pytest.fixture(scope="module")
def repository(tmp_path_factory):
    return make_repo(tmp_path_factory.mktemp("symbol") / "repo", REPOSITORY)


def test_plan_moves_function_and_rewrites_importers(repository):
    config = load_config(repository)
    plan = plan_batch(config, "dates", scan_target(repository, config, use_cache=False), file_reader(repository))

    after = {change.new_path: change.after.decode() for change in plan.changes}
    assert [symbol.name for symbol in plan.symbol_moves] == ["parse_date"]
    assert "def parse_date(text):" in after["nba_simulator/etl/dates.py"]
    assert "from nba_simulator.etl.dates import parse_date  # moved by codemod\n" in after["scripts/etl/utils.py"]
    assert "def LIMITED():" in after["scripts/etl/utils.py"]
    assert (
        "from scripts.etl.utils import today_text  # both used\n"
        "from nba_simulator.etl.dates import parse_date\n"
    ) in after["scripts/etl/job.py"]
    assert 'mock.patch("nba_simulator.etl.dates.parse_date")' in after["tests/test_job.py"]
    assert "nba_simulator/etl/__init__.py" in plan.new_init_files
    kept = [hazard for hazard in plan.hazards if hazard.kind == "symbol-kept"]
    assert [(hazard.file, hazard.line) for hazard in kept] == [("scripts/etl/utils.py", 10)]


def test_applied_move_runs_by_old_and_new_names(repository, tmp_path):
    result = apply_batch(repository, "dates")
    checkout = tmp_path / "checkout"
    git(repository, "worktree", "add", "--quiet", str(checkout), result.branch)

    run = subprocess.run(
        [sys.executable, "scripts/etl/job.py"], cwd=checkout, capture_output=True, text=True, check=False
    )
    same = subprocess.run(
        [
            sys.executable,
            "-W",
            "ignore",
            "-c",
            "import scripts.etl.utils as old, nba_simulator.etl.dates as new; print(old.parse_date is new.parse_date)",
        ],
        cwd=checkout,
        capture_output=True,
        text=True,
        check=False,
    )

    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["2024-03-04", "2024-01-02", "6"]
    assert same.stdout.strip() == "True", same.stderr
