"""Commands of the `codemod` CLI that belong to the shims area: `shims` and `prune`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Optional

import click

from codemods import report
from codemods.exitcodes import ExitCode

if TYPE_CHECKING:
    from codemods.shim_usage import PytestConfigFile

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def register(group: click.Group) -> None:
    """Add this module's commands to the `codemod` group."""
    # Imported here because codemods.cli imports this module while it initializes.
    from codemods.cli import _handle_errors

    group.add_command(_shims_command(_handle_errors))
    group.add_command(_prune_command(_handle_errors))


def _shims_command(handle_errors: Decorator) -> click.Command:
    @click.command("shims")
    @click.option("--batch", help="Read the branch codemod/BATCH and list only that batch's shims (default: this checkout, every shim).")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
    @click.option("--ruff", "ruff_table", is_flag=True, help="Print ruff's banned-api table that reports every import of an old name.")
    @click.option("--pytest", "pytest_setting", is_flag=True, help="Print the pytest filterwarnings setting that turns shim import warnings into errors, for the file pytest reads in the repository root.")
    @click.option(
        "--scan-pickles",
        "pickle_folder",
        type=click.Path(exists=True, path_type=Path),
        help="Read every file under this folder and list stored pickles that name old modules or __main__; nothing is unpickled.",
    )
    @click.option(
        "--usage-log",
        "usage_log",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Count the uses recorded in this log, written by shims run with CODEMOD_SHIM_LOG set.",
    )
    @click.pass_obj
    @handle_errors
    def shims(
        state: Any,
        batch: Optional[str],
        as_json: bool,
        ruff_table: bool,
        pytest_setting: bool,
        pickle_folder: Optional[Path],
        usage_log: Optional[Path],
    ) -> None:
        """List what still uses each shim's old name: imports, strings and commands."""
        if ruff_table or pytest_setting:
            _print_settings(state.root, batch, ruff_table, pytest_setting)
        elif pickle_folder is not None:
            _report_pickles(state.root, batch, pickle_folder, as_json)
        elif usage_log is not None:
            _report_usage_log(usage_log, as_json)
        else:
            _report_uses(state.root, batch, as_json)

    return shims


def _print_settings(root: Path, batch: Optional[str], ruff_table: bool, pytest_setting: bool) -> None:
    from codemods.shim_usage import (
        banned_names,
        find_pytest_config,
        pytest_filterwarnings,
        ruff_banned_api,
        scan_checkout,
        shim_records,
    )

    records = shim_records(root, batch=batch)
    if not records:
        report.note("the shim manifests list no shims; there is nothing to ban")
        return
    parts = []
    if ruff_table:
        with report.progress("scanning"):
            inventory = scan_checkout(root, batch=batch)
        names, left_out = banned_names(records, inventory)
        parts.append(ruff_banned_api(records, names))
        if left_out:
            report.note(
                "not banned, because ruff would also report the imports of other modules that use the same name: "
                + "; ".join(left_out)
            )
    if pytest_setting:
        config = find_pytest_config(root)
        parts.append(pytest_filterwarnings(records, config))
        report.note(pytest_target_note(config))
        if config.disables_warnings:
            report.warning(pytest_plugin_warning(config))
    report.print_text("\n".join(parts))


def pytest_target_note(config: PytestConfigFile) -> str:
    """Say which file the printed pytest setting is for and how to add it there."""
    where = f"[{config.section}]"
    if not config.exists:
        return f"no file in the repository root configures pytest; save the {where} setting below as {config.path} there"
    if not config.has_section:
        return f"pytest reads its settings from {config.path}; add the {where} section below to it"
    if config.has_filterwarnings:
        return (
            f"pytest reads its settings from {config.path}, whose {where} already sets filterwarnings; "
            "add the lines below to that setting instead of adding a second filterwarnings"
        )
    return f"pytest reads its settings from {config.path}; add the filterwarnings setting below to its {where} section"


def pytest_plugin_warning(config: PytestConfigFile) -> str:
    """Say that the configuration turns off pytest's warnings plugin, which makes filterwarnings do nothing, and what to change."""
    return (
        f"{config.path} sets `-p no:warnings` in the addopts of its [{config.section}] section, which turns off "
        "pytest's warnings plugin, so pytest ignores every filterwarnings setting and the one below has no effect. "
        "Remove `-p no:warnings` from addopts; to keep other warnings out of the test report, put `ignore` as the "
        "first filterwarnings entry, before the lines below (pytest applies the last entry that matches a warning)."
    )


def _report_uses(root: Path, batch: Optional[str], as_json: bool) -> None:
    from codemods.shim_usage import shim_usage

    with report.progress("scanning"):
        usage = shim_usage(root, batch=batch)
    if as_json:
        report.print_json(usage)
    elif usage.shims:
        report.render_shim_usage(usage)
    if not usage.shims:
        report.note(f"the shim manifests (.codemod/shims/*.json, .codemod/shims.json) list no shims ({usage.source})")
        return
    in_use = [item for item in usage.shims if item.in_use]
    counts = {kind: sum(item.count(kind) for item in usage.shims) for kind in ("import", "string", "command", "doc")}
    report.summary(
        f"{len(usage.shims)} shims: {len(in_use)} still used ({counts['import']} import sites, {counts['string']} strings, "
        f"{counts['command']} commands in other files), {len(usage.shims) - len(in_use)} unused; "
        f"{counts['doc']} mentions in docs"
    )


def _report_pickles(root: Path, batch: Optional[str], folder: Path, as_json: bool) -> None:
    from codemods.shim_usage import NOT_RESCUABLE, scan_pickles, shim_records

    result = scan_pickles(folder, shim_records(root, batch=batch))
    if as_json:
        report.print_json(result)
    else:
        report.render_pickle_report(result)
    lost = sum(1 for finding in result.findings if finding.status == NOT_RESCUABLE)
    report.summary(
        f"{result.files_read} files read, {len(result.pickles)} pickles, {len(result.findings)} globals naming old "
        f"modules or __main__ ({lost} not rescuable)"
    )
    if result.findings:
        sys.exit(ExitCode.FINDINGS)


def _report_usage_log(path: Path, as_json: bool) -> None:
    from shimgen.usage_log import read_usage_log, summarize_usage

    events = read_usage_log(path)
    summaries = summarize_usage(events)
    if as_json:
        report.print_json(summaries)
    else:
        report.render_usage_log(summaries)
    report.summary(f"{len(events)} uses of {len(summaries)} shims in {path}")


def _prune_command(handle_errors: Decorator) -> click.Command:
    @click.command("prune")
    @click.option("--batch", help="Prune only this batch's shims, on branch codemod/prune-BATCH (default: every shim, on codemod/prune-DATE).")
    @click.option(
        "--rewrite-stragglers",
        is_flag=True,
        help="First rewrite the import sites and mock.patch-like strings in Python files that still use old names.",
    )
    @click.option("--before-due", is_flag=True, help="Also remove unused shims whose remove-after date has not passed.")
    @click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
    @click.pass_obj
    @handle_errors
    def prune(state: Any, batch: Optional[str], rewrite_stragglers: bool, before_due: bool, as_json: bool) -> None:
        """Delete unused, untouched shims on a new branch; your checkout stays as it is."""
        from codemods.prune import prune_shims

        with report.progress("pruning"):
            result = prune_shims(state.root, batch=batch, rewrite_stragglers=rewrite_stragglers, before_due=before_due)
        if as_json:
            report.print_json(result)
        else:
            report.render_prune(result)
        if result.branch:
            report.summary(
                f"removed {len(result.removed)} shims on {result.branch}, kept {len(result.kept)}; review with "
                f"`git log --stat {result.branch}` and merge it"
            )
        else:
            report.summary(f"nothing to prune: kept all {len(result.kept)} shims; no branch created")

    return prune
