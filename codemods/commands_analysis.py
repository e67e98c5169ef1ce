"""Commands of the `codemod` CLI that belong to the analysis area, and their helpers.

`codemod inventory --graph` and `codemod plan --suggest` call the helpers
below; `register` adds the stand-alone commands of this area.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import click

from codemods import report
from codemods.errors import CodemodError, ConfigError
from inventory.model import Inventory

GRAPH_SUFFIXES = (".dot", ".html")


class OutputExistsError(CodemodError):
    """The file a command was asked to create already exists."""


def register(group: click.Group) -> None:
    """Add this module's commands to the `codemod` group."""


def check_graph_path(path: Optional[Path]) -> Optional[Path]:
    """Reject a ``--graph`` file name whose suffix names no format, before the scan starts."""
    if path is not None and path.suffix.lower() not in GRAPH_SUFFIXES:
        raise click.BadParameter(
            f"{path} ends in {path.suffix or 'no suffix'!r}; name the file *.dot for Graphviz or *.html for a page to open in a browser",
            param_hint="--graph",
        )
    return path


def render_graph_file(inventory: Inventory, path: Path) -> str:
    """Return the import graph of ``inventory`` in the format that ``path``'s suffix names."""
    from inventory import build_graph
    from inventory.graph_html import render_html

    graph = build_graph(inventory)
    if path.suffix.lower() == ".html":
        return render_html(graph, title=f"Import graph of {Path(inventory.root).name}")
    return graph.to_dot()


def suggest_plan(root: Path, output: Optional[Path]) -> None:
    """Propose batches for the repository at ``root`` and print or write them as a codemod.toml."""
    from codemods.config import load_config
    from codemods.suggest import render_toml, suggest_batches
    from codemods.workspace import scan_target

    if output is not None and output.exists():
        raise OutputExistsError(f"{output} already exists; pass --output with a new file name, or delete the file first.")
    try:
        config = load_config(root)
    except ConfigError:
        config = None
    with report.progress("scanning") as progress:
        inventory = scan_target(root, config, progress=progress)

    package = config.package if config else package_name_for(root)
    suggestion = suggest_batches(
        inventory,
        package=package,
        protect=config.protect if config else (),
        exclude=config.exclude if config else (),
    )
    text = render_toml(suggestion, source=root.name)
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
    cycles = sum(1 for batch in suggestion.batches if batch.is_cycle)
    report.summary(
        f"{len(suggestion.batches)} batches suggested ({cycles} merged from folders that import each other), "
        f"{len(suggestion.left_out)} folders left out" + (f"; written to {output}" if output else "")
    )


def package_name_for(root: Path) -> str:
    """Return a package name derived from the repository folder: ``nba-simulator`` gives ``nba_simulator``."""
    from codemods.suggest import module_name

    return module_name(re.sub(r"\W", "_", root.name.lower()) or "package")
