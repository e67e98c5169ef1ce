"""Terminal and JSON output: the only module that owns a rich Console.

Tables and diffs go to stdout; progress and the summary line go to stderr,
so `codemod plan --diff > batch.patch` captures only the diff.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Callable, Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table

from codemods.apply import ApplyResult
from codemods.plan import Plan
from codemods.verify import VerifyReport
from inventory.model import Inventory

PLAIN_WIDTH = 200  # columns of tables written to a file or pipe
_out: Console = Console()
_err: Console = Console(stderr=True)


def configure(*, color: bool) -> None:
    """Create the consoles; plain text when ``color`` is False or output is not a terminal."""
    global _out, _err
    _out = Console(no_color=not color, highlight=color, soft_wrap=True, width=_width(sys.stdout))
    _err = Console(stderr=True, no_color=not color, highlight=color, soft_wrap=True, width=_width(sys.stderr))


def _width(stream: Any) -> Optional[int]:
    # Rich assumes 80 columns when output goes to a file or pipe, which cuts paths in tables.
    return None if stream.isatty() else PLAIN_WIDTH


def out() -> Console:
    return _out


def err() -> Console:
    return _err


def error(message: str) -> None:
    _err.print(f"[bold red]error:[/] {message}", markup=True, highlight=False)


def note(message: str) -> None:
    _err.print(message, markup=False, highlight=False)


def summary(message: str) -> None:
    _err.print(f"[bold]{message}[/]", markup=True, highlight=False)


@contextmanager
def progress(description: str) -> Iterator[Callable[[int, int], None]]:
    """Yield a ``progress(done, total)`` callback that draws a bar on stderr on a terminal."""
    if not _err.is_terminal:
        yield lambda done, total: None
        return
    bar = Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), console=_err, transient=True
    )
    task = bar.add_task(description, total=None)
    with bar:
        yield lambda done, total: bar.update(task, completed=done, total=total)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(value), indent=2, sort_keys=False) + "\n")


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {item.name: to_jsonable(getattr(value, item.name)) for item in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {str(key): to_jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, bytes):
        return None
    return value


# Inventory -------------------------------------------------------------------


def render_inventory(inventory: Inventory, *, show_unresolved: int = 20) -> None:
    counts = Counter(item.resolution.status for item in inventory.imports)
    vias = Counter(item.resolution.via for item in inventory.imports if item.resolution.status == "local")
    hazards = Counter(hazard.kind for facts in inventory.files for hazard in facts.hazards)
    edits = [edit for facts in inventory.files for edit in facts.path_edits]

    table = Table(title=f"Inventory of {inventory.root}", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("Python files", str(len(inventory.files)))
    table.add_row("  parsed now / from cache", f"{inventory.parsed} / {len(inventory.files) - inventory.parsed}")
    table.add_row("  parse failures", str(sum(1 for facts in inventory.files if facts.parse_error)))
    table.add_row("  entry points (__main__ block)", str(sum(1 for facts in inventory.files if facts.is_entry_point)))
    table.add_row("import sites", str(len(inventory.imports)))
    for status in ("local", "stdlib", "external", "unresolved"):
        table.add_row(f"  {status}", str(counts.get(status, 0)))
    for via, count in sorted(vias.items()):
        table.add_row(f"    local via {via or '?'}", str(count))
    table.add_row("sys.path edits", str(len(edits)))
    table.add_row("  evaluated", str(sum(1 for edit in edits if edit.target is not None)))
    table.add_row("references from non-Python files", str(len(inventory.references)))
    table.add_row("  that start Python", str(sum(1 for ref in inventory.references if ref.starts_python)))
    for kind, count in sorted(hazards.items()):
        table.add_row(f"hazard: {kind}", str(count))
    _out.print(table)

    unresolved = [item for item in inventory.imports if item.resolution.status == "unresolved"]
    if unresolved and show_unresolved:
        listing = Table(title=f"Unresolved imports (first {min(show_unresolved, len(unresolved))} of {len(unresolved)})")
        listing.add_column("file:line")
        listing.add_column("import")
        listing.add_column("reason")
        for item in unresolved[:show_unresolved]:
            site = item.site
            spelled = f"{'.' * site.level}{site.module}" + (f" : {site.name}" if site.name else "")
            listing.add_row(f"{site.file}:{site.line}", spelled, item.resolution.reason or "")
        _out.print(listing)
    failures = [facts for facts in inventory.files if facts.parse_error]
    if failures:
        listing = Table(title="Files that do not parse (left alone)")
        listing.add_column("file")
        listing.add_column("error")
        for facts in failures:
            listing.add_row(facts.path, facts.parse_error or "")
        _out.print(listing)


# Plan ------------------------------------------------------------------------


def render_plan(plan: Plan, *, show_diff: bool) -> None:
    moves = Table(title=f"Batch {plan.batch}: moves")
    moves.add_column("old path")
    moves.add_column("new module")
    moves.add_column("entry point", justify="center")
    for move in plan.moves:
        moves.add_row(move.old_path, move.new_module, "yes" if move.is_entry_point else "")
    _out.print(moves)

    sites = Table(title="Import sites and strings to rewrite")
    sites.add_column("file:line")
    sites.add_column("from")
    sites.add_column("to")
    for change in plan.changes:
        for line, group in _sites_by_statement(change.sites):
            site = group[0]
            names = ", ".join(item.name for item in group if item.name)
            written = f"{'.' * site.level}{site.module}" + (f" : {names}" if names else "")
            targets = sorted({item.new_module + (f" : {item.new_name}" if item.new_name else "") for item in group})
            sites.add_row(f"{change.path}:{line}", written, "\n".join(targets))
        for string in change.strings:
            sites.add_row(f"{change.path}:{string.line}", repr(string.old), repr(string.new))
    _out.print(sites)

    if plan.new_init_files:
        _out.print("New __init__.py files: " + ", ".join(plan.new_init_files), markup=False)
    shims = Table(title="Shims at old paths")
    shims.add_column("old path")
    shims.add_column("old name")
    shims.add_column("new name")
    for spec in plan.shims:
        shims.add_row(spec.old_path, spec.old_module or "(no dotted name)", spec.new_module)
    _out.print(shims)

    _render_findings("Import sites left on the shim", [(f.file, f.line, f.kind, f.message) for f in plan.kept])
    _render_findings("Hazards", [(f.file, f.line, f.kind, f.message) for f in plan.hazards])
    _render_findings(
        "Commands and references in non-Python files (kept working by the shims)",
        [(ref.file, ref.line, ref.kind, ref.text.strip()) for ref in plan.commands],
    )
    if show_diff:
        for change in plan.changes:
            if change.changed:
                _out.print(Syntax(change.diff(), "diff", theme="ansi_dark", background_color="default", word_wrap=False))


def _sites_by_statement(sites: tuple) -> list[tuple[int, list]]:
    grouped: dict[int, list] = {}
    for site in sites:
        grouped.setdefault(site.line, []).append(site)
    return sorted(grouped.items())


def plan_as_dict(plan: Plan, *, with_diff: bool) -> dict:
    data = to_jsonable(plan)
    for change, raw in zip(plan.changes, data["changes"]):
        raw.pop("before", None)
        raw.pop("after", None)
        raw["changed"] = change.changed
        if with_diff:
            raw["diff"] = change.diff()
    return data


def _render_findings(title: str, rows: list[tuple[str, int, str, str]]) -> None:
    if not rows:
        return
    table = Table(title=f"{title} ({len(rows)})")
    table.add_column("file:line")
    table.add_column("kind")
    table.add_column("detail")
    for file, line, kind, message in rows:
        table.add_row(f"{file}:{line}" if line else file, kind, message)
    _out.print(table)


# Apply and verify ------------------------------------------------------------


def render_apply(result: ApplyResult) -> None:
    if result.already_applied:
        summary(f"batch {result.batch} is already applied on branch {result.branch} ({result.rewrite_commit[:10]}); nothing changed")
        return
    plan = result.plan
    _out.print(f"Branch {result.branch} created from {result.base[:10]}:", markup=False, highlight=False)
    _out.print(f"  {result.rename_commit[:10]} renames: {len(plan.moves)} files", markup=False, highlight=False)
    _out.print(
        f"  {result.rewrite_commit[:10]} rewrites: {plan.rewritten_sites} import sites, {plan.rewritten_strings} strings, "
        f"{len(plan.shims)} shims, {len(plan.new_init_files)} new __init__.py files",
        markup=False,
        highlight=False,
    )


def render_verify(report: VerifyReport) -> None:
    table = Table(title=f"Verification of {report.branch} against {report.base[:10]}")
    table.add_column("check")
    table.add_column("subject")
    table.add_column("status")
    table.add_column("detail")
    colors = {"passed": "green", "failed": "red", "pre-existing": "yellow", "skipped": "dim"}
    for check in report.checks:
        table.add_row(check.kind, check.subject, f"[{colors.get(check.status, 'white')}]{check.status}[/]", check.detail)
    _out.print(table)


def optional_text(value: Optional[str]) -> str:
    return value or ""


def render_status(rows: list) -> None:
    table = Table(title="Batches")
    for column in ("batch", "branch", "state", "commits", "tip", "shims"):
        table.add_column(column)
    for row in rows:
        table.add_row(row.name, row.branch, row.state, str(row.commits or ""), row.tip, str(row.shims or ""))
    _out.print(table)
