"""Sessions that prove the toolkit on every installed Python from 3.9 to 3.13.

`nox` runs the default sessions (tests on each Python found, lint); `nox -s
shims`, `typecheck`, `verify_imports` and `bench` run the others. Pythons
that are not installed are skipped, not failed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import nox

PYTHONS = ["3.9", "3.10", "3.11", "3.12", "3.13"]
ROOT = Path(__file__).parent

nox.options.sessions = ["tests", "lint"]
nox.options.error_on_missing_interpreters = False
nox.options.reuse_existing_virtualenvs = True


def _expose_pyenv_versions() -> None:
    """Make pyenv's `python3.X` shims find every installed version, not only the selected one.

    `pyenv exec`, which runs nox through pyenv's shim, exports PYENV_VERSION as the
    selected version alone, so the other versions are appended to it.
    """
    pyenv_root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    versions = pyenv_root / "versions"
    if not versions.is_dir():
        return
    installed = sorted(
        (path.name for path in versions.iterdir() if path.name[:1].isdigit()),
        key=lambda name: [int(part) for part in name.split(".") if part.isdigit()],
        reverse=True,
    )
    selected = [name for name in os.environ.get("PYENV_VERSION", "").split(":") if name]
    combined = selected + [name for name in installed if name not in selected]
    if combined:
        os.environ["PYENV_VERSION"] = ":".join(combined)


_expose_pyenv_versions()


def _interpreters() -> list[str]:
    """Return the paths of the installed interpreters among PYTHONS."""
    found = []
    for version in PYTHONS:
        command = shutil.which(f"python{version}")
        if command is None:
            continue
        completed = subprocess.run(
            [command, "-c", "import sys; print(sys.executable)"], capture_output=True, text=True
        )
        if completed.returncode == 0:
            found.append(completed.stdout.strip())
    return found


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """Run the whole test suite on one Python."""
    session.install("-e", ".[test]")
    session.run("pytest", *session.posargs)


@nox.session
def shims(session: nox.Session) -> None:
    """Run the shim property tests in fresh interpreters of every installed Python."""
    session.install("-e", ".[test]")
    interpreters = _interpreters()
    session.log("interpreters: " + ", ".join(interpreters))
    session.run(
        "pytest",
        "tests/shimgen",
        *session.posargs,
        env={"CODEMOD_SHIM_PYTHONS": os.pathsep.join(interpreters)},
    )


@nox.session
def lint(session: nox.Session) -> None:
    """Check style with ruff and the layering with import-linter."""
    session.install("-e", ".", "ruff", "import-linter")
    session.run("ruff", "check", "inventory", "codemods", "shimgen", "tests", "noxfile.py")
    session.run("lint-imports")


@nox.session
def typecheck(session: nox.Session) -> None:
    """Check types with mypy."""
    session.install("-e", ".", "mypy")
    session.run("mypy", "inventory", "codemods", "shimgen")


@nox.session(python=PYTHONS)
def verify_imports(session: nox.Session) -> None:
    """Apply the demo batch and prove that old and new imports both work on this Python."""
    session.install(".")
    folder = Path(session.create_tmp()) / "demo"
    if folder.exists():
        shutil.rmtree(folder)
    session.run("codemod", "demo", "--dir", str(folder))


@nox.session
def bench(session: nox.Session) -> None:
    """Run the benchmarks under bench/ and rewrite docs/benchmarks.md."""
    session.install("-e", ".", "grimp")
    session.run("python", "bench/run.py", *session.posargs)
