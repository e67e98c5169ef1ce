"""`codemod check PATHS`: paths are relative to the current folder, and bad paths are errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.check import CheckPathError, check_shim_uses
from codemods.exitcodes import ExitCode
from shimgen.manifest import ShimRecord, manifest_path, save_manifest
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import codemod, git, make_repo

# One import of each of the four shims of the legacy batch etl-base, from the repository root.
NEW_JOB = """\
import scripts.etl.scraper_config
import scripts.etl.scraper_telemetry
from scripts.etl.adaptive_rate_limiter import AdaptiveRateLimiter
from scripts.etl import async_scraper_base
"""
NEW_JOB_SHIMS = [
    "scripts/etl/scraper_config.py",
    "scripts/etl/scraper_telemetry.py",
    "scripts/etl/adaptive_rate_limiter.py",
    "scripts/etl/async_scraper_base.py",
]
NIGHTLY = "#!/usr/bin/env python3\nimport scripts.etl.scraper_config\n"


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    """The legacy repository after merging etl-base, with new uncommitted scripts that use the shims."""
    root = make_legacy_repo(tmp_path_factory.mktemp("check-paths") / "repo")
    apply_batch(root, "etl-base")
    git(root, "merge", "--quiet", "--ff-only", "codemod/etl-base")
    (root / "scripts/etl/new_job.py").write_text(NEW_JOB)
    (root / "scripts/etl/nightly").write_text(NIGHTLY)
    (root / "notes.txt").write_text("scraper_config\n")
    (root.parent / "outside.py").write_text("import scripts.etl.scraper_config\n")
    return root


@pytest.mark.parametrize(
    "folder, arguments, found",
    [
        pytest.param("scripts/etl", ["check", "new_job.py"], 4, id="relative-to-subfolder"),
        pytest.param(".", ["check", "scripts/etl/new_job.py"], 4, id="relative-to-root-as-pre-commit-runs"),
        pytest.param("scripts/shell", ["check", "../etl/new_job.py"], 4, id="parent-folder-relative"),
        pytest.param("scripts/etl", ["check", "{root}/scripts/etl/new_job.py"], 4, id="absolute-path"),
        pytest.param("..", ["--root", "repo", "check", "repo/scripts/etl/new_job.py"], 4, id="relative-to-cwd-not-to-root-option"),
        pytest.param("scripts/etl", ["check", "nightly"], 1, id="python-shebang-without-suffix"),
        pytest.param("scripts/etl", ["check", "new_job.py", "./new_job.py"], 4, id="same-file-twice-counted-once"),
    ],
)
def test_paths_relative_to_current_folder(merged, folder, arguments, found):
    arguments = [argument.format(root=merged) for argument in arguments]

    completed = codemod(*arguments, cwd=merged / folder)

    assert completed.returncode == ExitCode.FINDINGS, completed.stdout + completed.stderr
    lines = completed.stdout.splitlines()
    assert len(lines) == found, completed.stdout
    assert all(line.startswith(("scripts/etl/new_job.py:", "scripts/etl/nightly:")) for line in lines)
    assert f"check: {found} place(s) in 1 file(s) reach shimmed names (1 files scanned)" in completed.stderr


def test_every_shim_named_from_subfolder(merged):
    completed = codemod("check", "new_job.py", cwd=merged / "scripts/etl")

    shims = [line.split(" reaches the shim ")[1].split(";")[0] for line in completed.stdout.splitlines()]
    assert shims == NEW_JOB_SHIMS


@pytest.mark.parametrize(
    "folder, path, expected",
    [
        pytest.param("scripts/etl", "scripts/etl/new_job.py", "scripts/etl/new_job.py: file not found", id="root-relative-from-subfolder"),
        pytest.param(".", "scripts/etl/new_jbo.py", "scripts/etl/new_jbo.py: file not found", id="misspelled-name"),
        pytest.param(".", "../outside.py", "../outside.py: outside the repository", id="relative-path-outside"),
        pytest.param(".", "{root}/../outside.py", "/outside.py: outside the repository", id="absolute-path-outside"),
    ],
)
def test_invalid_path_is_usage_error(merged, folder, path, expected):
    completed = codemod("check", path.format(root=merged), cwd=merged / folder)

    assert completed.returncode == ExitCode.USAGE, completed.stdout + completed.stderr
    assert completed.stdout == ""
    assert expected in completed.stderr
    assert "relative to the current folder" in completed.stderr


def test_folder_is_usage_error(merged):
    completed = codemod("check", "scripts", cwd=merged)

    assert completed.returncode == ExitCode.USAGE
    assert "'scripts' is a directory" in completed.stderr


def test_non_python_file_skipped_with_note(merged):
    completed = codemod("check", "notes.txt", "scripts/etl/espn_scraper.py", cwd=merged)

    assert completed.returncode == ExitCode.CLEAN, completed.stdout + completed.stderr
    assert "notes.txt: not a Python file (no .py suffix and no python shebang); skipped" in completed.stderr
    assert completed.stderr.strip().splitlines()[-1] == "check: 1 files scanned, none reaches one of the 4 shims"


def test_json_output_notes_skipped_path(merged):
    completed = codemod("check", "--json", "notes.txt", "scripts/etl/new_job.py", cwd=merged)

    data = json.loads(completed.stdout)
    assert completed.returncode == ExitCode.FINDINGS
    assert (data["files"], len(data["uses"])) == (1, 4)
    assert "notes.txt: not a Python file" in completed.stderr


def test_no_manifest_still_rejects_missing_path(tmp_path):
    root = make_repo(tmp_path / "repo", {"a.py": ""})

    completed = codemod("check", "b.py", cwd=root)

    assert completed.returncode == ExitCode.USAGE
    assert "b.py: file not found" in completed.stderr


# The Python API -------------------------------------------------------------------------------


def small_repo(root: Path, files: dict[str, str]) -> Path:
    make_repo(root, {"scripts/etl/old.py": "X = 1\n", "app/__init__.py": "", "app/new.py": "", **files})
    record = ShimRecord("scripts/etl/old.py", "scripts.etl.old", "app.new", "module", "etl", "2026-01-01", "2026-07-01", "0" * 16)
    save_manifest(root / manifest_path(record.batch), [record])
    return root


def test_cwd_argument_sets_relative_base(tmp_path):
    root = small_repo(tmp_path / "repo", {"scripts/etl/job.py": "import old\n"})

    result = check_shim_uses(root, ["job.py"], cwd=root / "scripts/etl")

    assert [(use.file, use.old_name) for use in result.uses] == [("scripts/etl/job.py", "import old")]


def test_every_invalid_path_in_one_error(tmp_path):
    root = small_repo(tmp_path / "repo", {"a.py": ""})
    (tmp_path / "elsewhere.py").write_text("")

    with pytest.raises(CheckPathError) as raised:
        check_shim_uses(root, ["a.py", "missing.py", str(tmp_path / "elsewhere.py")], cwd=root)

    message = str(raised.value)
    assert "missing.py: file not found" in message
    assert f"{tmp_path / 'elsewhere.py'}: outside the repository {root}" in message
    assert "a.py:" not in message
    assert raised.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    "path, text, reason",
    [
        pytest.param("README.md", "# notes\n", "not a Python file (no .py suffix and no python shebang)", id="markdown"),
        pytest.param("run.sh", "#!/usr/bin/env python3\nimport old\n", "not a Python file (no .py suffix and no python shebang)", id="other-suffix-with-python-shebang"),
        pytest.param("bin/tool", "#!/bin/sh\necho hi\n", "not a Python file (no .py suffix and no python shebang)", id="shell-shebang"),
        pytest.param("archive/a.py", "import scripts.etl.old\n", "excluded by `exclude` in codemod.toml", id="excluded-by-configuration"),
    ],
)
def test_skipped_path_has_reason(tmp_path, path, text, reason):
    root = small_repo(tmp_path / "repo", {"codemod.toml": 'package = "app"\nexclude = ["archive/**"]\n', path: text})

    result = check_shim_uses(root, [path], cwd=root)

    assert result.files == 0
    assert result.uses == ()
    assert [(item.path, item.reason) for item in result.skipped] == [(path, reason)]


def test_symlinked_repository_path_inside(tmp_path):
    root = small_repo(tmp_path / "repo", {"a.py": "import scripts.etl.old\n"})
    (tmp_path / "link").symlink_to(root)

    result = check_shim_uses(root, [str(tmp_path / "link" / "a.py")], cwd=tmp_path)

    assert [use.file for use in result.uses] == ["a.py"]
