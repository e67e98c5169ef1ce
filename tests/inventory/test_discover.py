from __future__ import annotations

import os
import subprocess

import pytest

from inventory.discover import compile_globs, discover_files

FILES = {
    "scripts/etl/job.py": "",
    "scripts/etl/run.sh": "",
    "docs/conf.py": "",
    "archive/old/legacy.py": "",
    "README.md": "",
}


def git(root, *arguments):
    subprocess.run(["git", *arguments], cwd=root, check=True, capture_output=True)


def test_walk_without_git(write_repo):
    root = write_repo({
        **FILES,
        "venv/lib/site.py": "",
        "custom_env/pyvenv.cfg": "",
        "custom_env/lib/mod.py": "",
        "scripts/__pycache__/job.cpython-311.py": "",
        "node_modules/x/y.py": "",
        "build/lib/z.py": "",
        "pkg.egg-info/top.py": "",
        ".codemod/cache.py": "",
    })  # fmt: skip

    discovery = discover_files(root)

    assert discovery.source == "walk"
    assert discovery.python_files == ("archive/old/legacy.py", "docs/conf.py", "scripts/etl/job.py")
    assert discovery.other_files == ("README.md", "scripts/etl/run.sh")


def test_git_lists_tracked_and_untracked_not_ignored(write_repo):
    root = write_repo({
        **FILES,
        ".gitignore": "ignored/\n",
        "ignored/secret.py": "",
        "venv/lib/site.py": "",
        "tools_env/pyvenv.cfg": "",
        "tools_env/lib/mod.py": "",
    })  # fmt: skip
    git(root, "init", "-q")
    git(root, "add", "scripts/etl/job.py")

    discovery = discover_files(root)

    assert discovery.source == "git"
    assert "scripts/etl/job.py" in discovery.python_files
    assert "docs/conf.py" in discovery.python_files
    assert "ignored/secret.py" not in discovery.python_files
    assert "venv/lib/site.py" not in discovery.python_files
    assert "tools_env/lib/mod.py" not in discovery.python_files


def test_git_skips_file_deleted_from_work_tree(write_repo):
    root = write_repo(FILES)
    git(root, "init", "-q")
    git(root, "add", "-A")
    (root / "docs/conf.py").unlink()

    discovery = discover_files(root)

    assert "docs/conf.py" not in discovery.python_files


@pytest.mark.parametrize("use_git", [False, True], ids=["walk", "git"])
def test_exclude_globs(write_repo, use_git):
    root = write_repo(FILES)
    if use_git:
        git(root, "init", "-q")

    discovery = discover_files(root, exclude=["docs/**", "archive/**", "*.sh"])

    assert discovery.python_files == ("scripts/etl/job.py",)
    assert discovery.other_files == ("README.md",)


@pytest.mark.parametrize(
    "pattern, path, excluded",
    [
        ("docs/**", "docs/a/b.py", True),
        ("docs/**", "scripts/docs/b.py", False),
        ("**/fixtures/*.py", "tests/unit/fixtures/x.py", True),
        ("**/fixtures/*.py", "fixtures/x.py", True),
        ("scripts/*.py", "scripts/etl/x.py", False),
        ("scripts/*.py", "scripts/x.py", True),
        ("archive", "archive/old/x.py", True),
        ("*_old.py", "scripts/etl/loader_old.py", True),
        ("scripts/etl/job?.py", "scripts/etl/job1.py", True),
        ("scripts/[ab]*.py", "scripts/c.py", False),
    ],
)
def test_compile_globs(pattern, path, excluded):
    compiled = compile_globs([pattern])

    assert (compiled.fullmatch(path) is not None) is excluded


def test_symlinked_folder_outside_root_is_skipped(write_repo, tmp_path):
    root = write_repo(FILES)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "foreign.py").write_text("")
    os.symlink(outside, root / "linked_outside")
    os.symlink(root / "scripts" / "etl", root / "linked_inside")

    discovery = discover_files(root)

    assert "linked_outside/foreign.py" not in discovery.python_files
    assert "linked_inside/job.py" in discovery.python_files
