"""Run generated stubs in real interpreters and check each promise of the shim contract.

Each test writes a small repository to tmp_path: the new package ``nba_simulator`` with
the moved code, and generated stubs at the old paths under ``scripts/``. Probes run in
fresh subprocesses and print one JSON line that the test checks field by field.

By default the probes run on the interpreter that runs pytest. Set
``CODEMOD_SHIM_PYTHONS`` to interpreter paths separated by os.pathsep to run them on
each of those instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Optional

import pytest

from shimgen import ShimSpec, render_shim


def _interpreters() -> list[str]:
    listed = os.environ.get("CODEMOD_SHIM_PYTHONS", "")
    return [path for path in listed.split(os.pathsep) if path] or [sys.executable]


def _interpreter_id(path: str) -> str:
    # /root/.pyenv/versions/3.9.18/bin/python -> 3.9.18
    parts = Path(path).parts
    return parts[-3] if len(parts) >= 3 and parts[-2] == "bin" else path


@pytest.fixture(params=_interpreters(), ids=_interpreter_id)
def python(request: pytest.FixtureRequest) -> str:
    return request.param


# ---------------------------------------------------------------------------------------
# The moved code

MANAGER_SOURCE = '''\
"""Configuration manager, moved from scripts/etl/scraper_config.py."""
import json
import sys

VALUE = 1
_private_token: str = "private"


class Thing:
    def __init__(self, n: int) -> None:
        self.n = n


def load() -> str:
    return "real"


def main() -> str:
    return load()


def set_value(value: int) -> None:
    global VALUE
    VALUE = value


if __name__ == "__main__":
    report = {
        "argv": sys.argv[1:],
        "path0": sys.path[0],
        "sys_path": sys.path,
        "spec": __spec__.name if __spec__ is not None else None,
    }
    print("MAIN " + json.dumps(report), flush=True)
    if "--raise" in sys.argv:
        raise RuntimeError("boom from the new module")
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)
'''

CYCLIC_SOURCE = """\
import builtins

builtins.__dict__.setdefault("cyclic_executions", []).append(__name__)
EARLY = "early"

# Legacy code that imports this module through its old name while it initializes.
from scripts.etl import legacy_user  # noqa: E402


def late():
    return "late"
"""

LEGACY_USER_SOURCE = """\
from scripts.etl.cyclic_old import EARLY
import scripts.etl.cyclic_old as held


def call_late():
    return held.late()
"""

SUB_SOURCE = """\
import builtins
import json
import sys

# Every execution of this file is recorded, so a test can see a second copy.
builtins.__dict__.setdefault("sub_executions", []).append(__name__)


class Record:
    def __init__(self, key):
        self.key = key


def fetch():
    return "real"


def run():
    return fetch()


if __name__ == "__main__":
    print("MAIN " + json.dumps({"argv": sys.argv[1:]}), flush=True)
    sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)
"""

PACKAGE_MAIN_SOURCE = """\
import json
import sys

print("MAIN " + json.dumps({"argv": sys.argv[1:], "package": __package__}), flush=True)
sys.exit(int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 0)
"""

NEW_MODULE = "nba_simulator.etl.config.manager"
OLD_MODULE = "scripts.etl.scraper_config"
OLD_PATH = "scripts/etl/scraper_config.py"
DEPRECATION_START = f"{OLD_MODULE} is deprecated; import {NEW_MODULE} instead"


def write(root: Path, relative: str, text: str) -> Path:
    target = root / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def write_stub(
    root: Path,
    old_path: str,
    old_module: str,
    new_module: str,
    kind: str = "module",
    package_root: str = "",
    exported_names: tuple[str, ...] = (),
) -> None:
    spec = ShimSpec(
        old_path=old_path,
        old_module=old_module,
        new_module=new_module,
        kind=kind,
        batch="etl-base",
        created="2026-12-04",
        remove_after="2027-06-30",
        exported_names=exported_names,
        package_root=package_root,
    )
    write(root, old_path, render_shim(spec))


def write_new_package(root: Path) -> None:
    """Write the new package with the moved modules under ``root``."""
    for folder in (
        "nba_simulator",
        "nba_simulator/etl",
        "nba_simulator/etl/config",
        "nba_simulator/monitoring",
    ):
        write(root, f"{folder}/__init__.py", "")
    write(root, "nba_simulator/etl/config/manager.py", MANAGER_SOURCE)
    write(root, "nba_simulator/etl/cyclic.py", CYCLIC_SOURCE)
    write(root, "nba_simulator/monitoring/dims/__init__.py", 'PACKAGE_VALUE = "dims"\n')
    write(root, "nba_simulator/monitoring/dims/sub.py", SUB_SOURCE)
    write(root, "nba_simulator/monitoring/dims/__main__.py", PACKAGE_MAIN_SOURCE)
    write(root, "nba_simulator/monitoring/dims/inner/__init__.py", "")
    write(root, "nba_simulator/monitoring/dims/inner/leaf.py", 'VALUE = "leaf"\n')


def build_repository(root: Path, package_root: str = "", per_file_stubs: bool = False) -> Path:
    """Write the moved layout: the new package plus a stub at every old path.

    ``scripts/`` and ``scripts/etl/`` have no ``__init__.py``, as in a legacy repository.
    """
    write_new_package(root / package_root if package_root else root)
    exported = ("Thing", "VALUE", "_private_token", "load", "main", "set_value")
    write_stub(
        root, OLD_PATH, OLD_MODULE, NEW_MODULE, package_root=package_root, exported_names=exported
    )
    write_stub(
        root,
        "scripts/etl/cyclic_old.py",
        "scripts.etl.cyclic_old",
        "nba_simulator.etl.cyclic",
        package_root=package_root,
    )
    write(root, "scripts/etl/legacy_user.py", LEGACY_USER_SOURCE)
    write_stub(
        root,
        "scripts/monitoring/dims/__init__.py",
        "scripts.monitoring.dims",
        "nba_simulator.monitoring.dims",
        kind="package",
        package_root=package_root,
    )
    if per_file_stubs:
        write_stub(
            root,
            "scripts/monitoring/dims/sub.py",
            "scripts.monitoring.dims.sub",
            "nba_simulator.monitoring.dims.sub",
            package_root=package_root,
        )
        write_stub(
            root,
            "scripts/monitoring/dims/inner/__init__.py",
            "scripts.monitoring.dims.inner",
            "nba_simulator.monitoring.dims.inner",
            kind="package",
            package_root=package_root,
        )
        write_stub(
            root,
            "scripts/monitoring/dims/inner/leaf.py",
            "scripts.monitoring.dims.inner.leaf",
            "nba_simulator.monitoring.dims.inner.leaf",
            package_root=package_root,
        )
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return build_repository(tmp_path / "repo")


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A working directory outside the repository."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def clean_environment(**extra: str) -> dict[str, str]:
    removed = {"PYTHONPATH", "PYTHONWARNINGS", "PYTHONSTARTUP", "PYTHONSAFEPATH"}
    environment = {key: value for key, value in os.environ.items() if key not in removed}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment.update(extra)
    return environment


def run(
    python: str, arguments: list[str], cwd: Path, **extra_environment: str
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [python, *arguments],
        cwd=cwd,
        env=clean_environment(**extra_environment),
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_probe(
    python: str, folder: Path, source: str, name: str = "probe.py", **extra_environment: str
) -> dict:
    """Write ``source`` to ``folder/name``, run it there and return the JSON it prints last."""
    probe = write(folder, name, textwrap.dedent(source))
    completed = run(python, [str(probe)], cwd=folder, **extra_environment)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout.strip().splitlines()[-1])


def line_of(source: str, marker: str) -> int:
    """Return the 1-based line of ``textwrap.dedent(source)`` that contains ``marker``."""
    for number, line in enumerate(textwrap.dedent(source).splitlines(), start=1):
        if marker in line:
            return number
    raise AssertionError(f"{marker!r} not in the probe")


def main_reports(stdout: str) -> list[dict]:
    return [
        json.loads(line[len("MAIN ") :]) for line in stdout.splitlines() if line.startswith("MAIN ")
    ]


# ---------------------------------------------------------------------------------------
# Imports of a moved module

IMPORT_PROBE = """\
import json
import sys
import warnings

with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    import scripts.etl.scraper_config as old  # first import
    import scripts.etl.scraper_config as again
    from scripts.etl import scraper_config as via_from

import scripts.etl
import nba_simulator.etl.config.manager as new

result = {
    "same_object": old is new,
    "again_same": again is new,
    "from_same": via_from is new,
    "sys_modules_entry": sys.modules["scripts.etl.scraper_config"] is new,
    "parent_attribute": scripts.etl.scraper_config is new,
    "class_identity": old.Thing is new.Thing,
    "private_name": old._private_token,
    "warnings": [[w.category.__name__, str(w.message), w.filename, w.lineno] for w in caught],
}
new.set_value(42)
result["rebound_global"] = old.VALUE

from scripts.etl.scraper_config import *  # noqa: F403
result["star_import"] = load is new.load  # noqa: F405
print(json.dumps(result))
"""


def test_import_binds_new_module(python: str, repo: Path) -> None:
    result = run_probe(python, repo, IMPORT_PROBE)

    assert result["same_object"]
    assert result["again_same"]
    assert result["from_same"]
    assert result["sys_modules_entry"]
    assert result["parent_attribute"]
    assert result["class_identity"]
    assert result["private_name"] == "private"
    assert result["rebound_global"] == 42
    assert result["star_import"]


def test_spec_from_file_location_module(python: str, repo: Path) -> None:
    source = """\
    import importlib.util
    import json
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        spec = importlib.util.spec_from_file_location("legacy_config", "scripts/etl/scraper_config.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # load by path
    import nba_simulator.etl.config.manager as new

    print(json.dumps({
        "attribute_through_stub": module.load is new.load,
        "class_through_stub": module.Thing is new.Thing,
        "warnings": [[str(w.message), w.lineno] for w in caught],
    }))
    """
    result = run_probe(python, repo, source)

    assert result["attribute_through_stub"]
    assert result["class_through_stub"]
    assert len(result["warnings"]) == 1, result["warnings"]
    message, lineno = result["warnings"][0]
    assert message.startswith(f"legacy_config is deprecated; import {NEW_MODULE} instead")
    assert lineno == line_of(source, "# load by path")


def test_import_warns_once_at_importer_line(python: str, repo: Path) -> None:
    result = run_probe(python, repo, IMPORT_PROBE)

    assert len(result["warnings"]) == 1, result["warnings"]
    category, message, filename, lineno = result["warnings"][0]
    assert category == "DeprecationWarning"
    assert message.startswith(DEPRECATION_START)
    assert "2027-06-30" in message
    assert os.path.samefile(filename, repo / "probe.py")
    assert lineno == line_of(IMPORT_PROBE, "# first import")


def test_import_module_call_warns_at_caller_line(python: str, repo: Path) -> None:
    source = """\
    import importlib
    import json
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        module = importlib.import_module("scripts.etl.scraper_config")  # import_module call
    print(json.dumps([[str(w.message), w.filename, w.lineno] for w in caught]))
    """
    caught = run_probe(python, repo, source)

    assert len(caught) == 1, caught
    message, filename, lineno = caught[0]
    assert message.startswith(DEPRECATION_START)
    assert os.path.samefile(filename, repo / "probe.py")
    assert lineno == line_of(source, "# import_module call")


def test_import_warning_shown_by_default_from_main(python: str, repo: Path) -> None:
    probe = write(
        repo, "plain.py", "import scripts.etl.scraper_config\nimport scripts.etl.scraper_config\n"
    )

    completed = run(python, [str(probe)], cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.count(f"DeprecationWarning: {DEPRECATION_START}") == 1, completed.stderr
    assert "plain.py:1:" in completed.stderr


def test_new_module_import_does_not_warn(python: str, repo: Path) -> None:
    completed = run(python, ["-W", "error", "-c", f"import {NEW_MODULE}"], cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert completed.stderr == ""


def test_bare_name_import_from_sibling_script(python: str, repo: Path, elsewhere: Path) -> None:
    source = """\
    import json
    import sys
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import scraper_config  # bare import
    import nba_simulator.etl.config.manager as new

    print(json.dumps({
        "same_object": scraper_config is new,
        "sys_modules_entry": sys.modules["scraper_config"] is new,
        "scripts_imported": "scripts.etl.scraper_config" in sys.modules,
        "warnings": [[str(w.message), w.filename, w.lineno] for w in caught],
    }))
    """
    sibling = write(repo, "scripts/etl/sibling.py", textwrap.dedent(source))

    completed = run(python, [str(sibling)], cwd=elsewhere)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result["same_object"]
    assert result["sys_modules_entry"]
    assert not result["scripts_imported"]
    assert len(result["warnings"]) == 1, result["warnings"]
    message, filename, lineno = result["warnings"][0]
    assert message.startswith(f"scraper_config is deprecated; import {NEW_MODULE} instead")
    assert os.path.samefile(filename, sibling)
    assert lineno == line_of(source, "# bare import")


def test_mock_patch_through_old_name(python: str, repo: Path) -> None:
    result = run_probe(
        python,
        repo,
        """\
        import json
        import warnings
        from unittest import mock

        warnings.simplefilter("ignore", DeprecationWarning)
        import nba_simulator.etl.config.manager as new

        result = {}
        # The old name is not imported yet, so mock imports it.
        with mock.patch("scripts.etl.scraper_config.load", return_value="patched"):
            result["patched_before_import"] = new.main()
        result["restored"] = new.main()

        import scripts.etl.scraper_config as old
        with mock.patch("scripts.etl.scraper_config.load", return_value="again"):
            result["patched_after_import"] = new.main()
            result["seen_through_old"] = old.load()
        with mock.patch.object(old, "load", return_value="object"):
            result["patched_object"] = new.main()
        result["restored_at_end"] = new.main()
        print(json.dumps(result))
        """,
    )

    assert result["patched_before_import"] == "patched"
    assert result["restored"] == "real"
    assert result["patched_after_import"] == "again"
    assert result["seen_through_old"] == "again"
    assert result["patched_object"] == "object"
    assert result["restored_at_end"] == "real"


@pytest.mark.parametrize("first", ["old-first", "new-first"])
def test_import_cycle_through_old_name(python: str, repo: Path, first: str) -> None:
    first_import = (
        "import scripts.etl.cyclic_old"
        if first == "old-first"
        else "import nba_simulator.etl.cyclic"
    )
    result = run_probe(
        python,
        repo,
        f"""\
        import json
        import sys
        import warnings

        warnings.simplefilter("ignore", DeprecationWarning)
        {first_import}
        import scripts.etl.cyclic_old as old
        import nba_simulator.etl.cyclic as new
        from scripts.etl import legacy_user

        print(json.dumps({{
            "same_object": old is new,
            "early_name": legacy_user.EARLY,
            "late_call": legacy_user.call_late(),
            "cyclic_executions": __import__("builtins").cyclic_executions,
        }}))
        """,
    )

    assert result["same_object"]
    assert result["early_name"] == "early"
    assert result["late_call"] == "late"
    assert result["cyclic_executions"] == ["nba_simulator.etl.cyclic"]


# ---------------------------------------------------------------------------------------
# sys.path handling


def test_root_appended_once_when_missing(python: str, repo: Path, elsewhere: Path) -> None:
    source = """\
    import json
    import os
    import sys
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    before = list(sys.path)
    import scraper_config
    import cyclic_old
    root = os.path.realpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    added = [entry for entry in sys.path if entry not in before]
    print(json.dumps({
        "added": added,
        "root": root,
        "first_entry_kept": sys.path[0] == before[0],
    }))
    """
    sibling = write(repo, "scripts/etl/sibling.py", textwrap.dedent(source))

    completed = run(python, [str(sibling)], cwd=elsewhere)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result["added"] == [result["root"]]
    assert result["first_entry_kept"]


def test_package_already_on_sys_path(python: str, tmp_path: Path, elsewhere: Path) -> None:
    # The new package lives outside the repository, as an installed copy would.
    repository = tmp_path / "repo"
    write_stub(repository, OLD_PATH, OLD_MODULE, NEW_MODULE)
    installed = tmp_path / "site"
    write_new_package(installed)
    source = """\
    import json
    import sys
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    before = list(sys.path)
    import scraper_config
    import nba_simulator.etl.config.manager as new
    print(json.dumps({
        "same_object": scraper_config is new,
        "new_file": new.__file__,
        "added": [entry for entry in sys.path if entry not in before],
    }))
    """
    sibling = write(repository, "scripts/etl/sibling.py", textwrap.dedent(source))

    completed = run(python, [str(sibling)], cwd=elsewhere, PYTHONPATH=str(installed))
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])
    script = run(
        python, [str(repository / OLD_PATH), "7"], cwd=elsewhere, PYTHONPATH=str(installed)
    )

    assert result["same_object"]
    assert Path(result["new_file"]).resolve().is_relative_to(installed.resolve())
    assert result["added"] == []
    assert script.returncode == 7, script.stderr
    assert len(main_reports(script.stdout)) == 1


def test_namespace_top_level_package(python: str, repo: Path, elsewhere: Path) -> None:
    (repo / "nba_simulator" / "__init__.py").unlink()

    script = run(python, [str(repo / OLD_PATH), "4"], cwd=elsewhere)

    assert script.returncode == 4, script.stderr
    assert len(main_reports(script.stdout)) == 1


def test_package_root_folder(python: str, tmp_path: Path, elsewhere: Path) -> None:
    repository = build_repository(tmp_path / "repo", package_root="src")
    source = """\
    import json
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    import scripts.etl.scraper_config as old
    import scripts.monitoring.dims.sub as old_sub
    import nba_simulator.etl.config.manager as new
    import nba_simulator.monitoring.dims.sub as new_sub
    print(json.dumps({"same_object": old is new, "sub_same": old_sub is new_sub}))
    """

    result = run_probe(python, repository, source)
    script = run(python, [str(repository / OLD_PATH), "3"], cwd=elsewhere)

    assert result["same_object"]
    assert result["sub_same"]
    assert (repository / "src" / "nba_simulator").is_dir()
    assert script.returncode == 3, script.stderr
    assert len(main_reports(script.stdout)) == 1


# ---------------------------------------------------------------------------------------
# Running the old path as a script


def test_script_runs_new_main_once(python: str, repo: Path, elsewhere: Path) -> None:
    completed = run(python, [str(repo / OLD_PATH), "3", "a", "--flag"], cwd=elsewhere)

    reports = main_reports(completed.stdout)
    assert completed.returncode == 3, completed.stderr
    assert len(reports) == 1, completed.stdout
    assert reports[0]["argv"] == ["3", "a", "--flag"]
    assert os.path.samefile(reports[0]["path0"], repo / "scripts" / "etl")
    assert reports[0]["spec"] == NEW_MODULE
    expected_warning = (
        f"DeprecationWarning: {OLD_PATH} is deprecated; run python -m {NEW_MODULE} instead"
    )
    assert completed.stderr.count(expected_warning) == 1, completed.stderr


def test_script_relative_path_exit_zero(python: str, repo: Path) -> None:
    completed = run(python, [OLD_PATH], cwd=repo)

    assert completed.returncode == 0, completed.stderr
    assert len(main_reports(completed.stdout)) == 1


def test_script_uncaught_exception_exits_one(python: str, repo: Path, elsewhere: Path) -> None:
    completed = run(python, [str(repo / OLD_PATH), "--raise"], cwd=elsewhere)

    assert completed.returncode == 1
    assert len(main_reports(completed.stdout)) == 1
    assert "Traceback (most recent call last)" in completed.stderr
    assert "RuntimeError: boom from the new module" in completed.stderr


def test_script_through_symlink(python: str, repo: Path, tmp_path: Path, elsewhere: Path) -> None:
    link = tmp_path / "bin" / "legacy_job.py"
    link.parent.mkdir()
    link.symlink_to(repo / OLD_PATH)

    completed = run(python, [str(link), "5", "x"], cwd=elsewhere)

    reports = main_reports(completed.stdout)
    assert completed.returncode == 5, completed.stderr
    assert len(reports) == 1
    assert reports[0]["argv"] == ["5", "x"]


def test_script_with_dash_m(python: str, repo: Path) -> None:
    completed = run(python, ["-m", OLD_MODULE, "2"], cwd=repo)

    assert completed.returncode == 2, completed.stderr
    assert len(main_reports(completed.stdout)) == 1
    assert (
        f"DeprecationWarning: {OLD_MODULE} is deprecated; run python -m {NEW_MODULE}"
        in completed.stderr
    )


def test_script_warning_follows_user_filters(python: str, repo: Path, elsewhere: Path) -> None:
    silenced = run(
        python, ["-W", "ignore::DeprecationWarning", str(repo / OLD_PATH)], cwd=elsewhere
    )

    assert silenced.returncode == 0, silenced.stderr
    assert "DeprecationWarning" not in silenced.stderr
    assert len(main_reports(silenced.stdout)) == 1


# ---------------------------------------------------------------------------------------
# A folder moved whole

PACKAGE_PROBE = """\
import builtins
import importlib.util
import json
import pickle
import sys
import warnings
from unittest import mock

ALIAS = ("scripts.monitoring.dims", "nba_simulator.monitoring.dims")


def count_finders():
    return sum(1 for finder in sys.meta_path if getattr(finder, "codemod_alias", None) == ALIAS)


with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    if FIRST == "old-first":
        import scripts.monitoring.dims.sub as old_sub
        import nba_simulator.monitoring.dims.sub as new_sub
    else:
        import nba_simulator.monitoring.dims.sub as new_sub
        import scripts.monitoring.dims.sub as old_sub
    from scripts.monitoring.dims import sub as from_sub
    import scripts.monitoring.dims.inner.leaf as old_leaf
    import nba_simulator.monitoring.dims.inner.leaf as new_leaf

import scripts.monitoring.dims as old_package
import nba_simulator.monitoring.dims as new_package

result = {
    "package_same": old_package is new_package,
    "sub_same": old_sub is new_sub,
    "from_same": from_sub is new_sub,
    "leaf_same": old_leaf is new_leaf,
    "executions": builtins.sub_executions,
    "class_identity": old_sub.Record is new_sub.Record,
    "isinstance": isinstance(new_sub.Record(1), old_sub.Record),
    "spec_name": new_sub.__spec__.name,
    "sub_file_is_new": new_sub.__file__.replace("\\\\", "/").endswith("nba_simulator/monitoring/dims/sub.py"),
    "missing_spec_is_none": importlib.util.find_spec("scripts.monitoring.dims.missing") is None,
    "finders": count_finders(),
    "deprecations": [str(w.message) for w in caught if issubclass(w.category, DeprecationWarning)],
}
try:
    import scripts.monitoring.dims.missing
except ModuleNotFoundError as error:
    result["missing_error_name"] = error.name

warnings.simplefilter("ignore", DeprecationWarning)
del sys.modules["scripts.monitoring.dims"]
import scripts.monitoring.dims
result["finders_after_reimport"] = count_finders()

with mock.patch("scripts.monitoring.dims.sub.fetch", return_value="patched"):
    result["patched"] = new_sub.run()
result["pickle_round_trip"] = type(pickle.loads(pickle.dumps(old_sub.Record("k")))) is new_sub.Record
print(json.dumps(result))
"""


@pytest.mark.parametrize(
    "per_file_stubs", [False, True], ids=["finder-only", "finder-and-file-stubs"]
)
@pytest.mark.parametrize("first", ["old-first", "new-first"])
def test_package_submodules_are_real_modules(
    python: str, tmp_path: Path, per_file_stubs: bool, first: str
) -> None:
    repository = build_repository(tmp_path / "repo", per_file_stubs=per_file_stubs)

    result = run_probe(python, repository, f"FIRST = {first!r}\n" + PACKAGE_PROBE)

    assert result["package_same"]
    assert result["sub_same"]
    assert result["from_same"]
    assert result["leaf_same"]
    assert result["executions"] == ["nba_simulator.monitoring.dims.sub"]
    assert result["class_identity"]
    assert result["isinstance"]
    assert result["spec_name"] == "nba_simulator.monitoring.dims.sub"
    assert result["sub_file_is_new"]
    assert result["missing_spec_is_none"]
    assert result["missing_error_name"] == "scripts.monitoring.dims.missing"
    assert result["finders"] == 1
    assert result["finders_after_reimport"] == 1
    assert result["patched"] == "patched"
    assert result["pickle_round_trip"]
    assert len(result["deprecations"]) == 1, result["deprecations"]
    assert result["deprecations"][0].startswith(
        "scripts.monitoring.dims is deprecated; import nba_simulator.monitoring.dims instead"
    )


@pytest.mark.parametrize(
    "per_file_stubs", [False, True], ids=["finder-only", "finder-and-file-stubs"]
)
def test_package_submodule_with_dash_m(python: str, tmp_path: Path, per_file_stubs: bool) -> None:
    repository = build_repository(tmp_path / "repo", per_file_stubs=per_file_stubs)

    completed = run(python, ["-m", "scripts.monitoring.dims.sub", "4", "y"], cwd=repository)

    reports = main_reports(completed.stdout)
    assert completed.returncode == 4, completed.stderr
    assert len(reports) == 1, completed.stdout
    assert reports[0]["argv"] == ["4", "y"]


def test_package_with_dash_m_runs_new_main(python: str, repo: Path) -> None:
    completed = run(python, ["-m", "scripts.monitoring.dims", "3"], cwd=repo)

    reports = main_reports(completed.stdout)
    assert completed.returncode == 3, completed.stderr
    assert len(reports) == 1, completed.stdout
    assert reports[0]["argv"] == ["3"]


def test_package_file_stub_as_script_and_bare_name(
    python: str, tmp_path: Path, elsewhere: Path
) -> None:
    repository = build_repository(tmp_path / "repo", per_file_stubs=True)
    source = """\
    import json
    import sys
    import warnings

    warnings.simplefilter("ignore", DeprecationWarning)
    sys.path.insert(0, "scripts/monitoring/dims")
    import builtins
    import sub
    import nba_simulator.monitoring.dims.sub as new_sub
    print(json.dumps({"same_object": sub is new_sub, "executions": builtins.sub_executions}))
    """

    result = run_probe(python, repository, source)
    script = run(python, [str(repository / "scripts/monitoring/dims/sub.py"), "6"], cwd=elsewhere)

    assert result["same_object"]
    assert result["executions"] == ["nba_simulator.monitoring.dims.sub"]
    assert script.returncode == 6, script.stderr
    assert len(main_reports(script.stdout)) == 1


# ---------------------------------------------------------------------------------------
# Pickles written before the move

PICKLE_WRITER = """\
import pickle
import sys

sys.path.insert(0, "scripts/etl")
import scraper_config as bare
import scripts.etl.scraper_config as dotted
import scripts.monitoring.dims.sub as sub

with open(sys.argv[1], "wb") as handle:
    pickle.dump({"dotted": dotted.Thing(7), "sub": sub.Record("key")}, handle)
with open(sys.argv[2], "wb") as handle:
    pickle.dump(bare.Thing(8), handle)
"""

PICKLE_READER = """\
import json
import pickle
import sys
import warnings

warnings.simplefilter("ignore", DeprecationWarning)
sys.path.insert(0, "scripts/etl")
with open(sys.argv[1], "rb") as handle:
    loaded = pickle.load(handle)
with open(sys.argv[2], "rb") as handle:
    bare = pickle.load(handle)
import nba_simulator.etl.config.manager as manager
import nba_simulator.monitoring.dims.sub as sub

print(json.dumps({
    "dotted_type": type(loaded["dotted"]) is manager.Thing,
    "dotted_value": loaded["dotted"].n,
    "sub_type": type(loaded["sub"]) is sub.Record,
    "sub_value": loaded["sub"].key,
    "bare_type": type(bare) is manager.Thing,
    "bare_value": bare.n,
}))
"""


def test_pickle_from_old_layout_loads(python: str, tmp_path: Path) -> None:
    repository = tmp_path / "repo"
    write(repository, OLD_PATH, MANAGER_SOURCE)
    write(repository, "scripts/monitoring/dims/__init__.py", "")
    write(repository, "scripts/monitoring/dims/sub.py", SUB_SOURCE)
    dotted_pickle, bare_pickle = tmp_path / "dotted.pickle", tmp_path / "bare.pickle"
    writer = write(repository, "writer.py", PICKLE_WRITER)
    written = run(python, [str(writer), str(dotted_pickle), str(bare_pickle)], cwd=repository)
    assert written.returncode == 0, written.stderr

    shutil.rmtree(repository / "scripts")
    build_repository(repository)
    reader = write(repository, "reader.py", PICKLE_READER)
    completed = run(python, [str(reader), str(dotted_pickle), str(bare_pickle)], cwd=repository)
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout.strip().splitlines()[-1])

    assert result["dotted_type"]
    assert result["dotted_value"] == 7
    assert result["sub_type"]
    assert result["sub_value"] == "key"
    assert result["bare_type"]
    assert result["bare_value"] == 8


# ---------------------------------------------------------------------------------------
# Type checkers


def test_type_checker_sees_new_names(repo: Path, tmp_path: Path) -> None:
    pytest.importorskip("mypy")
    write(
        repo,
        "check_types.py",
        "import scripts.etl.scraper_config as old\n"
        "reveal_type(old.load)\n"
        "reveal_type(old._private_token)\n"
        "old.no_such_name\n",
    )

    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--explicit-package-bases",
            "--cache-dir",
            str(tmp_path / "mypy-cache"),
            "check_types.py",
        ],
        cwd=repo,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )

    # Older mypy versions print str as builtins.str.
    assert re.search(
        r'2: note: Revealed type is "def \(\) -> (builtins\.)?str"', completed.stdout
    ), completed.stdout
    assert re.search(r'3: note: Revealed type is "(builtins\.)?str"', completed.stdout), (
        completed.stdout
    )
    assert 'has no attribute "no_such_name"' in completed.stdout, completed.stdout


def _pyright_command() -> Optional[list[str]]:
    """Return the command that starts pyright, or None when it cannot start here (it needs Node.js)."""
    executable = shutil.which("pyright")
    if executable is None:
        return None
    try:
        started = subprocess.run([executable, "--version"], capture_output=True, text=True, timeout=300)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return [executable] if started.returncode == 0 else None


def test_pyright_sees_new_names(repo: Path) -> None:
    command = _pyright_command()
    if command is None:
        pytest.skip("pyright cannot start here: install the pyright package and Node.js")
    write(
        repo,
        "check_types.py",
        "import scripts.etl.scraper_config as old\n"
        "reveal_type(old.load)\n"
        "reveal_type(old._private_token)\n"
        "old.no_such_name\n",
    )

    completed = subprocess.run(
        [*command, "--outputjson", "check_types.py"],
        cwd=repo,
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(completed.stdout)
    messages = {item["range"]["start"]["line"] + 1: item["message"] for item in report["generalDiagnostics"]}

    assert messages[2] == 'Type of "old.load" is "() -> str"', messages
    assert messages[3] == 'Type of "old._private_token" is "str"', messages
    assert '"no_such_name" is not a known attribute of module' in messages[4], messages
