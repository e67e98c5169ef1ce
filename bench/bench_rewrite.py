"""One module move on the real repository: this toolkit against rope's MoveModule and LibCST's RenameCommand.

The move is `scripts/etl/scraper_config.py` to `nba_simulator.etl.config.manager`,
done by each tool on its own copy of the repository, each in a fresh
interpreter:

- codemod: inventory and plan the way `codemod plan` runs them, which
  renders every changed file in memory. No git, no writes. The inventory
  is focused on the batch: it reads every file but parses only those that
  can reach the moved module (see `batch_focus` in codemods/plan.py). It
  runs cold (no `.codemod/` cache), warm (the cache the cold run left),
  and once more cold over the whole repository, as `codemod inventory`
  scans it, for comparison.
- rope 1.x: ``MoveModule`` into ``nba_simulator/etl/config/`` and ``Rename``
  of the moved module to ``manager``, performed on the copy; the target
  package is created first, as rope needs it.
- LibCST: ``python -m libcst.tool codemod -x --jobs=1 --no-format
  libcst.codemod.commands.rename.RenameCommand`` on every Python file, as a
  user runs it.

Targets: codemod at least 10 times faster than rope and 50 times faster than
RenameCommand, with every site correct.

A site is an import statement that our plan rewrites. Another tool got a site
right when, in its output for that file, the imports that name the old or the
new module (by any spelling: dotted, from-import of the leaf, the bare
script-folder name) bind the same local names to the same modules as ours.
Our own output is the reference; the tests prove it in real interpreters.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Optional

from harness import Context, Section, best_of, markdown_table, seconds, verdict

OLD_PATH = "scripts/etl/scraper_config.py"
OLD_MODULE = "scripts.etl.scraper_config"
NEW_MODULE = "nba_simulator.etl.config.manager"
NEW_PATH = "nba_simulator/etl/config/manager.py"
ROPE_FACTOR_TARGET = 10
LIBCST_FACTOR_TARGET = 50
TIMEOUT_SECONDS = 1200
QUICK_LIBCST_FILES = 150

CONFIG = f"""\
package = "nba_simulator"

[[batch]]
name = "bench"
[batch.moves]
"{OLD_PATH}" = "{NEW_MODULE}"
"""

# Inventory and plan of the batch; prints the time and writes the rendered files as JSON.
CODEMOD = """
import json, resource, shutil, sys, time
from pathlib import Path
from codemods.config import load_config
from codemods.plan import batch_focus, plan_batch
from codemods.workspace import file_reader, scan_target
root, mode, output = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
if mode in ("cold", "whole"):
    shutil.rmtree(root / ".codemod", ignore_errors=True)
started = time.perf_counter()
config = load_config(root)
focus = None if mode == "whole" else batch_focus(config, "bench")
inventory = scan_target(root, config, focus=focus)
scanned = time.perf_counter()
plan = plan_batch(config, "bench", inventory, file_reader(root))
elapsed = time.perf_counter() - started
rendered = {change.new_path: change.after.decode("utf-8", "replace") for change in plan.changes if change.changed}
sites = [[change.path, site.line] for change in plan.changes for site in change.sites]
Path(output).write_text(json.dumps({"files": rendered, "sites": sites}))
print(json.dumps({
    "seconds": elapsed,
    "plan_seconds": elapsed - (scanned - started),
    "files_changed": len(rendered),
    "sites": plan.rewritten_sites,
    "kept": len(plan.kept),
    "parsed": inventory.parsed,
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""

ROPE = """
import json, resource, sys, time, warnings
warnings.simplefilter("ignore")
from rope.base import libutils
from rope.base.project import Project
from rope.refactor.move import MoveModule
from rope.refactor.rename import Rename
root = sys.argv[1]
started = time.perf_counter()
# Files that do not parse (the repository has some) would stop rope's analysis otherwise.
project = Project(root, ropefolder=None, ignore_syntax_errors=True)
source = libutils.path_to_resource(project, root + "/scripts/etl/scraper_config.py")
destination = libutils.path_to_resource(project, root + "/nba_simulator/etl/config")
changes = MoveModule(project, source).get_changes(destination)
changed = {change.resource.path for change in changes.changes if hasattr(change, "new_contents")}
project.do(changes)
moved = libutils.path_to_resource(project, root + "/nba_simulator/etl/config/scraper_config.py")
renames = Rename(project, moved).get_changes("manager")
changed |= {change.resource.path for change in renames.changes if hasattr(change, "new_contents")}
project.do(renames)
project.close()
print(json.dumps({
    "seconds": time.perf_counter() - started,
    "files_changed": len(changed),
    "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
}))
"""


def run(context: Context) -> Section:
    if context.real_repository is None:
        return Section("Rewrite: one module move", "", "Skipped: the real repository is missing.")

    ours_cold, ours_warm, ours_whole, ours_output = _run_codemod(context)
    reference = json.loads(ours_output.read_text())

    rope_root = _prepared_copy(context, "rewrite-rope")
    rope = _timed_subprocess(context, ROPE, str(rope_root))
    libcst_root = _prepared_copy(context, "rewrite-libcst")
    libcst = _run_libcst(context, libcst_root)

    rows, notes = _rows(ours_cold, ours_warm, ours_whole, rope, libcst, reference, rope_root, libcst_root)
    return Section("Rewrite: one module move", markdown_table(_HEADER, rows), notes)


_HEADER = ("tool", "time", "peak memory", "files changed", "sites correct", "codemod faster by (cold, plan step)")


def _run_codemod(context: Context) -> tuple[dict, dict, dict, Path]:
    root = _prepared_copy(context, "rewrite-codemod", with_package=False)
    output = context.work / "codemod-output.json"
    whole_output = context.work / "codemod-output-whole.json"
    _, whole = best_of(context, CODEMOD, str(root), "whole", str(whole_output))
    _, cold = best_of(context, CODEMOD, str(root), "cold", str(output))
    _, warm = best_of(context, CODEMOD, str(root), "warm", str(output))
    if json.loads(whole_output.read_text()) != json.loads(output.read_text()):
        raise RuntimeError("the focused inventory gave another plan than the whole inventory")
    fastest = lambda result: result["seconds"]  # noqa: E731
    return min(cold, key=fastest), min(warm, key=fastest), min(whole, key=fastest), output


def _prepared_copy(context: Context, name: str, with_package: bool = True) -> Path:
    root = context.copy_real_repository(name)
    (root / "codemod.toml").write_text(CONFIG, encoding="utf-8")
    if with_package:
        # rope moves a module into an existing package only.
        for folder in ("nba_simulator", "nba_simulator/etl", "nba_simulator/etl/config"):
            (root / folder).mkdir(exist_ok=True)
            (root / folder / "__init__.py").touch()
    return root


def _timed_subprocess(context: Context, code: str, *arguments: str) -> dict:
    """Run one measurement that may take minutes; a run past the timeout is reported, not raised."""
    try:
        completed = subprocess.run(
            [context.python, "-c", code, *arguments], capture_output=True, text=True, timeout=TIMEOUT_SECONDS
        )
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": float(TIMEOUT_SECONDS)}
    if completed.returncode != 0:
        return {"failed": completed.stderr.strip().splitlines()[-1:] or ["no output"], "seconds": 0.0}
    return json.loads(completed.stdout.strip().splitlines()[-1])


def _run_libcst(context: Context, root: Path) -> dict:
    paths = sorted(
        subprocess.run(["git", "ls-files", "*.py"], cwd=root, capture_output=True, text=True, check=True).stdout.split()
    )
    if context.quick:
        paths = paths[:QUICK_LIBCST_FILES]
    command = [
        context.python, "-m", "libcst.tool", "codemod", "-x", "--jobs=1", "--no-format", "--hide-progress",
        "libcst.codemod.commands.rename.RenameCommand",
        "--old_name", OLD_MODULE, "--new_name", NEW_MODULE, *paths,
    ]  # fmt: skip
    started = time.perf_counter()
    try:
        completed = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=TIMEOUT_SECONDS)
    except subprocess.TimeoutExpired:
        return {"timed_out": True, "seconds": float(TIMEOUT_SECONDS), "files": len(paths)}
    elapsed = time.perf_counter() - started
    changed = subprocess.run(["git", "diff", "--name-only"], cwd=root, capture_output=True, text=True, check=True)
    return {
        "seconds": elapsed,
        "files": len(paths),
        "files_changed": len(changed.stdout.split()),
        "returncode": completed.returncode,
    }


def _rows(
    cold: dict,
    warm: dict,
    whole: dict,
    rope: dict,
    libcst: dict,
    reference: dict,
    rope_root: Path,
    libcst_root: Path,
) -> tuple[list[list[object]], str]:
    total = len(reference["sites"])
    rope_correct = _correct_sites(reference, rope_root, renamed_path=NEW_PATH)
    libcst_correct = _correct_sites(reference, libcst_root, renamed_path=None)
    plan_step = {"seconds": warm["plan_seconds"]}
    reference_cell = f"{total} of {total} (reference)"
    rows: list[list[object]] = [
        ["codemod plan: cold, focused inventory", seconds(cold["seconds"]), f"{cold['peak_mb']:.0f} MB", cold["files_changed"], reference_cell, ""],
        ["codemod plan: warm cache, focused inventory", seconds(warm["seconds"]), f"{warm['peak_mb']:.0f} MB", warm["files_changed"], reference_cell, ""],
        ["codemod: cold whole inventory + plan", seconds(whole["seconds"]), f"{whole['peak_mb']:.0f} MB", whole["files_changed"], reference_cell, ""],
        ["codemod: plan step alone (rendering included)", seconds(plan_step["seconds"]), "-", warm["files_changed"], reference_cell, ""],
        ["rope MoveModule + Rename", _time_cell(rope), _memory_cell(rope), rope.get("files_changed", "-"), f"{rope_correct} of {total}", _factors(rope, cold, plan_step)],
        ["LibCST RenameCommand, --jobs=1", _time_cell(libcst), "-", libcst.get("files_changed", "-"), f"{libcst_correct} of {total}", _factors(libcst, cold, plan_step)],
    ]  # fmt: skip
    quick = " (RenameCommand ran on the first files only, --quick)" if libcst.get("files", 0) < QUICK_LIBCST_FILES + 1 else ""
    notes = "\n".join(
        [
            f"The batch moves `{OLD_PATH}` to `{NEW_MODULE}`. codemod rewrote {total} import sites in "
            f"{cold['files_changed']} files and left {cold['kept']} sites on the shim. The plan step is "
            "`plan_batch` given the inventory: it finds the sites and renders every changed file in memory.",
            "",
            f"The focused inventory, which `codemod plan` and `codemod apply` use, read every file and parsed "
            f"{cold['parsed']} of them: the moved file and the files whose text contains its stem. The whole "
            f"inventory parsed {whole['parsed']}. Both gave the same plan, byte for byte; the benchmark stops "
            "when they differ.",
            "",
            f"- {ROPE_FACTOR_TARGET}x faster than rope: {verdict(_met(rope, plan_step, ROPE_FACTOR_TARGET))} for the plan step, "
            f"{verdict(_met(rope, cold, ROPE_FACTOR_TARGET))} from a cold start.",
            f"- {LIBCST_FACTOR_TARGET}x faster than RenameCommand: {verdict(_met(libcst, plan_step, LIBCST_FACTOR_TARGET))} for the "
            f"plan step, {verdict(_met(libcst, cold, LIBCST_FACTOR_TARGET))} from a cold start{quick}.",
            f"- Sites: rope wrote {rope_correct} of {total} and RenameCommand {libcst_correct} of {total} the way codemod "
            "did. A site counts when the tool's output for its file binds the same local names to the same modules "
            "as codemod's, over every import that names the old or the new module (see the docstring of "
            "`bench/bench_rewrite.py`). codemod's own output is the reference, and its tests run the old and new "
            "imports in real interpreters. rope and RenameCommand do not resolve script-folder and `sys.path` "
            "imports, so they miss such sites where a repository has them.",
            f"- Each run of another tool is bounded by {TIMEOUT_SECONDS} s; a run past that is shown as timed out.",
        ]
    )
    return rows, notes


def _factors(result: dict, cold: dict, plan_step: dict) -> str:
    return f"{_factor(result, cold)}, {_factor(result, plan_step)}"


def _time_cell(result: dict) -> str:
    if result.get("timed_out"):
        return f"timed out after {TIMEOUT_SECONDS} s"
    if result.get("failed"):
        return f"failed: {result['failed'][0]}"
    return seconds(result["seconds"])


def _memory_cell(result: dict) -> str:
    return f"{result['peak_mb']:.0f} MB" if "peak_mb" in result else "-"


def _factor(result: dict, ours: dict) -> str:
    if result.get("failed") or not ours["seconds"]:
        return "-"
    prefix = "more than " if result.get("timed_out") else ""
    return f"{prefix}{result['seconds'] / ours['seconds']:.0f}x"


def _met(result: dict, ours: dict, factor: float) -> bool:
    return not result.get("failed") and result["seconds"] >= factor * ours["seconds"]


# Comparing outputs


def _correct_sites(reference: dict, root: Path, renamed_path: Optional[str]) -> int:
    """Count the reference sites whose file the other tool left with the same module bindings as ours."""
    correct = 0
    by_file: dict[str, int] = {}
    for path, _line in reference["sites"]:
        by_file[path] = by_file.get(path, 0) + 1
    for path, count in by_file.items():
        ours = reference["files"].get(path if path != OLD_PATH else NEW_PATH)
        tool_path = renamed_path if path == OLD_PATH and renamed_path else path
        theirs = _read(root / tool_path)
        if ours is not None and theirs is not None and _bindings(ours) == _bindings(theirs):
            correct += count
    return correct


def _read(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _bindings(text: str) -> Optional[list[tuple[str, str]]]:
    """Return (local name, dotted module) for each import that names the old or the new module."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return None
    return sorted(set(_module_bindings(tree)))


def _module_bindings(tree: ast.Module) -> Iterable[tuple[str, str]]:
    leaves = {OLD_MODULE.rpartition(".")[2], NEW_MODULE.rpartition(".")[2]}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _names_either(alias.name):
                    yield (alias.asname or alias.name.split(".")[0], alias.name if alias.asname else alias.name)
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                dotted = f"{module}.{alias.name}" if alias.name in leaves else module
                if _names_either(dotted.lstrip(".")) or _names_either(module.lstrip(".")):
                    yield (alias.asname or alias.name, dotted)


def _names_either(dotted: str) -> bool:
    for name in (OLD_MODULE, NEW_MODULE, OLD_MODULE.rpartition(".")[2]):
        if dotted == name or dotted.startswith(name + ".") or dotted.endswith("." + name):
            return True
    return False


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import tempfile

    from harness import REAL_REPOSITORY

    scratch = Path(tempfile.mkdtemp(prefix="codemod-bench-rewrite-"))
    section = run(Context(work=scratch, real_repository=REAL_REPOSITORY, repeat=1, quick="--quick" in sys.argv))
    print(f"## {section.title}\n\n{section.table}\n\n{section.notes}")
