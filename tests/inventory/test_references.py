from __future__ import annotations

import pytest

from inventory.references import MAX_FILE_BYTES, reference_kind, scan_references

PYTHON_FILES = [
    "scripts/etl/foo.py",
    "scripts/etl/bar.py",
    "scripts/run_all.py",
    "tools/__init__.py",
    "tools/cli.py",
]


def references_in(write_repo, path: str, text, python_files=PYTHON_FILES):
    root = write_repo({path: text})
    return scan_references(root, [path], python_files)


@pytest.mark.parametrize(
    "path, kind",
    [
        ("deploy/run.sh", "shell"),
        ("deploy/run.bash", "shell"),
        ("crontab", "crontab"),
        ("ops/nightly.cron", "crontab"),
        ("cron.d/nightly", "crontab"),
        ("ops/etl.service", "systemd"),
        ("ops/etl.timer", "systemd"),
        ("Dockerfile", "dockerfile"),
        ("docker/Dockerfile.worker", "dockerfile"),
        ("docker-compose.yml", "compose"),
        ("compose.prod.yaml", "compose"),
        ("Makefile", "makefile"),
        ("make/rules.mk", "makefile"),
        (".github/workflows/ci.yml", "ci"),
        (".gitlab-ci.yml", "ci"),
        ("config/app.yaml", "yaml"),
        ("pyproject.toml", "toml"),
        ("setup.cfg", "ini"),
        ("pytest.ini", "ini"),
        ("docs/guide.md", "markdown"),
        ("docs/guide.rst", "markdown"),
        ("Procfile", "other"),
        ("data/table.csv", None),
        ("sql/schema.sql", None),
    ],
)
def test_reference_kind(path, kind):
    assert reference_kind(path) == kind


@pytest.mark.parametrize(
    "line, target, starts",
    [
        pytest.param(
            "python scripts/etl/foo.py --all", "scripts/etl/foo.py", True, id="python-path"
        ),
        pytest.param(
            "python3.11 ./scripts/etl/foo.py",
            "scripts/etl/foo.py",
            True,
            id="versioned-python-dot-slash",
        ),
        pytest.param(
            "exec /srv/checkout/scripts/etl/foo.py",
            "scripts/etl/foo.py",
            True,
            id="exec-absolute-other-checkout",
        ),
        pytest.param('python "$SCRIPT_DIR/foo.py"', "scripts/etl/foo.py", True, id="script-dir"),
        pytest.param(
            "python ${SCRIPT_DIR}/bar.py", "scripts/etl/bar.py", True, id="script-dir-braces"
        ),
        pytest.param('python "$(dirname "$0")/foo.py"', "scripts/etl/foo.py", True, id="dirname-0"),
        pytest.param("python -m scripts.etl.foo", "scripts/etl/foo.py", True, id="module-flag"),
        pytest.param("python -m tools", "", False, id="single-part-module-is-ignored"),
        pytest.param("cp scripts/etl/foo.py /tmp/", "scripts/etl/foo.py", False, id="path-not-run"),
        pytest.param("echo see foo.py here", "scripts/etl/foo.py", False, id="sibling-basename"),
    ],
)
def test_shell_reference(write_repo, line, target, starts):
    references = references_in(write_repo, "scripts/etl/run.sh", f"#!/bin/bash\n{line}\n")

    found = [(ref.target, ref.starts_python, ref.line, ref.kind) for ref in references]

    assert found == ([(target, starts, 2, "shell")] if target else [])


def test_shell_variable_assignments(write_repo):
    text = """
    #!/usr/bin/env bash
    SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
    PROJECT_ROOT="$SCRIPT_DIR/../.."
    python "$PROJECT_ROOT/scripts/run_all.py"
    """

    references = references_in(write_repo, "deploy/jobs/run.sh", text)

    assert [(ref.target, ref.line) for ref in references] == [("scripts/run_all.py", 4)]


def test_crontab_line_starts_python(write_repo):
    text = "SHELL=/bin/bash\n# python scripts/etl/bar.py\n*/5 * * * * /srv/app/scripts/etl/foo.py >> /var/log/x\n"

    references = references_in(write_repo, "crontab", text)

    assert [(ref.target, ref.starts_python, ref.kind) for ref in references] == [
        ("scripts/etl/bar.py", False, "crontab"),
        ("scripts/etl/foo.py", True, "crontab"),
    ]


def test_systemd_exec_start(write_repo):
    text = "[Service]\nExecStart=/opt/venv/bin/python /srv/app/scripts/etl/foo.py\nWorkingDirectory=/srv/app\n"

    references = references_in(write_repo, "ops/etl.service", text)

    assert [(ref.target, ref.starts_python, ref.kind) for ref in references] == [
        ("scripts/etl/foo.py", True, "systemd")
    ]


@pytest.mark.parametrize(
    "path, text, kind",
    [
        pytest.param(
            "Dockerfile",
            'CMD ["python", "scripts/etl/foo.py"]\n',
            "dockerfile",
            id="dockerfile-cmd",
        ),
        pytest.param(
            "docker-compose.yml",
            "services:\n  etl:\n    command: python -m scripts.etl.foo\n",
            "compose",
            id="compose-command",
        ),
        pytest.param(
            "Makefile", "etl:\n\tpython scripts/etl/foo.py\n", "makefile", id="makefile-recipe"
        ),
        pytest.param(
            ".github/workflows/ci.yml",
            "steps:\n  - run: python scripts/etl/foo.py\n",
            "ci",
            id="workflow-step",
        ),
        pytest.param("Procfile", "worker: python scripts/etl/foo.py\n", "other", id="procfile"),
    ],
)
def test_runner_files(write_repo, path, text, kind):
    references = references_in(write_repo, path, text)

    assert [(ref.target, ref.kind, ref.starts_python) for ref in references] == [
        ("scripts/etl/foo.py", kind, True)
    ]


def test_markdown_mentions(write_repo):
    text = "# Guide\n\nThe loader lives in `scripts/etl/foo.py`; its class is `scripts.etl.bar.Loader`.\n"

    references = references_in(write_repo, "docs/guide.md", text)

    found = [(ref.target, ref.form, ref.starts_python, ref.line) for ref in references]

    assert found == [
        ("scripts/etl/foo.py", "path", False, 3),
        ("scripts/etl/bar.py", "dotted", False, 3),
    ]


def test_toml_entry_point_dotted(write_repo):
    text = '[project.scripts]\ntool = "tools.cli:main"\n'

    references = references_in(write_repo, "pyproject.toml", text)

    assert [(ref.target, ref.form, ref.text) for ref in references] == [
        ("tools/cli.py", "dotted", "tools.cli")
    ]


def test_unknown_path_is_ignored(write_repo):
    references = references_in(
        write_repo, "run.sh", "python scripts/etl/missing.py\npython -m scripts.etl.missing\n"
    )

    assert references == ()


def test_extensionless_shell_script_by_shebang(write_repo):
    references = references_in(write_repo, "bin/nightly", "#!/bin/sh\npython scripts/etl/foo.py\n")

    assert [(ref.target, ref.kind) for ref in references] == [("scripts/etl/foo.py", "shell")]


def test_binary_file_is_skipped(write_repo):
    references = references_in(write_repo, "run.sh", b"python scripts/etl/foo.py\n\0\0binary")

    assert references == ()


def test_large_file_is_skipped(write_repo):
    text = "python scripts/etl/foo.py\n" + "x" * MAX_FILE_BYTES

    references = references_in(write_repo, "run.sh", text)

    assert references == ()
