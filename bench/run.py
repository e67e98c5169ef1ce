"""Run every benchmark under bench/ and write docs/benchmarks.md.

    python bench/run.py                   # all bench_*.py modules, results to docs/benchmarks.md
    python bench/run.py --only inventory  # bench_inventory.py alone
    python bench/run.py --quick --output /tmp/b.md

Each ``bench/bench_<name>.py`` module defines ``run(context) -> Section``
(see bench/harness.py). Adding a module is enough to add a benchmark.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path
from types import ModuleType
from typing import Callable

from harness import BENCH_DIR, PROJECT_ROOT, REAL_REPOSITORY, Context, Section

logger = logging.getLogger("bench")


def main(argv: list[str]) -> int:
    arguments = _parse_arguments(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    modules = discover(arguments.only)
    if not modules:
        logger.error("no benchmark module matches %s under %s", arguments.only, BENCH_DIR)
        return 2

    load_before = _load_average()
    work = Path(tempfile.mkdtemp(prefix="codemod-bench-"))
    context = Context(
        work=work,
        real_repository=REAL_REPOSITORY if REAL_REPOSITORY.is_dir() else None,
        repeat=arguments.repeat,
        quick=arguments.quick,
    )
    output = Path(arguments.output)

    def write_page(sections: list[Section]) -> None:
        # Written after every benchmark, so a long run that is stopped keeps what it measured.
        load = f"{load_before} before, {_load_average()} after"
        output.write_text(render_page(sections, context, load), encoding="utf-8")
        logger.info("wrote %s (%d of %d benchmarks)", output, len(sections), len(modules))

    try:
        _, failed = run_all(modules, context, write_page)
    finally:
        if arguments.keep:
            logger.info("scratch files kept in %s", work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


def _parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Run the codemod benchmarks and write docs/benchmarks.md.")
    parser.add_argument("--only", nargs="*", default=[], help="names of benchmarks to run (bench_NAME.py); all by default")
    parser.add_argument("--output", default=str(PROJECT_ROOT / "docs" / "benchmarks.md"), help="Markdown file to write")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is reported")
    parser.add_argument("--quick", action="store_true", help="smaller inputs, to try the benchmarks out")
    parser.add_argument("--keep", action="store_true", help="keep the scratch folder with the generated repositories")
    return parser.parse_args(argv)


def discover(only: list[str]) -> list[ModuleType]:
    """Import every bench/bench_*.py module (or those named in ``only``), sorted by name."""
    modules = []
    for path in sorted(BENCH_DIR.glob("bench_*.py")):
        name = path.stem[len("bench_") :]
        if only and name not in only:
            continue
        spec = importlib.util.spec_from_file_location(path.stem, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not callable(getattr(module, "run", None)):
            logger.warning("%s defines no run(context) function; skipped", path.name)
            continue
        modules.append(module)
    return modules


def run_all(
    modules: list[ModuleType], context: Context, on_section: Callable[[list[Section]], None]
) -> tuple[list[Section], bool]:
    """Run each benchmark module, calling ``on_section`` with the sections so far after each one."""
    sections: list[Section] = []
    failed = False
    for module in modules:
        logger.info("running %s", module.__name__)
        started = time.perf_counter()
        try:
            section = module.run(context)
        except Exception:  # one broken benchmark must not hide the others' numbers
            failed = True
            logger.exception("%s failed", module.__name__)
            section = Section(
                title=f"{module.__name__} (failed)",
                table="",
                notes="The benchmark raised an exception:\n\n```\n" + traceback.format_exc() + "```",
            )
        logger.info("%s took %.1f s", module.__name__, time.perf_counter() - started)
        sections.append(section)
        on_section(sections)
    return sections, failed


def render_page(sections: list[Section], context: Context, load: str) -> str:
    lines = [
        "# Benchmarks",
        "",
        "Written by `python bench/run.py` (or `nox -s bench`); every number below comes from one run of",
        "that script on the machine described here. Each timing is the best of "
        f"{context.repeat} runs, each in a fresh interpreter, with interpreter start-up not counted.",
        "Other processes share the machine, so the load average before and after the run is listed.",
        "",
        "## Machine",
        "",
        *[f"- {line}" for line in machine_description()],
        f"- load average over 1 minute: {load}",
    ]
    for section in sections:
        lines += ["", f"## {section.title}", ""]
        if section.table:
            lines += [section.table, ""]
        if section.notes:
            lines += [section.notes.strip(), ""]
    return "\n".join(lines).rstrip() + "\n"


def machine_description() -> list[str]:
    return [
        f"date: {datetime.datetime.now().strftime('%Y-%m-%d %H:%M')}",
        f"CPU: {_cpu_model()}, {os.cpu_count()} logical cores",
        f"memory: {_memory_total()}",
        f"Python {platform.python_version()} ({platform.python_implementation()}) on {platform.platform()}",
        f"codemod at commit {_project_commit()}" + (" with uncommitted changes" if _project_dirty() else ""),
    ]


def _load_average() -> str:
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "unknown"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_total() -> str:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _project_commit() -> str:
    completed = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return completed.stdout.strip() or "unknown"


def _project_dirty() -> bool:
    completed = subprocess.run(["git", "status", "--porcelain"], cwd=PROJECT_ROOT, capture_output=True, text=True)
    return bool(completed.stdout.strip())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
