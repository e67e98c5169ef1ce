"""The two commits of a batch: messages, the user's identity, and the target's hooks."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from codemods.apply import apply_batch
from codemods.errors import GitError
from tests.conftest import git, make_repo, snapshot

FILES = {
    "codemod.toml": 'package = "pkg"\n[[batch]]\nname = "b"\n[batch.moves]\n"scripts/util.py" = "pkg.util"\n"scripts/more.py" = "pkg.more"\n',
    "scripts/util.py": "def helper():\n    return 1\n",
    "scripts/more.py": "VALUE = 2\n",
    "scripts/user.py": "from scripts.util import helper\nimport scripts.more\n",
}

HOOK_ENV_KEYS = ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL")


def codemod(root, *arguments, env=None):
    return subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", *arguments], cwd=root, capture_output=True, text=True, env=env
    )


def write_hook(folder, name, body):
    folder.mkdir(parents=True, exist_ok=True)
    hook = folder / name
    hook.write_text("#!/bin/sh\n" + body)
    hook.chmod(hook.stat().st_mode | stat.S_IEXEC)
    return hook


def nothing_changed(root, before_files, before_refs):
    assert snapshot(root) == before_files
    assert git(root, "for-each-ref", "--format=%(refname) %(objectname)") == before_refs
    assert len(git(root, "worktree", "list").splitlines()) == 1
    assert not [path for path in (root / ".git").glob("codemod*") if path.is_file() and path.name != "codemod.lock"]
    assert not list((root / ".git").glob("codemod-runs/*"))


@pytest.fixture
def repo(tmp_path):
    return make_repo(tmp_path / "repo", FILES)


def test_messages_list_moves_and_counts(repo):
    result = apply_batch(repo, "b")

    renames = git(repo, "log", "-1", "--format=%B", result.rename_commit)
    rewrites = git(repo, "log", "-1", "--format=%B", result.rewrite_commit)
    assert renames.startswith("Move b: 2 modules into pkg\n\n")
    assert "  scripts/more.py -> pkg/more.py\n  scripts/util.py -> pkg/util.py\n" in renames
    assert rewrites.startswith("Rewrite imports and add shims for b\n\n")
    assert "Import sites rewritten: 2\n" in rewrites
    assert "Shims at old paths: 2" in rewrites
    for message in (renames, rewrites):
        assert "Generated-by: codemod\nCodemod-Batch: b" in message


def test_identity_from_git_config(repo):
    git(repo, "config", "user.name", "Ada Reviewer")
    git(repo, "config", "user.email", "ada@example.invalid")
    env = {key: value for key, value in os.environ.items() if key not in HOOK_ENV_KEYS}

    completed = codemod(repo, "apply", "--batch", "b", env=env)

    assert completed.returncode == 0, completed.stderr
    people = git(repo, "log", "--format=%an <%ae>|%cn <%ce>", "main..codemod/b").splitlines()
    assert people == ["Ada Reviewer <ada@example.invalid>|Ada Reviewer <ada@example.invalid>"] * 2


def test_hooks_run_for_each_commit(repo, tmp_path):
    log = tmp_path / "hook.log"
    write_hook(repo / ".git" / "hooks", "pre-commit", f'echo "pre-commit in $(pwd)" >> "{log}"\n')
    write_hook(repo / ".git" / "hooks", "commit-msg", f'head -n 1 "$1" >> "{log}"\n')

    apply_batch(repo, "b")

    lines = log.read_text().splitlines()
    assert len(lines) == 4
    assert lines[1] == "Move b: 2 modules into pkg"
    assert lines[3] == "Rewrite imports and add shims for b"
    assert "codemod-worktree-" in lines[0]


@pytest.mark.parametrize("where", [pytest.param("git-hooks", id="dot-git-hooks"), pytest.param("hooks-path", id="core-hookspath")])
def test_failing_hook_aborts_cleanly(repo, tmp_path, where):
    body = 'echo "lint: trailing whitespace in $(git diff --cached --name-only | head -n 1)"\nexit 1\n'
    if where == "git-hooks":
        write_hook(repo / ".git" / "hooks", "pre-commit", body)
    else:
        write_hook(tmp_path / "shared-hooks", "pre-commit", body)
        git(repo, "config", "core.hooksPath", str(tmp_path / "shared-hooks"))
    before_files = snapshot(repo)
    before_refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")

    with pytest.raises(GitError, match=r"git commit failed \(a hook may have rejected it\):\nlint: trailing whitespace in pkg/more.py"):
        apply_batch(repo, "b")

    nothing_changed(repo, before_files, before_refs)


def test_failing_hook_on_second_commit(repo, tmp_path):
    counter = tmp_path / "count"
    write_hook(
        repo / ".git" / "hooks",
        "pre-commit",
        f'if [ -f "{counter}" ]; then echo "second commit rejected"; exit 1; fi\ntouch "{counter}"\n',
    )
    before_files = snapshot(repo)
    before_refs = git(repo, "for-each-ref", "--format=%(refname) %(objectname)")

    completed = codemod(repo, "apply", "--batch", "b")

    assert completed.returncode == 4
    assert "second commit rejected" in completed.stderr
    assert "Traceback" not in completed.stderr
    nothing_changed(repo, before_files, before_refs)
    (repo / ".git" / "hooks" / "pre-commit").unlink()
    assert apply_batch(repo, "b").rewrite_commit == git(repo, "rev-parse", "codemod/b").strip()
