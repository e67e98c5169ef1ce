"""verify's identity checks: warnings hidden by the imported code, and every name an old file is imported under."""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.verify import verify_batch
from codemods.verify_identity import search_folder
from tests.conftest import git, make_repo

# The stub warns after it has imported the new module, so filters that the new module sets at import
# time apply to the stub's own warning.
QUIET_CONFIG = """\
package = "app"

[[batch]]
name = "quiet"
entry-point-args = []
[batch.moves]
"scripts/ml/prepare_features.py" = "app.ml.prepare_features"
"scripts/ml/no_deprecations.py" = "app.ml.no_deprecations"
"scripts/ml/no_deprecated_text.py" = "app.ml.no_deprecated_text"
"scripts/ml/plain.py" = "app.ml.plain"
"scripts/ml/warns_zero.py" = "app.ml.warns_zero"
"scripts/ml/warns_twice.py" = "app.ml.warns_twice"
"""

IGNORE_ALL = 'import warnings\n\nwarnings.filterwarnings("ignore")\nX = 1\n'

QUIET_FILES = {
    "codemod.toml": QUIET_CONFIG,
    "scripts/ml/prepare_features.py": IGNORE_ALL,
    "scripts/ml/no_deprecations.py": 'import warnings\n\nwarnings.simplefilter("ignore", DeprecationWarning)\nX = 1\n',
    "scripts/ml/no_deprecated_text.py": 'import warnings\n\nwarnings.filterwarnings("ignore", message=".*is deprecated")\nX = 1\n',
    "scripts/ml/plain.py": "X = 1\n",
    "scripts/ml/warns_zero.py": IGNORE_ALL,
    "scripts/ml/warns_twice.py": IGNORE_ALL,
}

STUB_WARNING_CALL = "importer = _warn_importer("
STUB_LOG_CALL = '    _log_use("import", __name__, importer)\n'


def edit_branch(root: Path, branch: str, edits: dict[str, tuple[str, str]], folder: Path) -> None:
    """Replace text in files of ``branch`` and commit it there, as a person editing the stubs by hand would."""
    git(root, "worktree", "add", "--quiet", str(folder), branch)
    for path, (old, new) in edits.items():
        text = (folder / path).read_text()
        assert old in text, path
        (folder / path).write_text(text.replace(old, new, 1))
    git(folder, "commit", "--quiet", "-am", "Edit stubs by hand")
    git(root, "worktree", "remove", "--force", str(folder))


def identities(report) -> dict[str, object]:
    return {check.subject: check for check in report.checks if check.kind == "identity"}


@pytest.fixture(scope="module")
def quiet_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quiet")
    root = make_repo(folder / "repo", QUIET_FILES)
    apply_batch(root, "quiet")
    edits = {
        "scripts/ml/warns_zero.py": (STUB_WARNING_CALL, "importer = (lambda message: None)("),
        "scripts/ml/warns_twice.py": (
            STUB_LOG_CALL,
            '    _warn_importer(f"{__name__} is deprecated; import {_NEW_MODULE} instead")\n' + STUB_LOG_CALL,
        ),
    }
    edit_branch(root, "codemod/quiet", edits, folder / "edit")
    return verify_batch(root, "quiet", run_entry_points=False)


@pytest.mark.parametrize(
    "module, status, detail",
    [
        pytest.param("prepare_features", "passed", "scripts.ml.prepare_features is deprecated", id="ignore-all-filter-counted"),
        pytest.param("no_deprecations", "passed", "scripts.ml.no_deprecations is deprecated", id="ignore-deprecations-counted"),
        pytest.param("no_deprecated_text", "passed", "scripts.ml.no_deprecated_text is deprecated", id="message-filter-counted"),
        pytest.param("plain", "passed", "scripts.ml.plain is deprecated", id="no-filter-counted"),
        pytest.param("warns_zero", "failed", "expected one DeprecationWarning, got 0", id="hidden-stub-warning-zero-times"),
        pytest.param("warns_twice", "failed", "expected one DeprecationWarning, got 2", id="hidden-stub-warning-twice"),
    ],
)
def test_warning_counted_despite_filters(quiet_report, module, status, detail):
    check = identities(quiet_report)[f"scripts.ml.{module} -> app.ml.{module}"]

    assert check.status == status, check
    assert check.detail.startswith(detail), check


@pytest.mark.parametrize(
    "module",
    [
        # The stub warns before it imports the new module, so filters that module sets come too late.
        pytest.param("prepare_features", id="ignore-all-set-after-the-warning"),
        pytest.param("no_deprecated_text", id="message-filter-set-after-the-warning"),
        pytest.param("plain", id="no-filter"),
    ],
)
def test_warning_not_hidden_by_module_filters(quiet_report, module):
    check = identities(quiet_report)[f"scripts.ml.{module} -> app.ml.{module}"]

    assert "the warning filters that the imported code sets hide this warning" not in check.detail


def test_quiet_batch_fails_only_broken_stubs(quiet_report):
    failed = sorted(check.subject for check in quiet_report.failed)

    assert failed == ["scripts.ml.warns_twice -> app.ml.warns_twice", "scripts.ml.warns_zero -> app.ml.warns_zero"]


# Every name the old file is imported under ---------------------------------------------

NAMES_CONFIG = """\
package = "app"

[[batch]]
name = "snapshot"
entry-point-args = []
[batch.moves]
"scripts/pbp_to_boxscore/box_score_snapshot.py" = "app.pbp.snapshot"
"scripts/pbp_to_boxscore/bare_broken.py" = "app.pbp.bare_broken"
"scripts/pbp_to_boxscore/needs_missing.py" = "app.pbp.needs_missing"
"scripts/monitoring/dims/" = "app.monitoring.dims"
"""

NAMES_FILES = {
    "codemod.toml": NAMES_CONFIG,
    "scripts/pbp_to_boxscore/box_score_snapshot.py": "VALUE = 2\n",
    "scripts/pbp_to_boxscore/bare_broken.py": "VALUE = 3\n",
    "scripts/pbp_to_boxscore/needs_missing.py": "import codemod_test_missing_package\n",
    "scripts/pbp_to_boxscore/run_snapshot.py": (
        "from box_score_snapshot import VALUE\nimport bare_broken\nimport needs_missing\n\nprint(VALUE)\n"
    ),
    "jobs/nightly.py": (
        "import sys\nfrom pathlib import Path\n\n"
        'sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))\n'
        "import pbp_to_boxscore.box_score_snapshot  # noqa: E402\n"
    ),
    "scripts/monitoring/dims/__init__.py": "",
    "scripts/monitoring/dims/helpers.py": "def scale(value):\n    return value * 10\n",
    "scripts/monitoring/report.py": "import dims\nfrom dims import helpers\n\nprint(helpers.scale(2))\n",
}

SCRIPT_FOLDER = "imported with scripts/pbp_to_boxscore/ first on sys.path, as a script-folder import"


@pytest.fixture(scope="module")
def names_report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("names")
    root = make_repo(folder / "repo", NAMES_FILES)
    apply_batch(root, "snapshot")
    # Break only the bare name: the stub works under its dotted name and fails when imported as bare_broken.
    breaking = 'if "." not in __name__:\n    raise ImportError("this stub serves dotted names only")\n'
    edit_branch(root, "codemod/snapshot", {"scripts/pbp_to_boxscore/bare_broken.py": ("import sys as _sys\n", "import sys as _sys\n" + breaking)}, folder / "edit")
    return verify_batch(root, "snapshot", run_entry_points=False)


@pytest.mark.parametrize(
    "subject, status, detail",
    [
        pytest.param(
            "scripts.pbp_to_boxscore.box_score_snapshot -> app.pbp.snapshot",
            "passed",
            "scripts.pbp_to_boxscore.box_score_snapshot is deprecated",
            id="dotted-name-from-root",
        ),
        pytest.param(
            "box_score_snapshot -> app.pbp.snapshot",
            "passed",
            "box_score_snapshot is deprecated",
            id="bare-name-from-own-folder",
        ),
        pytest.param(
            "pbp_to_boxscore.box_score_snapshot -> app.pbp.snapshot",
            "passed",
            "pbp_to_boxscore.box_score_snapshot is deprecated",
            id="shorter-name-through-path-edit",
        ),
        pytest.param("dims -> app.monitoring.dims", "passed", "dims is deprecated", id="bare-package-name"),
        pytest.param(
            "dims.helpers -> app.monitoring.dims.helpers",
            "passed",
            "dims is deprecated",
            id="submodule-through-bare-package",
        ),
        pytest.param(
            "scripts.pbp_to_boxscore.bare_broken -> app.pbp.bare_broken",
            "passed",
            "scripts.pbp_to_boxscore.bare_broken is deprecated",
            id="dotted-name-works",
        ),
        pytest.param(
            "bare_broken -> app.pbp.bare_broken",
            "failed",
            "import failed: ImportError: this stub serves dotted names only",
            id="bare-name-broken-fails-its-own-row",
        ),
        pytest.param(
            "needs_missing -> app.pbp.needs_missing",
            "pre-existing",
            "import failed: ModuleNotFoundError",
            id="bare-name-failing-on-base-too",
        ),
    ],
)
def test_each_name_checked(names_report, subject, status, detail):
    check = identities(names_report)[subject]

    assert check.status == status, check
    assert check.detail.startswith(detail), check


@pytest.mark.parametrize(
    "subject, where",
    [
        pytest.param("scripts.pbp_to_boxscore.box_score_snapshot -> app.pbp.snapshot", "", id="dotted-name-needs-no-folder"),
        pytest.param("box_score_snapshot -> app.pbp.snapshot", SCRIPT_FOLDER, id="script-folder"),
        pytest.param(
            "pbp_to_boxscore.box_score_snapshot -> app.pbp.snapshot",
            "imported with scripts/ first on sys.path, as a path-edit import",
            id="path-edit-folder",
        ),
        pytest.param(
            "dims -> app.monitoring.dims",
            "imported with scripts/monitoring/ first on sys.path, as a script-folder import",
            id="package-script-folder",
        ),
        pytest.param("bare_broken -> app.pbp.bare_broken", SCRIPT_FOLDER, id="failure-names-folder"),
    ],
)
def test_name_detail_gives_folder(names_report, subject, where):
    detail = identities(names_report)[subject].detail

    if where:
        assert detail.endswith(where)
    else:
        assert "imported with" not in detail


def test_one_row_per_name(names_report):
    assert sorted(identities(names_report)) == [
        "bare_broken -> app.pbp.bare_broken",
        "box_score_snapshot -> app.pbp.snapshot",
        "dims -> app.monitoring.dims",
        "dims.helpers -> app.monitoring.dims.helpers",
        "needs_missing -> app.pbp.needs_missing",
        "pbp_to_boxscore.box_score_snapshot -> app.pbp.snapshot",
        "scripts.monitoring.dims -> app.monitoring.dims",
        "scripts.monitoring.dims.helpers -> app.monitoring.dims.helpers",
        "scripts.pbp_to_boxscore.bare_broken -> app.pbp.bare_broken",
        "scripts.pbp_to_boxscore.box_score_snapshot -> app.pbp.snapshot",
        "scripts.pbp_to_boxscore.needs_missing -> app.pbp.needs_missing",
    ]


@pytest.mark.parametrize(
    "path, name, folder",
    [
        pytest.param("scripts/pbp/snapshot.py", "scripts.pbp.snapshot", "", id="dotted-from-root"),
        pytest.param("scripts/pbp/snapshot.py", "pbp.snapshot", "scripts", id="through-parent-folder"),
        pytest.param("scripts/pbp/snapshot.py", "snapshot", "scripts/pbp", id="bare-from-own-folder"),
        pytest.param("scripts/dims/__init__.py", "dims", "scripts", id="package-init"),
        pytest.param("scripts/dims", "dims", "scripts", id="namespace-folder"),
        pytest.param("scripts/pbp/snapshot.py", "other.snapshot", None, id="name-not-in-path"),
        pytest.param("snapshot.py", "pbp.snapshot", None, id="name-longer-than-path"),
    ],
)
def test_search_folder(path, name, folder):
    assert search_folder(path, name) == folder
