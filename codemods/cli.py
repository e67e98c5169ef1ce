"""The `codemod` command line: thin click commands over the Python API."""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Optional

import click

from codemods import __version__, report
from codemods.commands_analysis import check_graph_path
from codemods.errors import CodemodError
from codemods.exitcodes import ExitCode
from shimgen.manifest import ManifestError

logger = logging.getLogger(__name__)


class _State:
    def __init__(self, root: Path, debug: bool) -> None:
        self.root = root
        self.debug = debug


def _handle_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn known errors into a message and an exit code; --debug shows the traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        state: Optional[_State] = click.get_current_context().find_object(_State)
        try:
            return command(*args, **kwargs)
        except CodemodError as error:
            if state is not None and state.debug:
                raise
            report.error(str(error))
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            report.error(
                "interrupted; your branches and files are unchanged (the next codemod command removes "
                "any temporary worktree this run left behind)"
            )
            sys.exit(ExitCode.INTERRUPTED)
        except (click.ClickException, click.exceptions.Exit, click.exceptions.Abort):
            raise
        except ManifestError as error:
            # shimgen cannot raise CodemodError; its message already names the file and the fix.
            if state is not None and state.debug:
                raise
            report.error(str(error))
            sys.exit(ExitCode.FAILURE)
        except OSError as error:
            if state is not None and state.debug:
                raise
            report.error(f"{error}; check that the file exists and is readable and that the disk has space.")
            sys.exit(ExitCode.FAILURE)
        except Exception as error:
            # Anything else is a bug; exit code 1 would read as "findings", so exit with its own code.
            if state is not None and state.debug:
                raise
            logger.debug("unexpected error", exc_info=True)
            report.error(
                f"unexpected {type(error).__name__}: {error}; this is a bug in codemod. "
                "Run the command again with --debug for the traceback and report it."
            )
            sys.exit(ExitCode.INTERNAL_ERROR)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Folder of the target repository.",
)
@click.option("--no-color", is_flag=True, help="Plain output without colors or styles.")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(__version__, prog_name="codemod")
@click.pass_context
def main(context: click.Context, root: Path, no_color: bool, debug: bool) -> None:
    """Move a legacy Python codebase into one package, batch by batch, with shims."""
    report.configure(color=not no_color and sys.stdout.isatty())
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    context.obj = _State(root=_repository_root(root), debug=debug)


def _repository_root(folder: Path) -> Path:
    """Return the top of the git work tree around ``folder``, so commands work from any subfolder."""
    from codemods.gitops import find_toplevel

    resolved = folder.resolve()
    return find_toplevel(resolved) or resolved


@main.command()
@click.option("--json", "json_path", type=click.Path(dir_okay=False, allow_dash=True), help="Write the whole inventory as JSON to this file ('-' for stdout).")
@click.option("--no-cache", is_flag=True, help="Parse every file again instead of reusing .codemod/cache.sqlite.")
@click.option(
    "--graph",
    "graph_path",
    type=click.Path(dir_okay=False, path_type=Path),
    callback=lambda context, parameter, value: check_graph_path(value),
    help="Write the import graph to this file: Graphviz DOT when it ends in .dot, a page to open in a browser when it ends in .html.",
)
@click.option("--module", "module_path", metavar="PATH", help="List every name under which the file at PATH (repository-relative) is imported, with file:line sites.")
@click.pass_obj
@_handle_errors
def inventory(state: _State, json_path: Optional[str], no_cache: bool, graph_path: Optional[Path], module_path: Optional[str]) -> None:
    """Scan every Python file, resolve its imports and list references and hazards."""
    from codemods.commands_analysis import render_graph_file
    from codemods.config import load_config
    from codemods.errors import ConfigError
    from codemods.workspace import scan_target

    try:
        config = load_config(state.root)
    except ConfigError:
        config = None
    started = time.perf_counter()
    with report.progress("scanning") as progress:
        result = scan_target(state.root, config, use_cache=not no_cache, progress=progress)
    elapsed = time.perf_counter() - started

    if json_path:
        _write_json(json_path, report.inventory_as_dict(result))
    if graph_path:
        graph_path.write_text(render_graph_file(result, graph_path), encoding="utf-8")
    if module_path:
        from inventory.names import spellings_of

        report.render_spellings(module_path, spellings_of(result, module_path))
    elif json_path != "-":
        report.render_inventory(result)
    unresolved = sum(1 for item in result.imports if item.resolution.status == "unresolved")
    report.summary(
        f"{len(result.files)} Python files, {len(result.imports)} import sites, {unresolved} unresolved, "
        f"{len(result.references)} references from other files, in {elapsed:.2f} s"
    )


@main.command()
@click.option("--batch", "batch", help="Name of the batch in [tool.codemod] to preview (required unless --suggest is given).")
@click.option("--diff", "show_diff", is_flag=True, help="Print the plan as a patch on stdout (renames, rewrites, new files, shims and manifest) that `git apply` accepts; the tables go to stderr.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON on stdout.")
@click.option("--suggest", is_flag=True, help="Propose batches from the import graph, one per folder in dependency order, as a codemod.toml.")
@click.option("--output", "output_path", type=click.Path(dir_okay=False, path_type=Path), help="With --suggest: write the proposed codemod.toml to this new file instead of stdout.")
@click.option("--rewrite-commands", is_flag=True, help="Also rewrite `python old/path.py` in shell, cron, systemd, Docker, Make and CI files to `python -m new.module` (the shims keep old commands working without it).")
@click.option("--rewrite-docs", is_flag=True, help="Also rewrite old dotted names and paths in comments, docstrings and Markdown files.")
@click.pass_obj
@_handle_errors
def plan(
    state: _State,
    batch: Optional[str],
    show_diff: bool,
    as_json: bool,
    suggest: bool,
    output_path: Optional[Path],
    rewrite_commands: bool,
    rewrite_docs: bool,
) -> None:
    """Preview a batch: moves, rewritten import sites, shims and hazards."""
    if suggest:
        if batch or show_diff or as_json:
            raise click.UsageError("--suggest writes a codemod.toml; it takes no --batch, --diff or --json")
        from codemods.commands_analysis import suggest_plan

        suggest_plan(state.root, output_path)
        return
    if batch is None:
        raise click.UsageError("pass --batch NAME to preview a batch, or --suggest to propose batches")
    from codemods.apply import plan_with_base
    from codemods.model import RewriteOptions

    options = RewriteOptions(commands=rewrite_commands, docs=rewrite_docs)
    with report.progress("scanning") as progress:
        result, base = plan_with_base(state.root, batch, progress=progress, options=options, warn=report.warning)

    if as_json:
        report.print_json({**report.plan_as_dict(result, with_diff=show_diff), "base": base.ref, "base_commit": base.commit, "base_reason": base.reason})
    else:
        report.render_plan(result, show_diff=show_diff)
    report.note(f"base: {base.ref}{' ' + base.commit[:10] if base.commit else ''}, because {base.reason}")
    stats = result.stats
    moving = [f"{stats['moves']} files move"] if result.moves or not result.symbol_moves else []
    if result.symbol_moves:
        moving.append(f"{stats['symbols_moved']} functions and classes move")
    shims = f"{stats['shims']} shims, " if result.moves else ""
    report.summary(
        f"batch {batch}: {', '.join(moving)}, {stats['sites_rewritten']} import sites and "
        f"{stats['strings_rewritten']} strings rewritten in {stats['files_changed']} files, {stats['sites_kept']} sites left "
        f"on {'shims' if result.moves else 're-exports'}, {shims}{stats['hazards']} hazards"
    )


@main.command()
@click.option("--batch", "batch", required=True, help="Name of the batch to apply.")
@click.option("--rewrite-commands", is_flag=True, help="Also rewrite `python old/path.py` in shell, cron, systemd, Docker, Make and CI files to `python -m new.module` (the shims keep old commands working without it).")
@click.option("--rewrite-docs", is_flag=True, help="Also rewrite old dotted names and paths in comments, docstrings and Markdown files.")
@click.option("--rebuild", is_flag=True, help="Build an applied batch again when its base moved on (rejected if its branch has commits codemod did not make).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.pass_obj
@_handle_errors
def apply(state: _State, batch: str, rebuild: bool, rewrite_commands: bool, rewrite_docs: bool, as_json: bool) -> None:
    """Commit a batch on branch codemod/BATCH; your checkout stays as it is."""
    from codemods.apply import apply_batch
    from codemods.model import RewriteOptions

    options = RewriteOptions(commands=rewrite_commands, docs=rewrite_docs)
    with report.progress("applying") as progress:
        result = apply_batch(state.root, batch, rebuild=rebuild, progress=progress, options=options, warn=report.warning)
    if as_json:
        report.print_json(
            {
                "batch": result.batch,
                "branch": result.branch,
                "base": result.base,
                "rename_commit": result.rename_commit,
                "rewrite_commit": result.rewrite_commit,
                "already_applied": result.already_applied,
                "rebuilt": result.rebuilt,
                "base_ref": result.base_ref,
                "base_reason": result.base_reason,
                "cleaned": result.cleaned,
                "stats": result.plan.stats,
            }
        )
    else:
        report.render_apply(result)
    if not result.already_applied:
        report.summary(
            f"{'rebuilt' if result.rebuilt else 'applied'} {batch} on {result.branch}; review with `git log --stat {result.branch}` and "
            f"check with `codemod verify --batch {batch}`"
        )


@main.command()
@click.option("--batch", "batch", required=True, help="Name of the applied batch to check.")
@click.option("--no-entry-points", is_flag=True, help="Skip running moved entry points by their old paths.")
@click.option("--allow-network", is_flag=True, help="Run checks with network access (by default each runs under `unshare -n` when available).")
@click.option("--python", "python", help="Interpreter for the checks (default: the one running codemod).")
@click.option("--timeout", type=float, default=60.0, show_default=True, help="Seconds each check may run.")
@click.option(
    "--tests",
    "tests_command",
    metavar="CMD",
    help="The repository's test command, run on the base and on the branch and compared test by test. "
    "pytest commands (pytest, or any Python interpreter path followed by -m pytest) get --junitxml added; "
    "other commands must contain {junit} where the JUnit XML path goes.",
)
@click.option("--tests-timeout", type=float, default=1800.0, show_default=True, help="Seconds each run of the --tests command may take.")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON on stdout.")
@click.pass_obj
@_handle_errors
def verify(
    state: _State,
    batch: str,
    no_entry_points: bool,
    allow_network: bool,
    python: Optional[str],
    timeout: float,
    tests_command: Optional[str],
    tests_timeout: float,
    as_json: bool,
) -> None:
    """Prove that old and new imports both work and moved scripts still run; with --tests, that tests still pass."""
    from codemods.verify import verify_batch

    with report.progress("verifying") as progress:
        result = verify_batch(
            state.root,
            batch,
            python=python,
            isolate_network=not allow_network,
            run_entry_points=not no_entry_points,
            timeout=timeout,
            tests_command=tests_command,
            tests_timeout=tests_timeout,
            progress=progress,
        )
    if as_json:
        report.print_json(report.verify_as_dict(result))
    else:
        report.render_verify(result)
    counts = result.counts()
    report.summary(
        f"verify {batch}: {counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed, "
        f"{counts.get('pre-existing', 0)} pre-existing, {counts.get('skipped', 0)} skipped"
    )
    if not result.ok:
        sys.exit(ExitCode.FINDINGS)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print the batches as JSON on stdout.")
@click.pass_obj
@_handle_errors
def status(state: _State, as_json: bool) -> None:
    """List each batch: state, base, commits, files moved, shims and old names still in use."""
    from codemods.status import batch_statuses, leftover_note

    rows = batch_statuses(state.root)
    note = leftover_note(state.root)
    if note:
        report.note(note)
    if as_json:
        report.print_json(rows)
    else:
        report.render_status(rows)
    for row in rows:
        if row.stale:
            report.warning(f"batch {row.name}: {row.stale}")
    states = Counter(row.state for row in rows)
    shown = ", ".join(f"{count} {name}" for name, count in sorted(states.items())) or "none configured"
    report.summary(f"{len(rows)} batches: {shown}")


@main.command()
@click.option("--batch", "batch", required=True, help="Name of the batch whose branch to delete.")
@click.pass_obj
@_handle_errors
def rollback(state: _State, batch: str) -> None:
    """Delete the branch of an applied, unmerged batch."""
    from codemods.status import rollback_batch

    message = rollback_batch(state.root, batch)
    report.summary(message)


@main.command()
@click.option("--dir", "folder", type=click.Path(file_okay=False, path_type=Path), help="Where to create the demo repository (default: a new temporary folder).")
@_handle_errors
def demo(folder: Optional[Path]) -> None:
    """Copy a small legacy repository and run inventory, plan, apply and verify on it."""
    from codemods.demo import run_demo

    run_demo(folder)


def _write_json(path: str, data: Any) -> None:
    import json

    text = json.dumps(data, indent=2) + "\n"
    if path == "-":
        sys.stdout.write(text)
    else:
        Path(path).write_text(text, encoding="utf-8")


def _register_command_modules() -> None:
    from codemods import (
        commands_analysis,
        commands_interface,
        commands_rewrite,
        commands_safety,
        commands_shims,
    )

    for module in (commands_analysis, commands_interface, commands_rewrite, commands_safety, commands_shims):
        module.register(main)


_register_command_modules()

if __name__ == "__main__":  # pragma: no cover
    main(prog_name="codemod")
