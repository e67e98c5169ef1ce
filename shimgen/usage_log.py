"""Read the opt-in usage log that stubs append to when ``CODEMOD_SHIM_LOG`` names a file.

Each line is one JSON object that a stub wrote when a process imported it or ran it as a
script: ``time`` (UTC, ISO 8601), ``event`` (``"import"`` or ``"run"``), ``old`` (the
name it was reached under), ``old_path``, ``new``, ``file`` and ``line`` of the importing
code (empty and 0 for a run), ``argv0`` and ``pid``.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

LOG_VARIABLE = "CODEMOD_SHIM_LOG"  # the stubs read this name literally
EVENT_IMPORT = "import"
EVENT_RUN = "run"


@dataclass(frozen=True)
class UsageEvent:
    """One line of the usage log."""

    time: str
    event: str
    old: str
    old_path: str
    new: str
    file: str
    line: int
    argv0: str
    pid: int


@dataclass(frozen=True)
class UsageSummary:
    """The log lines of one old path, counted."""

    old_path: str
    new: str
    imports: int
    runs: int
    names: tuple[str, ...]  # the old names it was reached under
    importers: tuple[str, ...]  # distinct "file:line" of importing code
    commands: tuple[str, ...]  # distinct argv[0] of the processes
    last_seen: str


def read_usage_log(path: Path) -> list[UsageEvent]:
    """Read the events of the log at ``path``, skipping lines that are not events.

    A line can be cut short when a process was killed while writing it; such lines are
    logged at debug level and skipped.
    """
    events = []
    with open(path, encoding="utf-8", errors="replace") as handle:
        for number, text in enumerate(handle, start=1):
            event = _parse_line(text)
            if event is None:
                logger.debug("%s:%d: not a usage log entry, skipped", path, number)
                continue
            events.append(event)
    return events


def summarize_usage(events: Iterable[UsageEvent]) -> list[UsageSummary]:
    """Count the events per old path, sorted by old path."""
    grouped: dict[str, list[UsageEvent]] = {}
    for event in events:
        grouped.setdefault(event.old_path, []).append(event)

    summaries = []
    for old_path, items in sorted(grouped.items()):
        summaries.append(
            UsageSummary(
                old_path=old_path,
                new=items[-1].new,
                imports=sum(1 for item in items if item.event == EVENT_IMPORT),
                runs=sum(1 for item in items if item.event == EVENT_RUN),
                names=tuple(sorted({item.old for item in items})),
                importers=tuple(sorted({f"{item.file}:{item.line}" for item in items if item.file})),
                commands=tuple(sorted({item.argv0 for item in items if item.argv0})),
                last_seen=max(item.time for item in items),
            )
        )
    return summaries


def _parse_line(text: str) -> UsageEvent | None:
    try:
        entry = json.loads(text)
    except json.JSONDecodeError:
        return None
    if not isinstance(entry, dict):
        return None
    try:
        return UsageEvent(
            time=str(entry["time"]),
            event=str(entry["event"]),
            old=str(entry["old"]),
            old_path=str(entry["old_path"]),
            new=str(entry["new"]),
            file=str(entry.get("file", "")),
            line=int(entry.get("line", 0)),
            argv0=str(entry.get("argv0", "")),
            pid=int(entry.get("pid", 0)),
        )
    except (KeyError, TypeError, ValueError):
        return None
