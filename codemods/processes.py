"""Every child process the toolkit starts, other than git.

Verification runs the target's code, which may reach databases or public
sites; by default each run goes into a new network namespace (`unshare -n`)
when the machine allows it.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

DEFAULT_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class ProcessResult:
    returncode: int
    stdout: str
    stderr: str
    timed_out: bool = False
    command: tuple[str, ...] = ()


@functools.lru_cache(maxsize=1)
def network_isolation_available() -> bool:
    """Return True when `unshare -n` can start a process without network access."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    try:
        completed = subprocess.run([unshare, "-n", "true"], capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    return completed.returncode == 0


def run_python(
    arguments: Sequence[str],
    *,
    cwd: Path,
    python: Optional[str] = None,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    isolate_network: bool = True,
) -> ProcessResult:
    """Run ``python ARGUMENTS`` in ``cwd`` and capture its output."""
    command = [python or sys.executable, *arguments]
    return run_command(command, cwd=cwd, env=env, timeout=timeout, isolate_network=isolate_network)


def run_command(
    command: Sequence[str],
    *,
    cwd: Path,
    env: Optional[Mapping[str, str]] = None,
    timeout: float = DEFAULT_TIMEOUT_SECONDS,
    isolate_network: bool = True,
) -> ProcessResult:
    """Run ``command`` (a program and its arguments, no shell) in ``cwd`` and capture its output.

    A program that cannot be started gives return code 127 and the reason on
    stderr, as a shell would.
    """
    full_command = list(command)
    if isolate_network and network_isolation_available():
        full_command = [shutil.which("unshare") or "unshare", "-n", *full_command]
    try:
        completed = subprocess.run(
            full_command,
            cwd=cwd,
            env=_clean_environment(env),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired as error:
        return ProcessResult(
            returncode=-1,
            stdout=_text(error.stdout),
            stderr=_text(error.stderr) + f"\ntimed out after {timeout:.0f} s",
            timed_out=True,
            command=tuple(full_command),
        )
    except OSError as error:
        return ProcessResult(127, "", f"{command[0]}: {error.strerror or error}", command=tuple(full_command))
    return ProcessResult(completed.returncode, completed.stdout, completed.stderr, command=tuple(full_command))


def find_program(name: str) -> Optional[str]:
    """Return the full path of the program ``name`` on PATH, or None."""
    return shutil.which(name)


def _clean_environment(extra: Optional[Mapping[str, str]]) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONSTARTUP")}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    environment["PYTHONIOENCODING"] = "utf-8"
    if extra:
        environment.update(extra)
    return environment


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)
