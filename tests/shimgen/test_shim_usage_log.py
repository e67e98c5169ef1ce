"""The opt-in usage log of generated stubs, run in real interpreters.

The probes run on the interpreter that runs pytest. Set ``CODEMOD_SHIM_PYTHONS`` to
interpreter paths separated by os.pathsep to run them on each of those instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shimgen import ShimSpec, render_shim
from shimgen.usage_log import LOG_VARIABLE, read_usage_log, summarize_usage

OLD_PATH = "scripts/etl/scraper_config.py"
NEW_SOURCE = """\
import os
import sys

VALUE = 1

if __name__ == "__main__":
    print("MAIN", os.getpid(), flush=True)
    sys.exit(3)
"""
SIBLING_SOURCE = """\
import os
import scraper_config

print("PID", os.getpid())
"""
IMPORT_PROBE = """\
import os
import warnings

warnings.simplefilter("ignore")
import scripts.etl.scraper_config  # the import
print("PID", os.getpid())
"""


def _interpreters() -> list[str]:
    listed = os.environ.get("CODEMOD_SHIM_PYTHONS", "")
    return [path for path in listed.split(os.pathsep) if path] or [sys.executable]


def _interpreter_id(path: str) -> str:
    parts = Path(path).parts
    return parts[-3] if len(parts) >= 3 and parts[-2] == "bin" else path


@pytest.fixture(params=_interpreters(), ids=_interpreter_id)
def python(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    files = {
        "nba_simulator/__init__.py": "",
        "nba_simulator/etl/__init__.py": "",
        "nba_simulator/etl/manager.py": NEW_SOURCE,
        "scripts/etl/sibling.py": SIBLING_SOURCE,
        "probe.py": IMPORT_PROBE,
        OLD_PATH: render_shim(
            ShimSpec(
                old_path=OLD_PATH,
                old_module="scripts.etl.scraper_config",
                new_module="nba_simulator.etl.manager",
                kind="module",
                batch="etl-base",
                created="2026-12-04",
                remove_after="2027-06-30",
            )
        ),
    }
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def run(python: str, arguments: list[str], cwd: Path, log: str | None) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONWARNINGS", LOG_VARIABLE)}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    if log is not None:
        environment[LOG_VARIABLE] = log
    return subprocess.run([python, *arguments], cwd=cwd, env=environment, capture_output=True, text=True, timeout=120)


def pid_printed(stdout: str, marker: str) -> int:
    line = next(line for line in stdout.splitlines() if line.startswith(marker + " "))
    return int(line.split()[1])


def log_entries(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_import_appends_one_line(python: str, repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "uses.jsonl"

    completed = run(python, ["probe.py"], cwd=repo, log=str(log))

    assert completed.returncode == 0, completed.stderr
    entries = log_entries(log)
    assert len(entries) == 1
    entry = entries[0]
    assert entry["event"] == "import"
    assert entry["old"] == "scripts.etl.scraper_config"
    assert entry["old_path"] == OLD_PATH
    assert entry["new"] == "nba_simulator.etl.manager"
    assert Path(entry["file"]).name == "probe.py"
    assert entry["line"] == textwrap.dedent(IMPORT_PROBE).splitlines().index("import scripts.etl.scraper_config  # the import") + 1
    assert entry["argv0"] == "probe.py"
    assert entry["pid"] == pid_printed(completed.stdout, "PID")
    assert entry["time"].endswith("Z")


def test_script_run_logged_as_run(python: str, repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "uses.jsonl"

    completed = run(python, [OLD_PATH], cwd=repo, log=str(log))

    assert completed.returncode == 3, completed.stderr
    entries = log_entries(log)
    assert [entry["event"] for entry in entries] == ["run"]
    assert entries[0]["old"] == OLD_PATH
    assert entries[0]["argv0"] == OLD_PATH
    assert entries[0]["file"] == ""
    assert entries[0]["pid"] == pid_printed(completed.stdout, "MAIN")


def test_bare_sibling_import_logs_bare_name(python: str, repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "uses.jsonl"

    completed = run(python, ["scripts/etl/sibling.py"], cwd=repo, log=str(log))

    assert completed.returncode == 0, completed.stderr
    entries = log_entries(log)
    assert [entry["old"] for entry in entries] == ["scraper_config"]
    assert entries[0]["line"] == 2
    assert Path(entries[0]["file"]).name == "sibling.py"


def test_processes_append_to_same_log(python: str, repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "uses.jsonl"

    for _ in range(3):
        assert run(python, ["probe.py"], cwd=repo, log=str(log)).returncode == 0

    assert len({entry["pid"] for entry in log_entries(log)}) == 3


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("missing-folder/uses.jsonl", id="missing-folder"),
        pytest.param("a-folder", id="path-is-a-folder"),
        pytest.param("/dev/full", id="device-without-space"),
    ],
)
def test_unwritable_log_is_ignored(python: str, repo: Path, tmp_path: Path, target: str) -> None:
    (tmp_path / "a-folder").mkdir()

    imported = run(python, ["probe.py"], cwd=repo, log=str(tmp_path / target))
    ran = run(python, [OLD_PATH], cwd=repo, log=str(tmp_path / target))

    assert imported.returncode == 0, imported.stderr
    assert "Traceback" not in imported.stderr
    assert ran.returncode == 3, ran.stderr
    assert "Traceback" not in ran.stderr


def test_no_variable_writes_nothing(python: str, repo: Path, tmp_path: Path) -> None:
    completed = run(python, ["probe.py"], cwd=repo, log=None)

    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["repo"]


def test_empty_variable_writes_nothing(repo: Path, tmp_path: Path) -> None:
    completed = run(sys.executable, ["probe.py"], cwd=repo, log="")

    assert completed.returncode == 0, completed.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["repo"]


def test_log_reader_counts_events(repo: Path, tmp_path: Path) -> None:
    log = tmp_path / "uses.jsonl"
    run(sys.executable, ["probe.py"], cwd=repo, log=str(log))
    run(sys.executable, ["scripts/etl/sibling.py"], cwd=repo, log=str(log))
    run(sys.executable, [OLD_PATH], cwd=repo, log=str(log))
    with open(log, "a", encoding="utf-8") as handle:
        handle.write('{"time": "2026-12-04T00:00:00Z", "event": "imp')  # a line cut short

    events = read_usage_log(log)
    [summary] = summarize_usage(events)

    assert len(events) == 3
    assert summary.old_path == OLD_PATH
    assert summary.imports == 2
    assert summary.runs == 1
    assert summary.names == ("scraper_config", "scripts.etl.scraper_config", OLD_PATH)
    assert len(summary.importers) == 2
    assert summary.commands == ("probe.py", OLD_PATH, "scripts/etl/sibling.py")
