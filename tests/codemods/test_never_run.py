"""`never-run` keeps verify from starting scripts, matched as globs and checked against the repository."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codemods.apply import apply_batch
from codemods.config import load_config, never_run_matches
from codemods.errors import ConfigError
from codemods.verify import verify_batch
from tests.conftest import git, make_repo

AGENTS = ("espn", "nba", "odds")

# Each agent's main block stands for one that reaches the network: it records that it started.
AGENT = """\
import os
import pathlib

NAME = {name!r}

if __name__ == "__main__":
    folder = os.environ.get("AGENT_MARKERS")
    if folder:
        with open(pathlib.Path(folder) / NAME, "a") as marker:
            marker.write("started\\n")
"""

CONFIG = """\
package = "pkg"
{top}
[[batch]]
name = "agents"
entry-point-args = []
{batch}
[batch.moves]
"scripts/etl/*_agent.py" = "pkg.agents.{{stem}}"
"""

FILES = {
    "codemod.toml": CONFIG.format(top="", batch=""),
    "scripts/etl/helper.py": "VALUE = 1\n",
    **{f"scripts/etl/{name}_agent.py": AGENT.format(name=name) for name in AGENTS},
}


@pytest.fixture(scope="module")
def applied(tmp_path_factory):
    root = make_repo(tmp_path_factory.mktemp("never-run") / "repo", FILES)
    apply_batch(root, "agents")
    return root


@pytest.fixture
def markers(tmp_path, monkeypatch):
    folder = tmp_path / "markers"
    folder.mkdir()
    monkeypatch.setenv("AGENT_MARKERS", str(folder))
    return folder


@pytest.fixture
def configure(applied):
    """Write a codemod.toml with the given never-run lines into the working tree; restore it afterwards."""

    def write(top: str = "", batch: str = "") -> None:
        (applied / "codemod.toml").write_text(CONFIG.format(top=top, batch=batch), encoding="utf-8")

    yield write
    git(applied, "checkout", "--quiet", "--", "codemod.toml")


def entry_points(report):
    return {check.subject: check.status for check in report.checks if check.kind == "entry-point"}


MATCHES = [
    pytest.param("scripts/etl/espn_agent.py", "scripts/etl/espn_agent.py", True, id="exact-path"),
    pytest.param("scripts/etl/*_agent.py", "scripts/etl/espn_agent.py", True, id="glob-in-folder"),
    pytest.param("scripts/*/*_agent.py", "scripts/etl/espn_agent.py", True, id="glob-over-folder-name"),
    pytest.param("*_agent.py", "scripts/etl/espn_agent.py", True, id="name-glob-at-any-depth"),
    pytest.param("scripts/**", "scripts/etl/espn_agent.py", True, id="double-star"),
    pytest.param("scripts/etl/*_agent.py", "scripts/etl/helper.py", False, id="glob-skips-other-names"),
    pytest.param("scripts/etl/espn_agent.py", "scripts/etl/nba_agent.py", False, id="exact-path-skips-siblings"),
    pytest.param("etl/*_agent.py", "scripts/etl/espn_agent.py", True, id="relative-tail-glob"),
]


@pytest.mark.parametrize("pattern, path, expected", MATCHES)
def test_never_run_matching(pattern, path, expected):
    assert never_run_matches((pattern,), path) is expected


STARTS = [
    pytest.param("", 'never-run = ["scripts/etl/*_agent.py"]', set(), id="batch-glob-starts-none"),
    pytest.param('never-run = ["scripts/etl/*_agent.py"]', "", set(), id="top-level-glob-starts-none"),
    pytest.param("", 'never-run = ["scripts/etl/espn_agent.py"]', {"nba", "odds"}, id="exact-path-still-works"),
    pytest.param("", 'never-run = ["pkg/agents/odds_agent.py"]', {"espn", "nba"}, id="new-path-counts-too"),
    pytest.param("", "", set(AGENTS), id="empty-list-starts-all"),
]


@pytest.mark.parametrize("top, batch, started", STARTS)
def test_verify_starts_only_allowed_agents(applied, configure, markers, top, batch, started):
    configure(top=top, batch=batch)

    report = verify_batch(applied, "agents")

    assert {path.name for path in markers.iterdir()} == started
    statuses = entry_points(report)
    for name in AGENTS:
        expected = "passed" if name in started else "skipped"
        assert statuses[f"scripts/etl/{name}_agent.py"] == expected, statuses


UNMATCHED = [
    pytest.param(
        "",
        'never-run = ["scripts/etl/espn_agnet.py"]',
        r"batch 'agents' never-run entry 'scripts/etl/espn_agnet.py' matches no Python file .*"
        r"the closest path is 'scripts/etl/espn_agent.py'. Correct the entry or remove it.$",
        id="misspelled-path-names-near-match",
    ),
    pytest.param(
        'never-run = ["scripts/etl/espn_agnet.py"]',
        "",
        r"top-level never-run entry 'scripts/etl/espn_agnet.py' matches no Python file",
        id="top-level-entry-named-as-top-level",
    ),
    pytest.param(
        "",
        'never-run = ["jobs/*_loader.py"]',
        r"never-run entry 'jobs/\*_loader.py' matches no Python file of the repository .*; correct the entry or remove it",
        id="glob-matching-nothing",
    ),
]


@pytest.mark.parametrize("top, batch, message", UNMATCHED)
def test_unmatched_entry_rejected_before_any_run(applied, configure, markers, top, batch, message):
    configure(top=top, batch=batch)

    with pytest.raises(ConfigError, match=message) as caught:
        verify_batch(applied, "agents")

    assert str(caught.value).startswith(str(applied / "codemod.toml"))
    assert list(markers.iterdir()) == []


def test_cli_rejects_unmatched_entry(applied, configure, markers):
    configure(batch='never-run = ["scripts/etl/*_agnet.py"]')

    completed = subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", "verify", "--batch", "agents"],
        cwd=applied,
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 2, completed.stderr
    assert "codemod.toml: batch 'agents' never-run entry 'scripts/etl/*_agnet.py' matches no Python file" in completed.stderr
    assert list(markers.iterdir()) == []


INVALID_ENTRIES = [
    pytest.param('never-run = ["/srv/jobs/x.py"]', "absolute", id="absolute-path"),
    pytest.param('never-run = ["../other/x.py"]', "leaves the repository", id="parent-folder"),
    pytest.param('never-run = [""]', "is empty", id="empty-entry"),
    pytest.param("never-run = [3]", "must be a list of strings", id="not-a-string"),
]


@pytest.mark.parametrize("line, message", INVALID_ENTRIES)
def test_invalid_entry_rejected_on_load(tmp_path, line, message):
    (tmp_path / "codemod.toml").write_text(CONFIG.format(top="", batch=line), encoding="utf-8")

    with pytest.raises(ConfigError, match=message) as caught:
        load_config(tmp_path)

    assert "codemod.toml" in str(caught.value)
    assert "never-run" in str(caught.value)


def test_dot_slash_entry_normalised(tmp_path):
    text = CONFIG.format(top='never-run = ["./scripts/etl/nba_agent.py"]', batch='never-run = ["scripts\\\\etl\\\\*_agent.py"]')
    (tmp_path / "codemod.toml").write_text(text, encoding="utf-8")

    config = load_config(tmp_path)

    assert config.never_run == ("scripts/etl/nba_agent.py",)
    assert config.batch("agents").never_run == ("scripts/etl/*_agent.py", "scripts/etl/nba_agent.py")
