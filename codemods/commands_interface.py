"""Commands of the `codemod` CLI that belong to the interface area: `check` and `report`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from codemods import report
from codemods.exitcodes import ExitCode

if TYPE_CHECKING:
    from codemods.check import CheckReport


def register(group: click.Group) -> None:
    """Add this module's commands to the `codemod` group."""
    # Imported here because codemods.cli imports this module while it is still loading.
    from codemods.cli import _handle_errors

    @group.command("check")
    @click.argument("paths", nargs=-1, type=click.Path(dir_okay=False))
    @click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON on stdout.")
    @click.pass_obj
    @_handle_errors
    def check(state: Any, paths: tuple[str, ...], as_json: bool) -> None:
        """Fail when code imports or patches an old, shimmed name; list file:line and the new name.

        With PATHS (relative to the current folder, or absolute), only those
        files are scanned; without, every Python file of the repository.
        """
        run_check(state.root, paths, as_json=as_json)

    @group.command("report")
    @click.option(
        "--html",
        "html_path",
        required=True,
        type=click.Path(dir_okay=False, path_type=Path),
        help="Write the report to this HTML file (one page, no external resources).",
    )
    @click.pass_obj
    @_handle_errors
    def html_report(state: Any, html_path: Path) -> None:
        """Write one HTML page: inventory, import graph, each batch's moves and hazards, shim usage."""
        write_html_report(state.root, html_path)


def run_check(root: Path, paths: tuple[str, ...], *, as_json: bool) -> None:
    """Print the uses of shimmed names in ``paths`` (or every file) and exit 1 when there are any."""
    from codemods.check import check_shim_uses

    with report.progress("scanning") as progress:
        result = check_shim_uses(root, paths, progress=progress)
    for skipped in result.skipped:
        report.note(f"{skipped.path}: {skipped.reason}; skipped")
    if as_json:
        report.print_json(result)
    else:
        report.render_shim_uses(result)
        for use in result.kept:
            report.note(f"{use.file}:{use.line}: `{use.old_name}` stays on the shim {use.shim}: {use.reason}")
    report.summary(_check_summary(result))
    if not result.ok:
        sys.exit(ExitCode.FINDINGS)


def _check_summary(result: CheckReport) -> str:
    if not result.shims:
        return "check: no shims in .codemod/shims/*.json or .codemod/shims.json, nothing to check"
    kept = f"; {len(result.kept)} left on shims where the new names cannot work" if result.kept else ""
    if not result.uses:
        return f"check: {result.files} files scanned, none reaches one of the {result.shims} shims{kept}"
    files = len({use.file for use in result.uses})
    return (
        f"check: {len(result.uses)} place(s) in {files} file(s) reach shimmed names ({result.files} files scanned); "
        f"import the new names instead{kept}"
    )


def write_html_report(root: Path, html_path: Path) -> None:
    """Collect the report of the repository at ``root`` and write it to ``html_path``."""
    from codemods.html_report import collect_report, render_report

    with report.progress("scanning") as progress:
        data = collect_report(root, progress=progress)
    html_path.write_text(render_report(data), encoding="utf-8")
    report.summary(
        f"report: {len(data.inventory.files)} files, {len(data.batches)} batches, "
        f"{len(data.shim_uses.uses)} uses of shims; open {_file_url(html_path)}"
    )


def _file_url(path: Path) -> str:
    return path.resolve().as_uri()
