"""One self-contained HTML page about a repository: inventory, import graph, batches, shim use.

`codemod report --html FILE` writes it. The page loads nothing, so it opens
from disk in any browser without a server. Its styles are inline. The import
graph page that ``inventory.graph_html`` draws is embedded through an
``<iframe srcdoc>``, which keeps that page's script and styles apart from
this one.
"""

from __future__ import annotations

import datetime
import html
import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from codemods.check import CheckReport, check_shim_uses
from codemods.config import Config, load_config
from codemods.errors import CodemodError, ConfigError
from codemods.plan import Finding, Plan, plan_batch
from codemods.status import MERGED, PRUNED, batch_statuses
from codemods.workspace import file_reader, scan_target
from inventory import build_graph
from inventory.graph_html import render_html as render_graph_page
from inventory.model import Inventory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchSection:
    """One configured batch: its state, and its plan or the error that stopped planning it."""

    name: str
    plan: Optional[Plan]
    error: str = ""
    state: str = ""  # as `codemod status` shows it; "" when it could not be read


@dataclass(frozen=True)
class ReportData:
    """Everything the page shows, collected before any HTML is written."""

    title: str
    generated: str  # ISO date and time, UTC
    inventory: Inventory
    graph_page: str  # a whole HTML page with the import graph
    batches: tuple[BatchSection, ...]
    shim_uses: CheckReport
    config_error: str = ""  # why the configuration could not be read; "" when it was read


def collect_report(root: Path, *, progress: Optional[Callable[[int, int], None]] = None) -> ReportData:
    """Scan the repository at ``root``, plan each configured batch and find uses of shims."""
    root = root.resolve()
    config, config_error = _read_config(root)
    inventory = scan_target(root, config, progress=progress)
    graph_page = render_graph_page(build_graph(inventory), title=f"Import graph of {root.name}")
    batches = tuple(_plan_each(config, inventory, root)) if config else ()
    return ReportData(
        title=f"codemod report: {root.name}",
        generated=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        inventory=inventory,
        graph_page=graph_page,
        batches=batches,
        shim_uses=check_shim_uses(root),
        config_error=config_error,
    )


def _read_config(root: Path) -> tuple[Optional[Config], str]:
    try:
        return load_config(root), ""
    except ConfigError as error:
        logger.info("no batches in the report: %s", error)
        return None, str(error)


def _plan_each(config: Config, inventory: Inventory, root: Path) -> Iterable[BatchSection]:
    read = file_reader(root)
    states = _batch_states(root)
    for batch in config.batches:
        state = states.get(batch.name, "")
        if state in (MERGED, PRUNED):
            yield BatchSection(batch.name, None, state=state)
            continue
        try:
            yield BatchSection(batch.name, plan_batch(config, batch.name, inventory, read), state=state)
        except CodemodError as error:
            # One batch that cannot be planned (a protected file, a bad target) must not hide the others.
            yield BatchSection(batch.name, None, str(error), state=state)


def _batch_states(root: Path) -> dict[str, str]:
    try:
        return {row.name: row.state for row in batch_statuses(root, count_uses=False)}
    except CodemodError as error:
        logger.info("batch states unknown: %s", error)
        return {}


# Rendering -------------------------------------------------------------------


def render_report(data: ReportData) -> str:
    """Return the whole page for ``data``."""
    sections = [
        _inventory_section(data.inventory),
        _graph_section(data.graph_page),
        _batches_section(data.batches, data.config_error),
        _shim_use_section(data.shim_uses),
    ]
    return _PAGE.format(
        title=_text(data.title),
        generated=_text(data.generated),
        root=_text(data.inventory.root),
        navigation=_navigation(data.batches),
        sections="\n".join(sections),
    )


def _navigation(batches: Sequence[BatchSection]) -> str:
    links = [("inventory", "Inventory"), ("graph", "Import graph"), ("batches", "Batches"), ("shim-usage", "Shim usage")]
    links += [(_batch_id(batch.name), f"batch {batch.name}") for batch in batches]
    return " · ".join(f'<a href="#{_text(anchor)}">{_text(label)}</a>' for anchor, label in links)


def _inventory_section(inventory: Inventory) -> str:
    statuses = Counter(item.resolution.status for item in inventory.imports)
    hazards = Counter(hazard.kind for facts in inventory.files for hazard in facts.hazards)
    edits = [edit for facts in inventory.files for edit in facts.path_edits]
    rows = [
        ("Python files", len(inventory.files)),
        ("files that do not parse", sum(1 for facts in inventory.files if facts.parse_error)),
        ("entry points (__main__ block)", sum(1 for facts in inventory.files if facts.is_entry_point)),
        ("import sites", len(inventory.imports)),
        *((f"import sites: {status}", statuses.get(status, 0)) for status in ("local", "stdlib", "external", "unresolved")),
        ("sys.path edits", len(edits)),
        ("sys.path edits evaluated", sum(1 for edit in edits if edit.target is not None)),
        ("references from non-Python files", len(inventory.references)),
        ("references that start Python", sum(1 for reference in inventory.references if reference.starts_python)),
        *((f"hazard: {kind}", count) for kind, count in sorted(hazards.items())),
    ]
    table = _table(("what", "count"), [(label, str(count)) for label, count in rows], numeric_last=True)
    return _section("inventory", "Inventory", table)


def _graph_section(graph_page: str) -> str:
    frame = (
        '<iframe class="graph" title="Import graph" sandbox="allow-scripts" '
        f'srcdoc="{html.escape(graph_page, quote=True)}"></iframe>'
    )
    note = "<p>Each box is a folder and each dot a file; the drawing scrolls inside its frame.</p>"
    return _section("graph", "Import graph", note + frame)


def _batches_section(batches: Sequence[BatchSection], config_error: str) -> str:
    if config_error:
        body = f'<p class="error">The configuration cannot be read: {_text(config_error)}</p>'
        return _section("batches", "Batches", body)
    if not batches:
        body = "<p>No batches are configured; add [[batch]] tables to codemod.toml.</p>"
        return _section("batches", "Batches", body)
    summary_rows = [_batch_summary_row(batch) for batch in batches]
    headers = (
        "batch", "state", "files moved", "functions and classes moved", "import sites rewritten", "shims",
        "sites left on shims", "hazards",
    )  # fmt: skip
    summary = _table(headers, summary_rows)
    return _section("batches", "Batches", summary) + "\n" + "\n".join(_batch_section(batch) for batch in batches)


def _batch_summary_row(batch: BatchSection) -> tuple[str, ...]:
    if batch.plan is None:
        return (batch.name, batch.state, "cannot be planned" if batch.error else "", "", "", "", "", "")
    plan = batch.plan
    counts = (
        len(plan.moves), len(plan.symbol_moves), plan.rewritten_sites, len(plan.shims), len(plan.kept), len(plan.hazards),
    )  # fmt: skip
    return (batch.name, batch.state, *(str(count) for count in counts))


def _batch_section(batch: BatchSection) -> str:
    anchor, title = _batch_id(batch.name), f"Batch {batch.name}"
    if batch.plan is None and batch.error:
        return _section(anchor, title, f'<p class="error">{_text(batch.error)}</p>', level=3)
    if batch.plan is None:
        message = f"The batch is {batch.state} in this checkout; the code that still reaches its shims is listed under Shim usage."
        return _section(anchor, title, f"<p>{_text(message)}</p>", level=3)
    plan = batch.plan
    moves = _table(
        ("old path", "new module", "entry point"),
        [(move.old_path, move.new_module, "yes" if move.is_entry_point else "") for move in plan.moves],
    )
    symbols = _table(
        ("moves", "new module", "new file"),
        [(symbol.rule, symbol.new_module, symbol.dest_path) for symbol in plan.symbol_moves],
        empty="None.",
    )
    parts = [
        "<h4>Moves</h4>",
        moves,
        "<h4>Functions and classes moved</h4>",
        symbols,
        "<h4>Hazards</h4>",
        _findings_table(plan.hazards, "No hazards."),
        "<h4>Import sites left on the shims</h4>",
        _findings_table(plan.kept, "None: every import site is rewritten."),
        "<h4>Non-Python files that start or name a moved file</h4>",
        _table(
            ("file:line", "kind", "text"),
            [(f"{reference.file}:{reference.line}", reference.kind, reference.text.strip()) for reference in plan.commands],
            empty="None.",
        ),
    ]
    return _section(_batch_id(batch.name), f"Batch {batch.name}", "\n".join(parts), level=3)


def _findings_table(findings: Sequence[Finding], empty: str) -> str:
    rows = [(f"{finding.file}:{finding.line}" if finding.line else finding.file, finding.kind, finding.message) for finding in findings]
    return _table(("file:line", "kind", "detail"), rows, empty=empty)


def _shim_use_section(result: CheckReport) -> str:
    if not result.shims:
        body = "<p>No shims yet: this checkout has no shim manifest (.codemod/shims/*.json, or .codemod/shims.json of earlier versions) that lists one.</p>"
    else:
        counts = f"<p>Places in the code that still reach one of the {result.shims} shims: {len(result.uses)}, in {result.files} Python files scanned.</p>"
        rows = [(f"{use.file}:{use.line}", use.kind, use.old_name, use.new_name, use.shim) for use in result.uses]
        body = counts + _table(("file:line", "kind", "old name", "use instead", "shim"), rows, empty="Nothing reaches a shim.")
        if result.kept:
            kept_rows = [(f"{use.file}:{use.line}", use.kind, use.old_name, use.shim, use.reason) for use in result.kept]
            body += "<h3>Left on the shims, because the new names would not work there</h3>" + _table(
                ("file:line", "kind", "old name", "shim", "why"), kept_rows
            )
    return _section("shim-usage", "Shim usage", body)


# HTML helpers ----------------------------------------------------------------


def _text(value: str) -> str:
    return html.escape(value, quote=True)


def _batch_id(name: str) -> str:
    return "batch-" + name


def _section(anchor: str, title: str, body: str, *, level: int = 2) -> str:
    return f'<section id="{_text(anchor)}">\n<h{level}>{_text(title)}</h{level}>\n{body}\n</section>'


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, empty: str = "", numeric_last: bool = False) -> str:
    if not rows and empty:
        return f"<p>{_text(empty)}</p>"
    head = "".join(f"<th>{_text(header)}</th>" for header in headers)
    body_rows = []
    for row in rows:
        cells = [f"<td>{_text(cell)}</td>" for cell in row]
        if numeric_last:
            cells[-1] = f'<td class="number">{_text(row[-1])}</td>'
        body_rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body_rows)}</tbody></table>"


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1400px; padding: 1rem 2rem; color: #1b1f24; }}
header p, nav {{ color: #57606a; }}
nav a {{ color: #0969da; text-decoration: none; }}
table {{ border-collapse: collapse; margin: 0.5rem 0 1rem; font-size: 0.9rem; }}
th, td {{ border: 1px solid #d0d7de; padding: 0.25rem 0.6rem; text-align: left; vertical-align: top; }}
th {{ background: #f6f8fa; }}
td.number {{ text-align: right; font-variant-numeric: tabular-nums; }}
td {{ font-family: ui-monospace, monospace; overflow-wrap: anywhere; }}
section {{ margin-bottom: 2rem; }}
iframe.graph {{ width: 100%; height: 720px; border: 1px solid #d0d7de; }}
.error {{ color: #cf222e; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<p>Repository {root}, generated {generated}.</p>
<nav>{navigation}</nav>
</header>
{sections}
</body>
</html>
"""
