"""Every spelling under which each local file is imported.

One file can be reached as ``scripts.pbp.x``, ``pbp.x``, bare ``x`` (from
its own folder) and ``.x`` (relatively). Python loads it once per distinct
absolute name, so each spelling can be a separate module object at run
time, and a move must rewrite all of them.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from inventory.model import ImportSite, Inventory, ResolvedImport


@dataclass(frozen=True)
class Spelling:
    """One way of writing the import of a file, with the sites that write it so."""

    written: str  # as in the source: relative dots kept, ``pkg.mod`` for ``from pkg import mod``
    absolute: str  # the dotted name Python gives the module for this spelling
    via: str  # why the name is found: "root", "script-folder", "path-edit", "relative", ...
    sites: tuple[ImportSite, ...]

    def locations(self) -> list[str]:
        return [f"{site.file}:{site.line}" for site in self.sites]


def spellings_by_file(inventory: Inventory) -> dict[str, tuple[Spelling, ...]]:
    """Return, for every local file that something imports, its spellings sorted by text."""
    collected: dict[str, dict[tuple[str, str, str], list[ImportSite]]] = {}
    for item in inventory.imports:
        for target, written, absolute in _named_targets(item):
            key = (written, absolute, item.resolution.via)
            sites = collected.setdefault(target, {}).setdefault(key, [])
            # `from a import x, y` gives a site per name; one statement is one site here.
            if not sites or (sites[-1].file, sites[-1].line) != (item.site.file, item.site.line):
                sites.append(item.site)

    result = {}
    for target, spellings in sorted(collected.items()):
        result[target] = tuple(
            Spelling(written, absolute, via, tuple(sites))
            for (written, absolute, via), sites in sorted(spellings.items())
        )
    return result


def spellings_of(inventory: Inventory, path: str) -> tuple[Spelling, ...]:
    """Return the spellings of the file (or namespace folder) at the repository-relative ``path``."""
    normalized = posixpath.normpath(path.replace("\\", "/"))
    return spellings_by_file(inventory).get(normalized, ())


def spellings_as_json(spellings: dict[str, tuple[Spelling, ...]]) -> dict[str, list[dict]]:
    """Return the spellings as plain data: ``{file: [{written, absolute, via, sites}]}``."""
    return {
        path: [
            {
                "written": spelling.written,
                "absolute": spelling.absolute,
                "via": spelling.via,
                "sites": spelling.locations(),
            }
            for spelling in items
        ]
        for path, items in spellings.items()
    }


def _named_targets(item: ResolvedImport) -> list[tuple[str, str, str]]:
    """Return ``(target, written, absolute)`` for the module part and an imported submodule."""
    resolution = item.resolution
    if resolution.status != "local":
        return []
    site = item.site
    dots = "." * site.level
    named = []
    if resolution.target is not None:
        named.append((resolution.target, dots + site.module, resolution.module_name))
    if resolution.member_target is not None and site.name:
        written = f"{dots}{site.module}.{site.name}" if site.module else dots + site.name
        absolute = f"{resolution.module_name}.{site.name}".lstrip(".")
        named.append((resolution.member_target, written, absolute))
    return named
