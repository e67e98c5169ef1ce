"""Terminal and JSON output: the only module that owns a rich Console.

Tables and diffs go to stdout; progress and the summary line go to stderr,
so `codemod plan --diff > batch.patch` captures only the diff.
"""

from __future__ import annotations

import dataclasses
import json
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Optional

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text

from codemods.apply import ApplyResult
from codemods.check import CheckReport
from codemods.plan import FileChange, Plan
from codemods.verify import VerifyReport
from inventory import build_graph, figures
from inventory.model import Inventory
from inventory.names import Spelling, spellings_as_json, spellings_by_file
from shimgen.manifest import ShimRecord, manifest_path, save_manifest
from shimgen.render import render_shim

PLAIN_WIDTH = 200  # columns of tables written to a file or pipe
_out: Console = Console(markup=False)
_err: Console = Console(stderr=True, markup=False)


def configure(*, color: bool) -> None:
    """Create the consoles; plain text when ``color`` is False or output is not a terminal."""
    global _out, _err
    # color_system=None drops bold and other styles too, so --no-color output has no escape codes at all.
    # markup=False because paths, messages and code in tables contain brackets ([tool.codemod], x[0]);
    # styles come from Text objects instead.
    _out = Console(
        color_system="auto" if color else None, markup=False, highlight=color, soft_wrap=True, width=_width(sys.stdout)
    )
    _err = Console(
        stderr=True,
        color_system="auto" if color else None,
        markup=False,
        highlight=color,
        soft_wrap=True,
        width=_width(sys.stderr),
    )


def _width(stream: Any) -> Optional[int]:
    # Rich assumes 80 columns when output goes to a file or pipe, which cuts paths in tables.
    return None if stream.isatty() else PLAIN_WIDTH


def out() -> Console:
    return _out


def err() -> Console:
    return _err


def error(message: str) -> None:
    # Messages quote TOML tables such as [tool.codemod], which rich would read as markup.
    _err.print(Text.assemble(("error:", "bold red"), " ", message), highlight=False)


def warning(message: str) -> None:
    """Print a warning on stderr: something the user should know, which does not stop the command."""
    _err.print(Text.assemble(("warning:", "bold yellow"), " ", message), highlight=False)


def note(message: str) -> None:
    _err.print(message, markup=False, highlight=False)


def summary(message: str) -> None:
    _err.print(Text(message, style="bold"), highlight=False)


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
    by_kind = figures.imports_by_kind(inventory.imports)
    for kind, label in figures.IMPORT_KINDS:
        table.add_row(f"  {label}", str(by_kind[kind]))
    edit_counts = figures.path_edit_counts(inventory)
    table.add_row("sys.path edits", str(edit_counts["total"]))
    table.add_row("  evaluated", str(edit_counts["evaluated"]))
    table.add_row("  outside the repository", str(edit_counts["outside"]))
    table.add_row("  not evaluated", str(edit_counts["not_evaluated"]))
    table.add_row("references from non-Python files", str(len(inventory.references)))
    table.add_row("  that start Python", str(sum(1 for ref in inventory.references if ref.starts_python)))
    table.add_row("files started from outside Python", str(len(figures.files_started_from_outside(inventory.references))))
    table.add_row("  by shell, cron, CI or Docker (not docs)", str(len(figures.files_started_from_outside(inventory.references, include_docs=False))))
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
    graph = build_graph(inventory)
    render_graph_summary(graph.fan_in, graph.cycles())
    failures = [facts for facts in inventory.files if facts.parse_error]
    if failures:
        listing = Table(title="Files that do not parse (left alone)")
        listing.add_column("file")
        listing.add_column("error")
        for facts in failures:
            listing.add_row(facts.path, facts.parse_error or "")
        _out.print(listing)


def inventory_as_dict(inventory: Inventory) -> dict:
    """Return the inventory as JSON data, with every spelling of each imported file."""
    data = to_jsonable(inventory)
    data["spellings"] = spellings_as_json(spellings_by_file(inventory))
    graph = build_graph(inventory)
    data["graph"] = {
        "edges": [list(edge) for edge in sorted(graph.edges)],
        "fan_in": graph.fan_in,
        "fan_out": graph.fan_out,
        "cycles": [list(cycle) for cycle in graph.cycles()],
    }
    return data


def render_spellings(path: str, spellings: tuple[Spelling, ...]) -> None:
    if not spellings:
        _out.print(f"No import in the repository resolves to {path}.", markup=False, highlight=False)
        return
    table = Table(title=f"Names under which {path} is imported ({len(spellings)})")
    table.add_column("as written")
    table.add_column("module name at run time")
    table.add_column("found via")
    table.add_column("sites (file:line)")
    for spelling in spellings:
        table.add_row(spelling.written, spelling.absolute, spelling.via, "\n".join(spelling.locations()))
    _out.print(table)


def render_graph_summary(fan_in: dict[str, int], cycles: tuple[tuple[str, ...], ...], *, top: int = 10) -> None:
    ranked = [(path, count) for path, count in sorted(fan_in.items(), key=lambda item: (-item[1], item[0])) if count][:top]
    if ranked:
        table = Table(title=f"Most imported files (top {len(ranked)} by fan-in)")
        table.add_column("file")
        table.add_column("fan-in", justify="right")
        for path, count in ranked:
            table.add_row(path, str(count))
        _out.print(table)
    for cycle in cycles:
        _out.print("import cycle: " + " -> ".join(cycle), markup=False, highlight=False)


# Plan ------------------------------------------------------------------------


def render_plan(plan: Plan, *, show_diff: bool) -> None:
    """Print the plan's tables; with ``show_diff`` the tables go to stderr and a patch to stdout."""
    # With --diff, stdout holds only the patch, so `codemod plan --diff > batch.patch` works.
    tables = _err if show_diff else _out
    # A batch of `path.py:Name` moves alone has no file moves and no shims, so those tables are left out.
    symbols_only = not plan.moves and bool(plan.symbol_moves)
    if not symbols_only:
        moves = Table(title=f"Batch {plan.batch}: moves")
        moves.add_column("old path")
        moves.add_column("new module")
        moves.add_column("entry point", justify="center")
        for move in plan.moves:
            moves.add_row(move.old_path, move.new_module, "yes" if move.is_entry_point else "")
        tables.print(moves)
    if plan.symbol_moves:
        symbols = Table(title=f"Batch {plan.batch}: functions and classes to move")
        symbols.add_column("old module file : name")
        symbols.add_column("new module")
        symbols.add_column("new module file")
        for symbol in plan.symbol_moves:
            symbols.add_row(f"{symbol.source_path} : {symbol.name}", symbol.new_module, symbol.dest_path)
        tables.print(symbols)

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
    tables.print(sites)

    if plan.new_init_files:
        tables.print("New __init__.py files: " + ", ".join(plan.new_init_files))
    if not symbols_only:
        shims = Table(title="Shims at old paths")
        shims.add_column("old path")
        shims.add_column("old name")
        shims.add_column("new name")
        for spec in plan.shims:
            shims.add_row(spec.old_path, spec.old_module or "(no dotted name)", spec.new_module)
        tables.print(shims)

    on_reexport = [(f.file, f.line, f.kind, f.message) for f in plan.kept if f.kind == "kept-on-reexport"]
    on_shim = [(f.file, f.line, f.kind, f.message) for f in plan.kept if f.kind != "kept-on-reexport"]
    _render_findings("Import sites left on the shim", on_shim, tables)
    _render_findings("Import sites left on the re-export in the old module", on_reexport, tables)
    _render_findings("Hazards", [(f.file, f.line, f.kind, f.message) for f in plan.hazards], tables)
    _render_findings(
        "Commands and references in non-Python files (kept working by the shims)",
        [(ref.file, ref.line, ref.kind, ref.text.strip()) for ref in plan.commands],
        tables,
    )
    if show_diff:
        patch = plan_patch(plan)
        if _out.is_terminal:
            _out.print(Syntax(patch, "diff", theme="ansi_dark", background_color="default", word_wrap=False))
        else:
            # Rich would crop lines wider than the console; a patch must keep every byte.
            sys.stdout.write(patch)


def plan_patch(plan: Plan) -> str:
    """Return everything `apply` commits for ``plan`` as one git-style patch.

    That is the renames, the rewritten files, the new modules of moved
    functions and classes, the new ``__init__.py`` files, the shims (mode
    100755 where the old file was executable) and the batch's shim manifest.
    So `git apply --index` of it on a clean checkout of the base gives the
    branch's tree, as long as it runs on the day of the plan, because each
    shim records its creation date.
    """
    changed = {change.path: change for change in plan.changes if change.changed}
    parts = []
    for move in plan.moves:
        if move.old_path not in changed:
            parts.append(
                f"diff --git a/{move.old_path} b/{move.new_path}\nsimilarity index 100%\n"
                f"rename from {move.old_path}\nrename to {move.new_path}\n"
            )
    for change in changed.values():
        header = f"diff --git a/{change.path} b/{change.new_path}\n"
        if change.created:
            header += f"new file mode {_REGULAR_MODE}\n"
        elif change.new_path != change.path:
            header += f"rename from {change.path}\nrename to {change.new_path}\n"
        parts.append(header + change.diff())
    for init in plan.new_init_files:
        parts.append(_new_file_patch(init, ""))
    # The shims come after the renames, because git creates a file at an old path only once the patch has moved it away.
    records = []
    for spec in plan.shims:
        text = render_shim(spec)
        parts.append(_new_file_patch(spec.old_path, text, executable=spec.executable))
        records.append(ShimRecord.from_spec(spec, text))
    if records:
        # NOTE: apply adds these records to the batch's manifest file of the base. The patch assumes that the
        # base has no such file, which is true because apply stops early for a batch that the base contains.
        parts.append(_new_file_patch(manifest_path(plan.batch), _manifest_text(records)))
    return "".join(parts)


_REGULAR_MODE = "100644"
_EXECUTABLE_MODE = "100755"


def _new_file_patch(path: str, text: str, *, executable: bool = False) -> str:
    """Return the patch that creates ``path`` with ``text``. An empty file gets the header alone, as git writes it."""
    mode = _EXECUTABLE_MODE if executable else _REGULAR_MODE
    body = FileChange(path, path, b"", text.encode("utf-8"), created=True).diff()
    return f"diff --git a/{path} b/{path}\nnew file mode {mode}\n{body}"


def _manifest_text(records: list[ShimRecord]) -> str:
    """Return the manifest file that `apply` writes for ``records``, byte for byte."""
    # save_manifest is the one writer of the manifest format, so the patch takes its output from a scratch file.
    with tempfile.TemporaryDirectory(prefix="codemod-manifest-") as folder:
        path = Path(folder) / "manifest.json"
        save_manifest(path, records)
        return path.read_text(encoding="utf-8")


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


def _render_findings(title: str, rows: list[tuple[str, int, str, str]], console: Optional[Console] = None) -> None:
    if not rows:
        return
    table = Table(title=f"{title} ({len(rows)})")
    table.add_column("file:line")
    table.add_column("kind")
    table.add_column("detail")
    for file, line, kind, message in rows:
        table.add_row(f"{file}:{line}" if line else file, kind, message)
    (console or _out).print(table)


# Apply and verify ------------------------------------------------------------


def render_apply(result: ApplyResult) -> None:
    if result.already_applied:
        if not result.branch.startswith("codemod/"):
            summary(f"batch {result.batch} is already merged into {result.branch} ({result.rewrite_commit[:10]}); nothing changed")
            return
        reason = f"; its base {result.base_ref} {result.base[:10]} has not moved" if result.base else ""
        summary(
            f"batch {result.batch} is already applied on branch {result.branch} ({result.rewrite_commit[:10]}){reason}; nothing changed"
        )
        return
    plan = result.plan
    verb = "rebuilt" if result.rebuilt else "created"
    _out.print(f"Branch {result.branch} {verb} from {result.base_ref} {result.base[:10]}:", markup=False, highlight=False)
    if result.base_reason:
        _out.print(f"  base: {result.base_reason}", markup=False, highlight=False)
    if result.rename_commit:
        _out.print(f"  {result.rename_commit[:10]} renames: {len(plan.moves)} files", markup=False, highlight=False)
    count = len(plan.symbol_moves)
    moved = f"{count} {'function or class' if count == 1 else 'functions and classes'} moved, " if count else ""
    shims = "" if not plan.moves else f"{len(plan.shims)} shims, "
    _out.print(
        f"  {result.rewrite_commit[:10]} rewrites: {moved}{plan.rewritten_sites} import sites, {plan.rewritten_strings} "
        f"strings, {shims}{len(plan.new_init_files)} new __init__.py files",
        markup=False,
        highlight=False,
    )


def verify_as_dict(report: VerifyReport) -> dict:
    """Return the verification as the JSON object that docs/json.md describes."""
    data = to_jsonable(report)
    data["ok"] = report.ok
    data["counts"] = {status: report.counts().get(status, 0) for status in ("passed", "failed", "pre-existing", "skipped")}
    return data


def render_verify(report: VerifyReport) -> None:
    table = Table(title=f"Verification of {report.branch} against {report.base[:10]}")
    table.add_column("check")
    table.add_column("subject")
    table.add_column("status")
    table.add_column("detail")
    colors = {"passed": "green", "failed": "red", "pre-existing": "yellow", "skipped": "dim"}
    for check in report.checks:
        table.add_row(check.kind, check.subject, Text(check.status, style=colors.get(check.status, "white")), check.detail)
    _out.print(table)


def optional_text(value: Optional[str]) -> str:
    return value or ""


def render_status(rows: list) -> None:
    table = Table(title="Batches")
    for column in ("batch", "state", "branch", "base", "commits", "tip", "moved", "symbols", "shims", "old names in use"):
        table.add_column(column)
    for row in rows:
        uses = "" if row.old_name_uses is None else str(row.old_name_uses)
        table.add_row(
            row.name,
            row.state,
            row.branch,
            row.base,
            str(row.commits or ""),
            row.tip,
            str(row.moved or ""),
            str(row.symbols or ""),
            str(row.shims or ""),
            uses,
        )
    _out.print(table)


# Check -----------------------------------------------------------------------


def render_shim_uses(result: CheckReport) -> None:
    """Print one line per use of a shimmed name, as compilers print errors: ``file:line: message``."""
    for use in result.uses:
        written = f"`{use.old_name}`" if use.kind == "import" else f"{use.kind}({use.old_name!r})"
        _out.print(
            f"{use.file}:{use.line}: {written} reaches the shim {use.shim}; use {use.new_name}",
            markup=False,
            highlight=False,
        )


# Shims and prune -------------------------------------------------------------


def print_text(text: str) -> None:
    """Write ``text`` to stdout as it is, for output meant to be pasted into a file (TOML)."""
    sys.stdout.write(text)


def render_shim_usage(usage: Any, *, locations: int = 20) -> None:
    """Print one row per shim with its counts of remaining uses, then where each use is."""
    table = Table(title=f"Shims and their remaining uses ({usage.source})")
    for column in ("old path", "old name", "new name", "remove after", "imports", "strings", "commands", "docs"):
        table.add_column(column, justify="right" if column in ("imports", "strings", "commands", "docs") else "left")
    for item in usage.shims:
        record = item.record
        table.add_row(
            record.old_path,
            record.old_module or "(no dotted name)",
            record.new_module,
            record.remove_after,
            str(item.count("import")),
            str(item.count("string")),
            str(item.count("command")),
            str(item.count("doc")),
        )
    _out.print(table)
    for item in usage.shims:
        if not item.uses:
            continue
        listing = Table(title=f"Uses of {item.record.old_path} (first {min(locations, len(item.uses))} of {len(item.uses)})")
        listing.add_column("file:line")
        listing.add_column("kind")
        listing.add_column("text")
        listing.add_column("detail")
        for use in item.uses[:locations]:
            listing.add_row(f"{use.file}:{use.line}", use.kind, use.text, use.detail)
        _out.print(listing)


def render_pickle_report(result: Any) -> None:
    """Print each global in a stored pickle that names an old module or __main__."""
    if result.findings:
        table = Table(title=f"Pickles under {result.folder} that name old modules")
        for column in ("file", "module", "global", "status", "loads as", "protocol"):
            table.add_column(column)
        for finding in result.findings:
            table.add_row(finding.file, finding.module, finding.name, finding.status, finding.new_module, str(finding.protocol))
        _out.print(table)
    for scan in result.pickles:
        if scan.error:
            note(f"{scan.path}: {scan.error}")


def render_usage_log(summaries: list) -> None:
    """Print the usage log counted per old path."""
    table = Table(title="Shim uses recorded in the usage log")
    for column in ("old path", "new name", "imports", "runs", "names", "importers", "commands", "last seen"):
        table.add_column(column)
    for item in summaries:
        table.add_row(
            item.old_path,
            item.new,
            str(item.imports),
            str(item.runs),
            "\n".join(item.names),
            "\n".join(item.importers[:5]) + (f"\n… {len(item.importers) - 5} more" if len(item.importers) > 5 else ""),
            "\n".join(item.commands[:5]) + (f"\n… {len(item.commands) - 5} more" if len(item.commands) > 5 else ""),
            item.last_seen,
        )
    _out.print(table)


def render_prune(result: Any) -> None:
    """Print what prune removed and committed, and each shim it kept with the reason."""
    if result.branch:
        _out.print(f"Branch {result.branch} created from {result.base[:10]}:", markup=False, highlight=False)
        if result.rewrite_commit:
            _out.print(f"  {result.rewrite_commit[:10]} rewrites: {result.rewritten} uses of old names", markup=False, highlight=False)
        if result.prune_commit:
            _out.print(f"  {result.prune_commit[:10]} removes: {len(result.removed)} shims", markup=False, highlight=False)
    if result.removed:
        table = Table(title=f"Shims removed ({len(result.removed)})")
        table.add_column("old path")
        table.add_column("new name")
        for record in result.removed:
            table.add_row(record.old_path, record.new_module)
        _out.print(table)
    _render_findings(
        "Shims kept",
        [(item.record.old_path, 0, "kept", item.reason) for item in result.kept],
    )
    _render_findings(
        "Uses of old names left as they are",
        [(item.file, item.line, "straggler", item.reason) for item in result.stragglers],
    )
    _render_findings(
        "Docs that still mention a removed path",
        [(use.file, use.line, use.kind, use.text) for use in result.stale_docs],
    )
