"""How the `codemod` command writes: colors, plain text, JSON, the summary line, exit codes, completion."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from codemods.cli import main
from codemods.exitcodes import ExitCode
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import make_repo

DOCS = Path(__file__).resolve().parents[2] / "docs"
ESCAPE = "\x1b["


def codemod(*arguments, cwd, env=None):
    return subprocess.run(
        [sys.executable, "-m", "codemods.cli", *arguments],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )


def invoke(*arguments, root):
    """Run codemod in this process (faster than a child process) with stdout and stderr apart."""
    try:
        runner = CliRunner(mix_stderr=False)  # click 8.1
    except TypeError:
        runner = CliRunner()  # click 8.2 and later keep stderr apart by default
    result = runner.invoke(main, ["--no-color", "--root", str(root), *arguments], catch_exceptions=False)
    return subprocess.CompletedProcess(arguments, result.exit_code, result.stdout, result.stderr)


def on_terminal(*arguments, cwd):
    """Run codemod with stdout on a pseudo-terminal; return what it wrote there."""
    controller, terminal = os.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "codemods.cli", *arguments],
        cwd=cwd,
        stdout=terminal,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "200", "TERM": "xterm-256color"},
    )
    os.close(terminal)
    chunks = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO once the child has exited and closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.wait(timeout=120)
    os.close(controller)
    return b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("output") / "repo")
    completed = codemod("apply", "--batch", "etl-base", cwd=root)
    assert completed.returncode == 0, completed.stderr
    return root


def test_piped_output_is_plain(legacy):
    completed = codemod("plan", "--batch", "etl-base", "--diff", cwd=legacy)

    assert completed.returncode == 0, completed.stderr
    assert ESCAPE not in completed.stdout
    assert ESCAPE not in completed.stderr


def test_terminal_diff_is_highlighted(legacy):
    written = on_terminal("plan", "--batch", "etl-base", "--diff", cwd=legacy)

    assert ESCAPE in written
    assert "nba_simulator.etl.config.manager" in written


def test_no_color_on_terminal_is_plain(legacy):
    written = on_terminal("--no-color", "plan", "--batch", "etl-base", "--diff", cwd=legacy)

    assert ESCAPE not in written
    assert "+from nba_simulator.etl.config.manager import ScraperConfig" in written


@pytest.mark.parametrize(
    "arguments, summary",
    [
        pytest.param(("inventory",), r"^\d+ Python files, \d+ import sites", id="inventory"),
        pytest.param(("plan", "--batch", "etl-base"), r"^batch etl-base: 4 files move", id="plan"),
        pytest.param(("verify", "--batch", "etl-base", "--no-entry-points"), r"^verify etl-base: \d+ passed, 0 failed", id="verify"),
        pytest.param(("check",), r"^check: ", id="check"),
        pytest.param(("status",), r"^1 batches: 1 applied$", id="status"),
    ],
)
def test_summary_line_last(legacy, arguments, summary):
    completed = invoke(*arguments, root=legacy)

    assert completed.returncode in (ExitCode.CLEAN, ExitCode.FINDINGS), completed.stderr
    assert re.match(summary, completed.stderr.strip().splitlines()[-1])


# JSON ------------------------------------------------------------------------

JSON_COMMANDS = [
    pytest.param(("inventory", "--json", "-"), "codemod inventory --json", id="inventory"),
    pytest.param(("plan", "--batch", "etl-base", "--json"), "codemod plan --json", id="plan"),
    pytest.param(("apply", "--batch", "etl-base", "--json"), "codemod apply --json", id="apply"),
    pytest.param(("verify", "--batch", "etl-base", "--no-entry-points", "--json"), "codemod verify --json", id="verify"),
    pytest.param(("status", "--json"), "codemod status --json", id="status"),
    pytest.param(("check", "--json"), "codemod check --json", id="check"),
    pytest.param(("shims", "--batch", "etl-base", "--json"), "codemod shims --json", id="shims"),
]


def documented_section(heading: str) -> str:
    text = (DOCS / "json.md").read_text()
    start = text.index(f"## `{heading}`")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize("arguments, heading", JSON_COMMANDS)
def test_json_keys_documented(legacy, arguments, heading):
    completed = invoke(*arguments, root=legacy)

    data = json.loads(completed.stdout)
    record = data[0] if isinstance(data, list) else data
    section = documented_section(heading)
    undocumented = [key for key in record if f"`{key}`" not in section]
    assert undocumented == []


def test_verify_json_fields(legacy):
    completed = invoke("verify", "--batch", "etl-base", "--no-entry-points", "--json", root=legacy)

    data = json.loads(completed.stdout)
    assert data["ok"] is True
    assert data["counts"]["failed"] == 0
    assert {check["kind"] for check in data["checks"]} >= {"static", "cycle", "stdlib-shadow", "identity"}
    assert set(data["checks"][0]) == {"kind", "subject", "status", "detail"}


def test_every_reporting_command_has_json():
    reporting = {"inventory", "plan", "apply", "verify", "status", "check", "shims", "prune"}

    without = [name for name in sorted(reporting) if "--json" not in _option_names(main.commands[name])]

    assert without == []


def _option_names(command):
    return {name for parameter in command.params for name in getattr(parameter, "opts", [])}


# Exit codes ------------------------------------------------------------------


@pytest.mark.parametrize(
    "arguments, code, message",
    [
        pytest.param(("plan", "--batch", "nope"), ExitCode.USAGE, "no batch named 'nope'", id="unknown-batch"),
        pytest.param(("verify",), ExitCode.USAGE, "'--batch'", id="missing-option"),
        pytest.param(("verify", "--batch", "etl-base", "--bogus"), ExitCode.USAGE, "--bogus", id="unknown-option"),
        pytest.param(
            ("verify", "--batch", "etl-base", "--tests", "make test"), ExitCode.USAGE, "put {junit} where", id="tests-without-junit"
        ),
    ],
)
def test_exit_codes(legacy, arguments, code, message):
    completed = invoke(*arguments, root=legacy)

    assert completed.returncode == code
    assert message in completed.stderr
    assert "Traceback" not in completed.stderr


def test_missing_configuration_is_usage_error(tmp_path):
    root = make_repo(tmp_path / "repo", {"a.py": "X = 1\n"})

    completed = invoke("plan", "--batch", "any", root=root)

    assert completed.returncode == ExitCode.USAGE
    assert "no configuration found" in completed.stderr


def test_not_a_git_repository_is_failure(tmp_path):
    root = tmp_path / "plain"
    root.mkdir()
    (root / "codemod.toml").write_text('package = "app"\n\n[[batch]]\nname = "b"\n[batch.moves]\n"a.py" = "app.a"\n')
    (root / "a.py").write_text("X = 1\n")

    completed = codemod("--no-color", "apply", "--batch", "b", cwd=root)

    assert completed.returncode == ExitCode.FAILURE
    assert "not a git repository" in completed.stderr


def test_unexpected_error_is_internal_error(tmp_path, monkeypatch):
    import codemods.status

    def broken(*arguments, **keywords):
        raise RuntimeError("boom")

    monkeypatch.setattr(codemods.status, "batch_statuses", broken)

    result = CliRunner().invoke(main, ["--no-color", "--root", str(tmp_path), "status"])

    assert result.exit_code == ExitCode.INTERNAL_ERROR
    assert "unexpected RuntimeError: boom; this is a bug in codemod" in result.output


def test_invalid_manifest_is_failure(tmp_path, monkeypatch):
    import codemods.status
    from shimgen.manifest import ManifestError

    def broken(*arguments, **keywords):
        raise ManifestError(".codemod/shims/etl.json: invalid JSON (line 1); fix the file or restore it from git")

    monkeypatch.setattr(codemods.status, "batch_statuses", broken)

    result = CliRunner().invoke(main, ["--no-color", "--root", str(tmp_path), "status"])

    assert result.exit_code == ExitCode.FAILURE
    assert ".codemod/shims/etl.json: invalid JSON" in result.output
    assert "bug in codemod" not in result.output


def test_exit_codes_documented():
    text = (DOCS / "cli.md").read_text()

    rows = dict(re.findall(r"^\| (\d+) \| `([A-Z_]+)` \|", text, flags=re.MULTILINE))

    assert rows == {str(int(code)): code.name for code in ExitCode}


# Completion and version ------------------------------------------------------


@pytest.mark.parametrize(
    "shell, marker",
    [
        pytest.param("bash", "complete -o nosort -F _codemod_completion codemod", id="bash"),
        pytest.param("zsh", "compdef _codemod_completion codemod", id="zsh"),
        pytest.param("fish", "complete --no-files --command codemod", id="fish"),
    ],
)
def test_completion_script_printed(tmp_path, shell, marker):
    completed = codemod(cwd=tmp_path, env={"_CODEMOD_COMPLETE": f"{shell}_source"})

    assert completed.returncode == 0, completed.stderr
    assert marker in completed.stdout


def test_completion_lists_commands(tmp_path):
    completed = codemod(cwd=tmp_path, env={"_CODEMOD_COMPLETE": "bash_complete", "COMP_WORDS": "codemod ch", "COMP_CWORD": "1"})

    assert completed.stdout.split() == ["plain,check"]
