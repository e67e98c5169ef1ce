"""The result type of `codemod verify` and the helpers its checks share to run code in a child interpreter.

Each dynamic check runs a small script in a fresh interpreter inside a
checkout. The script prints one line ``CODEMOD-RESULT <json>`` last, which
``run_json`` reads back.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemods.processes import run_python

RESULT_PREFIX = "CODEMOD-RESULT "

# Imports one module, with an optional folder put first on sys.path, and reports the error, if any.
IMPORT_CHECK = r"""
import importlib, json, os, sys, warnings
name, folder = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else ""
if folder:
    sys.path.insert(0, os.path.abspath(folder))
warnings.simplefilter("ignore")
try:
    importlib.import_module(name)
    print("CODEMOD-RESULT " + json.dumps({"error": ""}))
except BaseException as error:
    print("CODEMOD-RESULT " + json.dumps({"error": f"{type(error).__name__}: {error}"}))
"""


@dataclass(frozen=True)
class Check:
    """One verification result."""

    kind: str  # "static", "cycle", "stdlib-shadow", "expiry", "identity", "symbol", "entry-point", "tests"
    subject: str
    status: str  # "passed", "failed", "pre-existing", "skipped"
    detail: str = ""


def run_json(cwd: Path, arguments: Sequence[str], python: Optional[str], isolate: bool, timeout: float) -> dict:
    """Run ``python ARGUMENTS`` in ``cwd`` and return the object of its last ``CODEMOD-RESULT`` line.

    A run that prints no such line (a crash, a timeout) gives ``{"error": ...}`` with the exit status and
    the end of stderr.
    """
    result = run_python(arguments, cwd=cwd, python=python, isolate_network=isolate, timeout=timeout)
    for line in reversed(result.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    return {"error": f"the check did not finish (exit {result.returncode}): {tail(result.stderr)}"}


def import_error(cwd: Path, name: str, folder: str, python: Optional[str], isolate: bool, timeout: float) -> str:
    """Return the error of importing ``name`` in ``cwd`` with ``folder`` first on sys.path, or "" when it imports."""
    return run_json(cwd, ["-c", IMPORT_CHECK, name, folder], python, isolate, timeout).get("error", "")


def tail(text: str, lines: int = 3) -> str:
    """Return the last ``lines`` lines of ``text`` on one line, separated by `` | ``."""
    return " | ".join(text.strip().splitlines()[-lines:])
