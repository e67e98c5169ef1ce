"""Shared parts of the benchmarks: the context each one gets, the section it returns, timing helpers.

A benchmark module ``bench/bench_<name>.py`` defines ``run(context) -> Section``.
``bench/run.py`` finds the modules, runs them one after the other in one
process, and writes every section to ``docs/benchmarks.md``.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_ROOT = BENCH_DIR.parent
REAL_REPOSITORY = Path(os.environ.get("CODEMOD_BENCH_REAL_REPO", "/tmp/nba"))


@dataclass(frozen=True)
class Section:
    """One benchmark's part of docs/benchmarks.md."""

    title: str
    table: str  # a Markdown table
    notes: str = ""  # Markdown paragraphs: method, what the numbers mean, targets met or missed


@dataclass
class Context:
    """The scratch folder, the real repository and the run settings that every benchmark gets."""

    work: Path  # scratch folder, removed after the run unless --keep is given
    real_repository: Optional[Path]  # read-only; None when it is missing
    repeat: int = 3  # each timing is the best of this many runs
    quick: bool = False  # smaller inputs, for trying a benchmark out
    python: str = sys.executable
    shared: dict = field(default_factory=dict)  # values one benchmark leaves for a later one

    def copy_real_repository(self, name: str) -> Path:
        """Copy the real repository into ``work/name`` as a fresh git repository with one commit."""
        if self.real_repository is None:
            raise RuntimeError("the real repository is missing; set CODEMOD_BENCH_REAL_REPO")
        target = self.work / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(self.real_repository, target, symlinks=True, ignore=shutil.ignore_patterns(".git", ".codemod"))
        init_git(target)
        return target


def init_git(root: Path) -> None:
    """Make ``root`` a git repository with all its files in one commit."""
    identity = ["-c", "user.name=bench", "-c", "user.email=bench@codemod.invalid"]
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, check=True)
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(["git", *identity, "commit", "-q", "-m", "snapshot"], cwd=root, check=True)


def measure(context: Context, code: str, *arguments: str) -> dict:
    """Run ``code`` in a fresh interpreter and return the JSON object it prints last.

    Each measurement runs in its own process, so no run profits from
    modules, caches or memory another run left behind. The code times
    itself, so interpreter start-up is not counted.
    """
    completed = subprocess.run(
        [context.python, "-c", textwrap.dedent(code), *arguments],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    if completed.returncode != 0:
        raise RuntimeError(f"benchmark step failed with exit status {completed.returncode}:\n{completed.stderr}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def best_of(context: Context, code: str, *arguments: str, key: str = "seconds") -> tuple[float, list[dict]]:
    """Run ``measure`` ``context.repeat`` times; return the smallest ``key`` and every result.

    The smallest time is the one least disturbed by other processes on the
    machine, as in ``timeit``.
    """
    results = [measure(context, code, *arguments) for _ in range(context.repeat)]
    return min(result[key] for result in results), results


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def seconds(value: float) -> str:
    return f"{value:.3f} s" if value < 1 else f"{value:.2f} s"


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"
