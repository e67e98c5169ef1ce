"""Turn a configured batch and an inventory into a plan: moves, rewrites, shims, hazards.

The plan is computed once and used twice: `codemod plan` prints it, and
`codemod apply` writes exactly the bytes it holds. Which module an import
site reaches is decided by the inventory's resolution, never by matching
names, so a same-named module in another folder is left alone.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import difflib
import fnmatch
import logging
import sys
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Callable, Optional

from codemods.config import BatchConfig, Config, MoveRule, is_dotted_name, is_identifier
from codemods.errors import BatchError
from codemods.model import (
    DEFAULT_REWRITE_OPTIONS,
    RewriteOptions,
    SiteRewrite,
    Skipped,
    StringRewrite,
)
from codemods.move_symbol import SymbolMove, move_symbol
from codemods.rewrite_commands import CommandEdit, rewrite_commands_report
from codemods.rewrite_docs import rewrite_doc_text
from codemods.transform import transform_file_source
from codemods.workspace import is_executable, shebang_line
from inventory.model import (
    ExternalReference,
    FileFacts,
    Focus,
    ImportSite,
    Inventory,
    ResolvedImport,
    StringReference,
)
from inventory.resolve import is_stdlib_module
from inventory.scan import DUNDER_IMPORT, DUNDER_IMPORT_TOP_LEVEL, SYS_MODULES_KEY
from shimgen.manifest import ManifestError, ShimRecord, manifests_in_folder
from shimgen.render import ShimSpec, is_generated_shim

logger = logging.getLogger(__name__)

REWRITABLE_STRING_KINDS = frozenset(
    {"mock.patch", "patch", "patch.object", "patch.multiple", "import_module", DUNDER_IMPORT, SYS_MODULES_KEY}
)


@dataclass(frozen=True)
class FileMove:
    """One Python file that moves, with its old and new names."""

    old_path: str
    new_path: str
    new_module: str
    old_module: str  # name from the repository root; "" when the path is not a dotted name
    is_package_init: bool
    is_entry_point: bool
    is_test: bool
    rule: str  # the `moves` key that selected it


@dataclass(frozen=True)
class Finding:
    """A hazard, or a site left alone, with where it is and why."""

    file: str
    line: int
    kind: str
    message: str


@dataclass(frozen=True)
class FileChange:
    """New content for one file; ``new_path`` differs from ``path`` when the file moves."""

    path: str
    new_path: str
    before: bytes
    after: bytes
    sites: tuple[SiteRewrite, ...] = ()
    strings: tuple[StringRewrite, ...] = ()
    skipped: tuple[Skipped, ...] = ()
    commands: tuple[CommandEdit, ...] = ()  # for a non-Python file: the commands it was asked to rewrite
    created: bool = False  # the file does not exist before the batch (the new module of a moved function or class)

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """Return the unified diff of the file as git writes it, so that `git apply` accepts it.

        A new file is compared with /dev/null, and a last line without a newline
        gets git's "\\ No newline at end of file" marker.
        """

        def lines_of(data: bytes) -> list[str]:
            # Split at "\n" only, as git does, because str.splitlines() also splits at form feeds and lone "\r".
            lines = data.decode("utf-8", "replace").split("\n")
            last = lines.pop()  # "" when the text ends with a newline
            return [line + "\n" for line in lines] + ([last] if last else [])

        fromfile = "/dev/null" if self.created else f"a/{self.path}"
        parts = []
        for line in difflib.unified_diff(
            lines_of(self.before), lines_of(self.after), fromfile=fromfile, tofile=f"b/{self.new_path}"
        ):
            parts.append(line)
            if not line.endswith("\n"):
                parts.append("\n\\ No newline at end of file\n")
        return "".join(parts)


@dataclass(frozen=True)
class Plan:
    batch: str
    package: str
    package_root: str
    moves: tuple[FileMove, ...]
    new_init_files: tuple[str, ...]
    changes: tuple[FileChange, ...]
    shims: tuple[ShimSpec, ...]
    kept: tuple[Finding, ...]  # import sites left on the shim, with the reason
    hazards: tuple[Finding, ...]
    commands: tuple[ExternalReference, ...]  # non-Python files that start or name a moved file
    stats: dict = field(default_factory=dict, compare=False, hash=False)
    symbol_moves: tuple[SymbolMove, ...] = ()  # functions and classes moved by `path.py:Name` keys

    @property
    def rewritten_sites(self) -> int:
        return sum(len(change.sites) - _skipped_sites(change) for change in self.changes)

    @property
    def rewritten_strings(self) -> int:
        return sum(len(change.strings) for change in self.changes)


def _skipped_sites(change: FileChange) -> int:
    site_lines = {site.line for site in change.sites}
    return sum(1 for skipped in change.skipped if skipped.line in site_lines and skipped.code != "file-path")


Reader = Callable[[str], bytes]


def plan_batch(
    config: Config,
    batch_name: str,
    inventory: Inventory,
    read: Reader,
    *,
    options: RewriteOptions = DEFAULT_REWRITE_OPTIONS,
) -> Plan:
    """Build the plan of one batch from the inventory; ``read`` returns a file's bytes.

    The shim manifests are read from the folder ``inventory.root``, so ``read``
    must read that same checkout. With ``options.commands``, commands in
    non-Python files that start a moved file by path become
    ``python -m new.module``. Without it they are only listed, and the shims
    keep them working. With ``options.docs``, comments, docstrings and Markdown
    files that mention a moved module are rewritten too.
    """
    batch = config.batch(batch_name)
    facts_by_path = {facts.path: facts for facts in inventory.files}

    kept_shims: list[Finding] = []
    shim_lookup = generated_shims(read, _shim_records(Path(inventory.root)))
    moves = expand_moves(config, batch, facts_by_path, shims=shim_lookup, shims_kept=kept_shims)
    _check_targets(config, moves, facts_by_path)
    folder_moves = _moved_folders(batch, moves)

    renamer = _Renamer(moves, folder_moves)
    renamer.kept_shims = frozenset(finding.file for finding in kept_shims)
    symbols, symbol_findings = _plan_symbol_moves(config, batch, renamer, inventory, facts_by_path, read)
    site_rewrites, kept = _plan_import_sites(config, inventory, renamer, facts_by_path, _ChainIndex(read), symbols)
    string_rewrites, strings_kept = _plan_string_references(config, inventory, renamer, facts_by_path, symbols)
    kept.extend(strings_kept)
    doc_renames = _doc_renames(renamer) if options.docs else ()
    changes = _render_changes(moves, site_rewrites, string_rewrites, read, doc_renames)
    _render_symbol_moves(symbols, renamer, changes, read, inventory)

    config_file = _relative_to_root(config, inventory)
    commands = tuple(
        ref for ref in inventory.references if ref.target in renamer.file_moves and ref.file != config_file
    )
    if options.commands:
        changes.extend(_render_command_changes(config, commands, renamer, read))
    if options.docs:
        _add_markdown_changes(changes, inventory, renamer, doc_renames, read)
    hazards = (*kept_shims, *_collect_hazards(moves, facts_by_path, changes, inventory), *symbol_findings)
    shims = tuple(_shim_specs(config, batch, moves, facts_by_path, read, Path(inventory.root)))
    new_inits = _new_init_files(config, moves, facts_by_path, [symbol.dest_path for symbol in symbols])

    plan = Plan(
        batch=batch.name,
        package=config.package,
        package_root=config.package_root,
        moves=moves,
        new_init_files=new_inits,
        changes=tuple(change for change in changes if change.changed or change.skipped),
        shims=shims,
        kept=tuple(kept),
        hazards=hazards,
        commands=commands,
        symbol_moves=tuple(symbols),
    )
    plan.stats.update(
        moves=len(moves),
        symbols_moved=len(symbols),
        files_changed=sum(1 for change in changes if change.changed),
        sites_rewritten=plan.rewritten_sites,
        strings_rewritten=plan.rewritten_strings,
        sites_kept=len(kept),
        shims=len(shims),
        hazards=len(hazards),
        commands=len(commands),
        commands_rewritten=sum(len(change.commands) - len(change.skipped) for change in changes if change.commands),
    )
    return plan


# Moves -----------------------------------------------------------------------


ShimLookup = Callable[[str], Optional[str]]


def _shim_records(root: Path) -> list[ShimRecord]:
    """Return the shim records of the checkout at ``root``; [] with a warning when a manifest cannot be read."""
    try:
        return manifests_in_folder(root).records
    except ManifestError as error:
        logger.warning("%s; shims are recognized by their header only", error)
        return []


def generated_shims(read: Reader, records: Iterable[ShimRecord]) -> ShimLookup:
    """Return a function that names the batch which generated the shim at a path, or None for other files.

    A file is a shim when one of the manifest ``records`` lists its path, or
    when its text (read with ``read``) starts with the shim header.
    """
    batches = {record.old_path: record.batch for record in records}

    def batch_of_shim(path: str) -> Optional[str]:
        if path in batches:
            return batches[path] or "(unknown)"
        try:
            text = read(path)
        except OSError:
            return None
        header = is_generated_shim(text[:4096].decode("utf-8", "replace"))
        if header is None:
            return None
        return header.batch or "(unknown)"

    return batch_of_shim


def expand_moves(
    config: Config,
    batch: BatchConfig,
    facts_by_path: Mapping[str, FileFacts],
    *,
    shims: Optional[ShimLookup] = None,
    shims_kept: Optional[list[Finding]] = None,
) -> tuple[FileMove, ...]:
    """Expand file, folder and glob rules into one move per Python file.

    With ``shims`` (see :func:`generated_shims`), a shim that an earlier batch
    generated stays where it is. A folder or glob rule leaves it out and adds a
    ``shim-kept`` finding to ``shims_kept``, and a file rule naming it raises.
    """
    moves: dict[str, FileMove] = {}
    for rule in batch.moves:
        if rule.kind == "symbol":
            continue  # planned by _plan_symbol_moves
        for old_path, new_module in _expand_rule(config, batch, rule, facts_by_path):
            made_by = shims(old_path) if shims is not None else None
            if made_by is not None:
                if rule.kind == "file":
                    raise BatchError(
                        f"{config.path}: batch {batch.name!r} moves {old_path}, which is a shim that batch "
                        f"{made_by} generated: that file was moved by batch {made_by} already. Remove this "
                        "rule, or move the module from its new place with a rule of its own."
                    )
                if shims_kept is not None:
                    shims_kept.append(
                        Finding(
                            old_path,
                            0,
                            "shim-kept",
                            f"{old_path} is the shim batch {made_by} generated; it stays in place and is not "
                            f"moved or shimmed again by {rule.source!r}",
                        )
                    )
                continue
            if old_path in moves:
                raise BatchError(
                    f"batch {batch.name!r}: {old_path} is selected by both {moves[old_path].rule!r} and "
                    f"{rule.source!r}; keep it in one rule."
                )
            _check_not_protected(config, batch, old_path)
            facts = facts_by_path[old_path]
            is_init = PurePosixPath(old_path).name == "__init__.py"
            moves[old_path] = FileMove(
                old_path=old_path,
                new_path=_module_path(config, new_module, is_init),
                new_module=new_module,
                old_module=path_to_module(old_path) or "",
                is_package_init=is_init,
                is_entry_point=facts.is_entry_point,
                is_test=facts.is_test,
                rule=rule.source,
            )
    return tuple(sorted(moves.values(), key=lambda move: move.old_path))


def _expand_rule(
    config: Config, batch: BatchConfig, rule: MoveRule, facts_by_path: Mapping[str, FileFacts]
) -> Iterable[tuple[str, str]]:
    where = f"{config.path}: batch {batch.name!r} moves {rule.source!r}"
    if rule.kind == "file":
        if rule.source not in facts_by_path:
            # The same cutoff as for a `never-run` entry that matches nothing (config.check_never_run).
            near = difflib.get_close_matches(rule.source, sorted(facts_by_path), n=1, cutoff=0.6)
            hint = f"the closest Python file is {near[0]!r}. Correct the key" if near else "check the path"
            raise BatchError(f"{where}: {rule.source} is not a Python file of this repository (or it is excluded); {hint}.")
        yield rule.source, rule.target
        return

    if rule.kind == "folder":
        folder = rule.source.rstrip("/")
        found = sorted(path for path in facts_by_path if path.startswith(folder + "/"))
        if not found:
            folders = sorted({parent.as_posix() for path in facts_by_path for parent in PurePosixPath(path).parents} - {"."})
            near = difflib.get_close_matches(folder, folders, n=1, cutoff=0.6)
            hint = f"the closest folder with Python files is {near[0] + '/'!r}. Correct the key" if near else "check the folder name"
            raise BatchError(f"{where}: no Python files under {folder}/; {hint}.")
        for path in found:
            parts = PurePosixPath(path[len(folder) + 1 :]).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            bad = next((part for part in parts if not is_identifier(part)), None)
            if bad is not None:
                raise BatchError(
                    f"{where}: {path} has {bad!r} in its path, which is not a valid module name; "
                    "move that file with its own rule and an explicit target."
                )
            yield path, ".".join((rule.target, *parts))
        return

    matched = sorted(path for path in facts_by_path if fnmatch.fnmatchcase(path, rule.source))
    if not matched:
        near = difflib.get_close_matches(rule.source, sorted(facts_by_path), n=1, cutoff=0.6)
        hint = f"the closest Python file is {near[0]!r}. Correct the pattern" if near else "check the pattern"
        raise BatchError(f"{where}: the pattern matches no Python file; {hint}.")
    for path in matched:
        stem = PurePosixPath(path).stem
        target = rule.target.replace("{stem}", stem)
        if not is_dotted_name(target):
            raise BatchError(
                f"{where}: {path} would become {target!r}, which is not a valid module name; "
                "give that file a rule of its own with a valid target."
            )
        yield path, target


def _check_not_protected(config: Config, batch: BatchConfig, path: str) -> None:
    for pattern in config.protect:
        if fnmatch.fnmatchcase(path, pattern) or PurePosixPath(path).match(pattern):
            raise BatchError(
                f"{config.path}: batch {batch.name!r} would move {path}, which the protect pattern "
                f"{pattern!r} keeps in place; narrow the move or remove the pattern."
            )


def _module_path(config: Config, module: str, is_package: bool) -> str:
    relative = module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    return f"{config.package_root}/{relative}" if config.package_root else relative


def _check_targets(config: Config, moves: tuple[FileMove, ...], facts_by_path: Mapping[str, FileFacts]) -> None:
    if config.package in _stdlib_names():
        raise BatchError(
            f"{config.path}: package {config.package!r} has the name of a standard-library module and would "
            "shadow it; choose another package name."
        )
    moving = {move.old_path for move in moves}
    targets: dict[str, str] = {}
    module_paths = {PurePosixPath(move.new_path).with_suffix("").as_posix(): move for move in moves if not move.is_package_init}
    for move in moves:
        if move.new_path in targets:
            raise BatchError(
                f"{config.path}: {targets[move.new_path]} and {move.old_path} would both move to {move.new_path}; "
                "give them different targets."
            )
        targets[move.new_path] = move.old_path
        if move.new_path in facts_by_path and move.new_path not in moving:
            raise BatchError(
                f"{config.path}: {move.old_path} would move to {move.new_path}, which already exists; "
                "pick another target or remove that file first."
            )
        for parent in PurePosixPath(move.new_path).parents:
            clash = module_paths.get(parent.as_posix())
            if clash is not None and clash is not move:
                raise BatchError(
                    f"{config.path}: {clash.old_path} would become module {clash.new_module} while "
                    f"{move.old_path} needs {clash.new_module} to be a package; rename one target."
                )


def _moved_folders(batch: BatchConfig, moves: tuple[FileMove, ...]) -> dict[str, str]:
    """Map each moved folder (and its sub-folders) to its new dotted package name."""
    folders: dict[str, str] = {}
    for rule in batch.moves:
        if rule.kind != "folder":
            continue
        root = rule.source.rstrip("/")
        folders[root] = rule.target
        for move in moves:
            if move.rule != rule.source:
                continue
            parent = PurePosixPath(move.old_path).parent
            while parent.as_posix() != root and parent.as_posix().startswith(root + "/"):
                relative = parent.as_posix()[len(root) + 1 :].replace("/", ".")
                folders[parent.as_posix()] = f"{rule.target}.{relative}"
                parent = parent.parent
    return folders


class _Renamer:
    """Map old files and folders to their dotted names after the batch."""

    def __init__(self, moves: tuple[FileMove, ...], folders: Mapping[str, str]) -> None:
        self.file_moves = {move.old_path: move for move in moves}
        self.folders = dict(folders)
        self.kept_shims: frozenset[str] = frozenset()  # shims of earlier batches inside moved folders, left in place

    def new_name(self, target: Optional[str]) -> Optional[str]:
        if target is None:
            return None
        move = self.file_moves.get(target)
        if move is not None:
            return move.new_module
        return self.folders.get(target.rstrip("/"))

    def moved(self, path: str) -> Optional[FileMove]:
        return self.file_moves.get(path)


# Import sites ----------------------------------------------------------------


def _plan_import_sites(
    config: Config,
    inventory: Inventory,
    renamer: _Renamer,
    facts_by_path: Mapping[str, FileFacts],
    chains: _ChainIndex,
    symbols: Sequence[SymbolMove] = (),
) -> tuple[dict[str, list[SiteRewrite]], list[Finding]]:
    rewrites: dict[str, list[SiteRewrite]] = {}
    kept: list[Finding] = []
    moved_symbols = {(symbol.source_path, symbol.name): symbol for symbol in symbols}
    direct_imports = _plain_imports_by_file(inventory)
    chained: set[tuple[str, str]] = set()  # (file, chain) already served by a module-level statement
    loaders = _Loaders(config, inventory, facts_by_path)
    for item in inventory.imports:
        if item.resolution.status != "local":
            continue
        symbol = _moved_symbol_of(item, moved_symbols)
        if symbol is not None:
            problem = None if renamer.moved(item.site.file) else _why_unreachable(config, item, facts_by_path, loaders)
            if problem is None:
                rewrites.setdefault(item.site.file, []).append(_symbol_rewrite(item.site, symbol))
            else:
                kept.append(Finding(item.site.file, item.site.line, "kept-on-reexport", problem))
            continue
        rewrite, reason = _rewrite_for_site(config, item, renamer, facts_by_path, loaders)
        if rewrite is not None:
            rewrites.setdefault(item.site.file, []).append(rewrite)
            continue
        if reason is not None:
            kept.append(Finding(item.site.file, item.site.line, "kept-on-shim", reason))
            continue
        parent_sites = _parent_package_rewrites(item, renamer, chains, direct_imports.get(item.site.file, frozenset()))
        if item.site.context == ():
            # Two module-level statements that bind `a` need one added import for `a.b.moved`, not two.
            parent_sites = [site for site in parent_sites if (item.site.file, site.old_chain or "") not in chained]
            chained.update((item.site.file, site.old_chain or "") for site in parent_sites)
        if not parent_sites:
            continue
        problem = _why_unreachable(config, item, facts_by_path, loaders)
        if problem is None:
            rewrites.setdefault(item.site.file, []).extend(parent_sites)
        else:
            kept.append(Finding(item.site.file, item.site.line, "kept-on-shim", problem))
    kept.extend(_keep_submodule_bindings(inventory, renamer, facts_by_path, chains, rewrites))
    return rewrites, kept


def _keep_submodule_bindings(
    inventory: Inventory,
    renamer: _Renamer,
    facts_by_path: Mapping[str, FileFacts],
    chains: _ChainIndex,
    rewrites: dict[str, list[SiteRewrite]],
) -> list[Finding]:
    """Leave on the shim the rewrites that would unbind a submodule name that a package uses.

    Loading ``P.X`` binds ``X`` in the namespace of package ``P``, which is
    the namespace of ``P/__init__.py``. So that file can list ``X`` in
    ``__all__`` or use it (``from .X import f`` then ``X.g()``) without
    binding it itself. The rewritten import loads ``X`` under its new name and
    binds nothing in ``P``, while the old import, served by the shim, still
    binds ``X``. Removes those sites from ``rewrites`` and returns a finding
    for each.
    """
    findings: list[Finding] = []
    packages = {path for path in rewrites if path.endswith("/__init__.py") and renamer.moved(path) is None}
    resolved: dict[tuple[object, ...], ResolvedImport] = {
        (item.site.file, *_site_fields(item.site).values()): item for item in inventory.imports if item.site.file in packages
    }
    for path in sorted(packages):
        facts, sites = facts_by_path.get(path), rewrites[path]
        if facts is None:
            continue
        by_submodule: dict[str, list[SiteRewrite]] = {}
        for site in sites:
            item = resolved.get((path, site.line, site.kind, site.module, site.level, site.name, site.alias))
            submodule = None if item is None or _is_parent_site(site) else _submodule_loaded(item, path)
            if submodule is not None and submodule not in facts.defines:
                by_submodule.setdefault(submodule, []).append(site)
        for submodule, loading in sorted(by_submodule.items()):
            in_all = submodule in (facts.dunder_all or ())
            if not in_all and submodule not in chains.loaded_names(path):
                continue
            where = "lists it in __all__" if in_all else "reads it"
            for site in loading:
                sites.remove(site)
                reason = (
                    f"only this import binds `{submodule}` in {path}, which {where}, because loading the "
                    "submodule binds it as a side effect. The rewritten import would not bind it, so the old "
                    f"import stays and the shim serves it. Bind `{submodule}` to its new module by hand to "
                    "rewrite it"
                )
                findings.append(Finding(path, site.line, "kept-on-shim", reason))
    return findings


def _is_parent_site(site: SiteRewrite) -> bool:
    """Tell whether a rewrite keeps its statement and adds an import for ``a.b.moved.f()``."""
    return site.old_chain is not None and site.old_chain != site.module


def _submodule_loaded(item: ResolvedImport, init_path: str) -> Optional[str]:
    """Return ``X`` when the import loads the submodule ``P.X`` of the package ``P`` that ``init_path`` is."""
    site, resolution = item.site, item.resolution
    loaded = resolution.member_target or resolution.target or ""
    folder = init_path[: -len("/__init__.py")]
    if not loaded.startswith(folder + "/") or loaded == init_path:
        return None
    child = loaded[len(folder) + 1 :].split("/")[0]
    child = child[: -len(".py")] if child.endswith(".py") else child

    # Only an import that goes through `P` itself binds `X` there, not `import X` through a sys.path folder.
    entry = resolution.search_entry or ""
    if entry and not folder.startswith(entry + "/"):
        return None
    package = path_to_module(folder[len(entry) + 1 :] if entry else folder)
    dotted = resolution.module_name + (f".{site.name}" if resolution.member_target else "")
    if package is None or not (dotted == f"{package}.{child}" or dotted.startswith(f"{package}.{child}.")):
        return None
    return child


def _rewrite_for_site(
    config: Config,
    item: ResolvedImport,
    renamer: _Renamer,
    facts_by_path: Mapping[str, FileFacts],
    loaders: Optional[_Loaders] = None,
) -> tuple[Optional[SiteRewrite], Optional[str]]:
    site, resolution = item.site, item.resolution
    importer_move = renamer.moved(site.file)
    module_new = renamer.new_name(resolution.target)
    member_new = renamer.new_name(resolution.member_target) if site.kind == "from" else None

    if site.kind == "from" and resolution.member_target in renamer.kept_shims:
        # `from old.folder import shim`: the shim stays at its old path, so the old name still reaches it.
        return (None, None) if importer_move is None else _keep_pointing_at_old_code(item, importer_move)

    if module_new is None and member_new is None:
        if importer_move is None:
            return None, None
        return _keep_pointing_at_old_code(item, importer_move)

    if importer_move is not None and site.level and _relative_still_points(site, importer_move, module_new, member_new):
        return None, None

    if importer_move is None:
        problem = _why_unreachable(config, item, facts_by_path, loaders)
        if problem is not None:
            return None, problem

    if module_new is not None:
        return module_site_rewrite(site, module_new), None
    assert member_new is not None
    return member_site_rewrite(site, member_new), None


def _plain_imports_by_file(inventory: Inventory) -> dict[str, frozenset[str]]:
    """Return the dotted names each file imports with a plain ``import a.b.c`` without ``as``."""
    found: dict[str, set[str]] = {}
    for item in inventory.imports:
        site = item.site
        if site.kind == "import" and site.alias is None and "." in site.module:
            found.setdefault(site.file, set()).add(site.module)
    return {path: frozenset(names) for path, names in found.items()}


def _unreachable_reason(item: ResolvedImport) -> str:
    site, resolution = item.site, item.resolution
    return (
        f"`{_spelling(site)}` reaches the moved module through {resolution.via or 'an unknown path'} "
        f"({resolution.search_entry or 'root'}); the package root is not on sys.path there, so the "
        "old import stays and the shim serves it"
    )


class _ChainIndex:
    """The dotted attribute chains (``a.b.c`` in ``a.b.c.f()``) that a file's code uses.

    Only files that bind a package above a moved module are read, and only
    those whose text contains the last part of such a chain are parsed, with
    ``ast``, each of them once.
    """

    def __init__(self, read: Reader) -> None:
        self._read = read
        self._sources: dict[str, bytes] = {}
        self._chains: dict[str, frozenset[str]] = {}

    def used(self, path: str, names: Sequence[str]) -> set[str]:
        """Return the names that are the longest of ``names`` to start some chain of ``path``.

        ``names`` is sorted longest first.
        """
        if path not in self._chains:
            source = self._sources.get(path)
            if source is None:
                source = self._sources[path] = self._read(path)
            if not any(name.rpartition(".")[2].encode() in source for name in names):
                return set()
            self._chains[path] = _attribute_chains(source)
            del self._sources[path]
        return _longest_names_used(self._chains[path], names)

    def loaded_names(self, path: str) -> frozenset[str]:
        """Return the names that the code of ``path`` reads (``x`` in ``x.f()`` or ``print(x)``)."""
        source = self._sources.get(path)
        if source is None:
            source = self._sources[path] = self._read(path)
        tree = _parsed(source)
        if tree is None:
            return frozenset()
        return frozenset(
            node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)
        )


def _parsed(source: bytes) -> Optional[ast.Module]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escape sequences and the like
            return ast.parse(source)
    except (SyntaxError, ValueError, RecursionError):
        return None


def _attribute_chains(source: bytes) -> frozenset[str]:
    tree = _parsed(source)
    if tree is None:
        return frozenset()
    chains: set[str] = set()
    inner: set[int] = set()  # `a.b` inside `a.b.c`: only the whole chain counts
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if id(node) not in inner:
                dotted = _ast_dotted_name(node)
                if dotted is not None:
                    chains.add(dotted)
            inner.add(id(node.value))
    return frozenset(chains)


def _ast_dotted_name(node: ast.expr) -> Optional[str]:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


def _parent_package_rewrites(
    item: ResolvedImport, renamer: _Renamer, chains: _ChainIndex, imported_directly: frozenset[str]
) -> list[SiteRewrite]:
    """Plan a statement whose bound name reaches a moved module as an attribute chain.

    ``import a`` (or ``import a.x``) used as ``a.b.moved.f()``, ``import a.b
    as p`` used as ``p.moved.f()``, and ``from a import b`` used as
    ``b.moved.f()``. The statement stays for the other uses of its name. The
    transform adds an import of each new module after it and renames the
    chains that name that module. A module the file also imports by itself
    (``import a.b.moved``) needs nothing more, because that site renames the
    chains.
    """
    site = item.site
    binding = _bound_package(item, renamer)
    if binding is None:
        return []
    bound, package, search_entry = binding
    below = _moved_names_below(package, search_entry, renamer)
    if not below:
        return []

    # The chain as the file spells it: `p.moved` for `import a.b as p` and `a.b.moved`.
    spelled = [(bound + old_name[len(package) :], new_module) for old_name, new_module in below]
    used = chains.used(site.file, [chain for chain, _ in spelled])
    used -= imported_directly
    return [
        SiteRewrite(**_site_fields(site), target="module", new_module=new_module, old_chain=chain, new_chain=new_module)
        for chain, new_module in spelled
        if chain in used
    ]


def _bound_package(item: ResolvedImport, renamer: _Renamer) -> Optional[tuple[str, str, str]]:
    """Return the name a statement binds to a package, that package's dotted name and its sys.path folder.

    None when the statement binds no package, or when it is a moved file's
    relative import, which keeps pointing at the same code.
    """
    site, resolution = item.site, item.resolution
    if renamer.moved(site.file) is not None and (site.level or resolution.via not in ("root", "configured-root")):
        return None
    search_entry = resolution.search_entry or ""
    if site.kind == "import":
        if site.alias is None:
            top = site.module.split(".")[0]  # `import a.b.c` binds `a`
            return top, top, search_entry
        if not _is_package_path(resolution.target):
            return None
        return site.alias, site.module, search_entry
    if not site.name or site.name == "*" or not _is_package_path(resolution.member_target):
        return None
    package = f"{resolution.module_name}.{site.name}" if resolution.module_name else site.name
    return site.alias or site.name, package, search_entry


def _is_package_path(target: Optional[str]) -> bool:
    """Tell whether a resolved target is a package: its ``__init__.py`` or a namespace folder."""
    return target is not None and (target.endswith("/__init__.py") or not target.endswith(".py"))


def _longest_names_used(chains: Iterable[str], names: Sequence[str]) -> set[str]:
    """Return the names that are the longest of ``names`` to start some chain; ``names`` is longest first."""
    used: set[str] = set()
    for chain in chains:
        match = next((name for name in names if chain == name or chain.startswith(name + ".")), None)
        if match is not None:
            used.add(match)
    return used


def _moved_names_below(package: str, search_entry: str, renamer: _Renamer) -> list[tuple[str, str]]:
    """Return (old dotted name, new module) of each moved module or folder inside ``package``, longest first."""
    prefix = f"{search_entry}/" if search_entry else ""
    found: dict[str, str] = {}
    paths = [(move.old_path, move.new_module) for move in renamer.file_moves.values()]
    paths.extend((folder + "/__init__.py", new) for folder, new in renamer.folders.items())
    for path, new_module in paths:
        if not path.startswith(prefix):
            continue
        old_name = path_to_module(path[len(prefix) :])
        if old_name and old_name.startswith(package + "."):
            found.setdefault(old_name, new_module)
    return sorted(found.items(), key=lambda pair: -len(pair[0]))


def _site_fields(site: ImportSite) -> dict:
    """Return the fields that match a rewrite to its import statement."""
    return {
        "line": site.line,
        "kind": site.kind,
        "module": site.module,
        "level": site.level,
        "name": site.name,
        "alias": site.alias,
    }


def module_site_rewrite(site: ImportSite, new_module: str) -> SiteRewrite:
    """Return the rewrite of a site whose module part now lives at ``new_module``."""
    plain_import = site.kind == "import" and site.alias is None
    return SiteRewrite(
        **_site_fields(site),
        target="module",
        new_module=new_module,
        old_chain=site.module if plain_import else None,
        new_chain=new_module if plain_import and "." in site.module else None,
    )


def member_site_rewrite(site: ImportSite, new_member: str) -> SiteRewrite:
    """Return the rewrite of a from-import whose imported name is the module now at ``new_member``."""
    parent, _, leaf = new_member.rpartition(".")
    return SiteRewrite(
        **_site_fields(site),
        target="member",
        new_module=parent,
        new_name=leaf,
    )


def _keep_pointing_at_old_code(item: ResolvedImport, importer: FileMove) -> tuple[Optional[SiteRewrite], Optional[str]]:
    """Rewrite a moved file's import of code that stays, so it still finds that code."""
    site, resolution = item.site, item.resolution
    if resolution.via == "relative":
        absolute = resolution.module_name
    elif resolution.via == "script-folder":
        absolute = path_to_module(resolution.target or "") or ""
    else:
        return None, None

    if not absolute or not is_dotted_name(absolute) or absolute == site.module and not site.level:
        if resolution.via == "script-folder" and not absolute:
            return None, (
                f"{importer.old_path} imports `{_spelling(site)}` from its own folder; that folder is not a "
                "valid dotted name from the repository root, so the import cannot follow the move"
            )
        return None, None
    return module_site_rewrite(site, absolute), None


def _relative_still_points(
    site: ImportSite, importer: FileMove, module_new: Optional[str], member_new: Optional[str]
) -> bool:
    """Return True when a relative import inside a moved file reaches the same code after the move."""
    package = importer.new_module if importer.is_package_init else importer.new_module.rpartition(".")[0]
    parts = package.split(".")
    if site.level - 1 > len(parts):
        return False
    base = parts[: len(parts) - (site.level - 1)] if site.level > 1 else parts
    module_after = ".".join([*base, *([site.module] if site.module else [])])
    if module_new is not None:
        return module_after == module_new
    return member_new == f"{module_after}.{site.name}"


def package_reachable(config: Config, item: ResolvedImport, facts_by_path: Mapping[str, FileFacts]) -> bool:
    """Return True when the new package can be imported wherever this site runs."""
    resolution = item.resolution
    if resolution.via in ("root", "relative"):
        return config.package_root == ""
    if resolution.via == "configured-root":
        return resolution.search_entry == config.package_root
    facts = facts_by_path.get(item.site.file)
    folder = PurePosixPath(item.site.file).parent.as_posix()
    folder = "" if folder == "." else folder
    if folder == config.package_root:
        return True
    if facts is None:
        return False
    return any(edit.target == config.package_root for edit in facts.path_edits)


class _Loaders:
    """Find, for a file, an import that loads it where the package root may be missing from sys.path.

    A file is loaded by every import that resolves to it, and by the
    importers of any file that loads it through a relative import, which
    runs in whatever package the importer loaded that file as.
    """

    def __init__(self, config: Config, inventory: Inventory, facts_by_path: Mapping[str, FileFacts]) -> None:
        self._config = config
        self._facts_by_path = facts_by_path
        self._by_target: dict[str, list[ResolvedImport]] = {}
        for item in inventory.imports:
            if item.resolution.status != "local":
                continue
            for target in {item.resolution.target, item.resolution.member_target}:
                if target is None:
                    continue
                self._by_target.setdefault(target, []).append(item)
                # Importing `a.b.c` runs `a/__init__.py` and `a/b/__init__.py` first, under the same names.
                for init in self._parent_inits(target, item.resolution.search_entry):
                    self._by_target.setdefault(init, []).append(item)
        self._found: dict[str, Optional[ResolvedImport]] = {}

    def _parent_inits(self, target: str, search_entry: Optional[str]) -> list[str]:
        if search_entry is None:
            return []  # a relative import: its packages were loaded with the importer
        folder = PurePosixPath(target).parent
        if folder.name and target.endswith("/__init__.py"):
            folder = folder.parent
        inits = []
        while folder.as_posix() not in (".", search_entry or ".") and folder.as_posix().startswith(search_entry):
            init = f"{folder.as_posix()}/__init__.py"
            if init in self._facts_by_path:
                inits.append(init)
            folder = folder.parent
        return inits

    def without_root(self, path: str) -> Optional[ResolvedImport]:
        """Return an import that loads ``path`` while the package may not be importable, or None."""
        if path not in self._found:
            self._found[path] = self._search(path)
        return self._found[path]

    def _search(self, path: str) -> Optional[ResolvedImport]:
        pending, seen = [path], {path}
        while pending:
            current = pending.pop()
            for item in self._by_target.get(current, ()):
                if item.resolution.via == "relative":
                    if item.site.file not in seen:
                        seen.add(item.site.file)
                        pending.append(item.site.file)
                elif not package_reachable(self._config, item, self._facts_by_path):
                    return item
        return None


def _why_unreachable(
    config: Config, item: ResolvedImport, facts_by_path: Mapping[str, FileFacts], loaders: Optional[_Loaders]
) -> Optional[str]:
    """Return why the new package may not be importable where this site runs, or None when it is."""
    if not package_reachable(config, item, facts_by_path):
        return _unreachable_reason(item)
    loader = loaders.without_root(item.site.file) if loaders is not None and item.site.level else None
    if loader is not None:
        return _loaded_without_root_reason(item, loader)
    return None


class Reachability:
    """Tell, for import sites and strings of one inventory, why the new package may not be importable there.

    The rules the plan uses to leave a site on its shim, for the commands
    that judge existing uses of old names (`codemod check`).
    """

    def __init__(self, config: Config, inventory: Inventory) -> None:
        self._config = config
        self._facts_by_path = {facts.path: facts for facts in inventory.files}
        self._loaders = _Loaders(config, inventory, self._facts_by_path)

    def import_problem(self, item: ResolvedImport) -> Optional[str]:
        """Return why ``item`` cannot import the new package instead, or None when it can."""
        return _why_unreachable(self._config, item, self._facts_by_path, self._loaders)

    def string_problem(self, reference: StringReference) -> Optional[str]:
        """Return why the string ``reference`` in ``reference.file`` cannot name the new package, or None."""
        facts = self._facts_by_path.get(reference.file)
        entry = _string_search_entry(reference)
        if facts is None or entry is None or _entry_reachable(self._config, facts, entry):
            return None
        return (
            f"{reference.value!r} names the module through {entry or 'the repository root'}, but the package "
            f"root is not on sys.path in {reference.file}"
        )


def _loaded_without_root_reason(item: ResolvedImport, loader: ResolvedImport) -> str:
    name = loader.resolution.module_name
    if loader.site.kind == "from" and loader.resolution.member_target is not None and loader.site.name:
        name = f"{name}.{loader.site.name}".lstrip(".")
    return (
        f"`{_spelling(item.site)}` runs wherever {item.site.file} is loaded, and "
        f"{loader.site.file}:{loader.site.line} loads it as {name} through {loader.resolution.via} "
        f"({loader.resolution.search_entry or 'root'}), where the package root is not on sys.path; "
        "the old import stays and the shim serves it"
    )


def _spelling(site: ImportSite) -> str:
    if site.kind == "import":
        return f"import {site.module}" + (f" as {site.alias}" if site.alias else "")
    return f"from {'.' * site.level}{site.module} import {site.name}" + (f" as {site.alias}" if site.alias else "")


# String references -----------------------------------------------------------


def _plan_string_references(
    config: Config,
    inventory: Inventory,
    renamer: _Renamer,
    facts_by_path: Mapping[str, FileFacts],
    symbols: Sequence[SymbolMove] = (),
) -> tuple[dict[str, list[StringRewrite]], list[Finding]]:
    """Plan the string literals that name a moved module, by where each one resolves from its file.

    Like an import site, a string is decided by resolution, never by its
    spelling alone, so ``mock.patch("config.f")`` that reaches a same-named
    module in another folder is left alone. Returns the rewrites by file and
    a finding for each string left as it is that may name a moved module.
    """
    moved_symbols = {(symbol.source_path, symbol.name): symbol for symbol in symbols}
    spellings: Optional[list[tuple[str, str]]] = None  # computed on the first string that does not resolve
    rewrites: dict[str, list[StringRewrite]] = {}
    kept: list[Finding] = []
    for facts in inventory.files:
        for reference in facts.strings:
            if reference.kind not in REWRITABLE_STRING_KINDS and reference.kind != DUNDER_IMPORT_TOP_LEVEL:
                continue
            if reference.path is None:
                if spellings is None:
                    spellings = sorted(
                        [*_old_names(inventory, renamer), *_old_symbol_names(inventory, symbols)],
                        key=lambda pair: -len(pair[0]),
                    )
                if _renamed_value(reference.value, spellings) is not None:
                    message = (
                        f"{reference.value!r} spells the name of a moved module, but no module of that name "
                        f"resolves from {facts.path} (a sys.path edit made elsewhere, such as in a conftest.py, "
                        "is not followed), so it stays as it is. Check it by hand"
                    )
                    kept.append(Finding(facts.path, reference.line, "string-unresolved", message))
                continue
            new_value, reason = _string_rewrite(config, facts, reference, renamer, moved_symbols)
            if new_value is not None:
                rewrites.setdefault(facts.path, []).append(
                    StringRewrite(line=reference.line, old=reference.value, new=new_value, kind=reference.kind)
                )
            elif reason is not None:
                code = "string-kept" if reference.kind == DUNDER_IMPORT_TOP_LEVEL else "kept-on-shim"
                kept.append(Finding(facts.path, reference.line, code, reason))
    return rewrites, kept


def _string_rewrite(
    config: Config,
    facts: FileFacts,
    reference: StringReference,
    renamer: _Renamer,
    moved_symbols: Mapping[tuple[str, str], SymbolMove],
) -> tuple[Optional[str], Optional[str]]:
    """Return the new value of a resolved string, or the reason it stays as it is.

    Returns (None, None) when the string does not name a moved module.
    """
    target, module, value = reference.path, reference.module, reference.value
    entry = _string_search_entry(reference)
    if target is None or module is None or entry is None:
        return None, None
    if value == module or value.startswith(module + "."):
        rest = value[len(module) :]  # `.f` of `mock.patch("a.b.f")`
    elif value.startswith("."):
        rest = ""  # `import_module(".b", package="a")`, resolved to `a.b`
    else:
        return None, None

    importer = renamer.moved(facts.path)
    symbol = moved_symbols.get((target, rest[1:].split(".")[0])) if rest else None
    new_module = symbol.new_module if symbol is not None else renamer.new_name(target)
    if new_module is None:
        if importer is None or not entry or entry != PurePosixPath(facts.path).parent.as_posix():
            return None, None
        # A moved file leaves its folder, so a name found there is spelled from the root instead.
        new_module = path_to_module(target)
        if new_module is None or new_module == module:
            return None, None
    new_value = new_module + rest
    if new_value == value:
        return None, None

    if importer is None and not _entry_reachable(config, facts, entry):
        return None, (
            f"{value!r} names the moved module through {entry or 'the repository root'}, but the package root "
            f"is not on sys.path in {facts.path}, so the string stays and the shim serves it"
        )
    if reference.kind == DUNDER_IMPORT_TOP_LEVEL:
        return None, (
            f"__import__({value!r}) returns the top-level package {value.split('.')[0]!r}, which the code goes "
            f"on to use, and {new_value!r} has another top-level package, so the string stays and the shim "
            f"serves it. Write importlib.import_module({new_value!r}) by hand to rewrite it"
        )
    return new_value, None


def _string_search_entry(reference: StringReference) -> Optional[str]:
    """Return the sys.path folder ("" for the root) in which a string's module resolved, or None."""
    if reference.path is None or reference.module is None:
        return None
    parts = PurePosixPath(reference.path).parts
    if reference.path.endswith("/__init__.py"):
        parts = parts[:-1]
    elif reference.path.endswith(".py"):
        parts = (*parts[:-1], parts[-1][: -len(".py")])
    names = tuple(reference.module.split("."))
    if len(parts) < len(names) or parts[len(parts) - len(names) :] != names:
        return None
    return "/".join(parts[: len(parts) - len(names)])


def _entry_reachable(config: Config, facts: FileFacts, entry: str) -> bool:
    """Return True when the new package can be imported where a name found in ``entry`` is used.

    The same rule as :func:`package_reachable`, for a string that resolved
    in the sys.path folder ``entry`` of the file ``facts``.
    """
    if entry == "":
        return config.package_root == ""
    if entry == config.package_root:
        return True
    folder = PurePosixPath(facts.path).parent.as_posix()
    if (folder if folder != "." else "") == config.package_root:
        return True
    return any(edit.target == config.package_root for edit in facts.path_edits)


def _old_names(inventory: Inventory, renamer: _Renamer) -> list[tuple[str, str]]:
    """Return (old dotted name, new dotted name) pairs, longest first."""
    pairs: dict[str, str] = {}
    for path, move in renamer.file_moves.items():
        if move.old_module:
            pairs[move.old_module] = move.new_module
        for name in inventory.names_of(path):
            if is_dotted_name(name):
                pairs.setdefault(name, move.new_module)
    for folder, new in renamer.folders.items():
        dotted = path_to_module(folder + "/__init__.py")
        if dotted:
            pairs.setdefault(dotted, new)
    return sorted(pairs.items(), key=lambda pair: -len(pair[0]))


def _renamed_value(value: str, names: list[tuple[str, str]]) -> Optional[str]:
    for old, new in names:
        if value == old or value.startswith(old + "."):
            return new + value[len(old) :]
    return None


# Rendering -------------------------------------------------------------------


def _render_changes(
    moves: tuple[FileMove, ...],
    site_rewrites: Mapping[str, list[SiteRewrite]],
    string_rewrites: Mapping[str, list[StringRewrite]],
    read: Reader,
    doc_renames: Sequence[tuple[str, str]] = (),
) -> list[FileChange]:
    moves_by_path = {move.old_path: move for move in moves}
    paths = sorted(set(site_rewrites) | set(string_rewrites) | set(moves_by_path))
    changes = []
    for path in paths:
        move = moves_by_path.get(path)
        new_path = move.new_path if move else path
        source = read(path)
        sites = tuple(site_rewrites.get(path, ()))
        strings = tuple(string_rewrites.get(path, ()))
        try:
            after, result = transform_file_source(
                source,
                path=path,
                rewrites=sites,
                strings=strings,
                move=(path, new_path) if move else None,
                doc_renames=doc_renames,
            )
        except Exception as error:  # noqa: BLE001 - a file that does not parse is never written
            logger.warning("%s: not rewritten: %s", path, error)
            after = source
            result_skipped: tuple[Skipped, ...] = (Skipped(0, f"not rewritten: {error}", code="parse-error"),)
        else:
            result_skipped = result.skipped
        changes.append(
            FileChange(
                path=path, new_path=new_path, before=source, after=after, sites=sites, strings=strings, skipped=result_skipped
            )
        )
    return changes


def _render_command_changes(
    config: Config, commands: Iterable[ExternalReference], renamer: _Renamer, read: Reader
) -> list[FileChange]:
    """Rewrite the commands that start a moved file, one change per non-Python file."""
    edits: dict[tuple[str, str], list[CommandEdit]] = {}
    for reference in commands:
        move = renamer.moved(reference.target)
        if not reference.starts_python or reference.kind == "markdown" or move is None or move.is_test:
            continue  # commands quoted in Markdown are documentation: --rewrite-docs covers them
        edit = CommandEdit(reference.line, reference.text, reference.target, move.new_module, reference.form)
        edits.setdefault((reference.file, reference.kind), []).append(edit)

    changes = []
    for (path, kind), file_edits in sorted(edits.items()):
        before = read(path)
        if config.package_root:
            reason = (
                f"the package lives in {config.package_root}/, not at the repository root, so "
                "`python -m` would not find it from where the command runs; the shim keeps it working"
            )
            skipped = tuple(Skipped(edit.line, reason, code="command-kept") for edit in file_edits)
            changes.append(FileChange(path, path, before, before, skipped=skipped, commands=tuple(file_edits)))
            continue
        try:
            text = before.decode("utf-8")
        except UnicodeDecodeError:
            skipped = (Skipped(0, "not valid UTF-8, so its commands are left alone", code="command-kept"),)
            changes.append(FileChange(path, path, before, before, skipped=skipped, commands=tuple(file_edits)))
            continue
        after, skipped = rewrite_commands_report(text, kind, file_edits)
        changes.append(
            FileChange(path, path, before, after.encode("utf-8"), skipped=skipped, commands=tuple(file_edits))
        )
    return changes


# Comments, docstrings and Markdown (--rewrite-docs) --------------------------


def _doc_renames(renamer: _Renamer) -> list[tuple[str, str]]:
    """Return (old, new) dotted names and file paths of everything the batch moves."""
    renames: dict[str, str] = {}
    for move in renamer.file_moves.values():
        renames[move.old_path] = move.new_path
        if move.old_module and "." in move.old_module:
            renames[move.old_module] = move.new_module
    for folder, new in renamer.folders.items():
        dotted = path_to_module(folder + "/__init__.py")
        if dotted and "." in dotted:
            renames.setdefault(dotted, new)
    return sorted(renames.items())


def _add_markdown_changes(
    changes: list[FileChange],
    inventory: Inventory,
    renamer: _Renamer,
    renames: Sequence[tuple[str, str]],
    read: Reader,
) -> None:
    """Rewrite mentions in the Markdown files that the inventory found naming a moved file."""
    paths = sorted(
        {
            reference.file
            for reference in inventory.references
            if reference.kind == "markdown" and reference.target in renamer.file_moves
        }
    )
    index = {change.path: position for position, change in enumerate(changes)}
    for path in paths:
        position = index.get(path)
        before = read(path) if position is None else changes[position].after
        try:
            after = rewrite_doc_text(before.decode("utf-8"), renames).encode("utf-8")
        except UnicodeDecodeError:
            change = FileChange(path, path, before, before, skipped=(Skipped(0, "not valid UTF-8, so its mentions are left alone", code="docs-kept"),))
        else:
            change = FileChange(path, path, before, after)
        if position is None:
            changes.append(change)
        else:
            changes[position] = dataclasses.replace(changes[position], after=change.after, skipped=(*changes[position].skipped, *change.skipped))


# Functions and classes moved by `path.py:Name` keys -------------------------


def _plan_symbol_moves(
    config: Config,
    batch: BatchConfig,
    renamer: _Renamer,
    inventory: Inventory,
    facts_by_path: Mapping[str, FileFacts],
    read: Reader,
) -> tuple[list[SymbolMove], list[Finding]]:
    """Check each symbol move on the files as they are; keep the ones that can move safely."""
    symbols: list[SymbolMove] = []
    findings: list[Finding] = []
    loaders = _Loaders(config, inventory, facts_by_path)
    for rule in batch.moves:
        if rule.kind != "symbol":
            continue
        symbol = _symbol_move(config, batch, rule, renamer, facts_by_path)
        dest = _current_dest(symbol, renamer, facts_by_path, read, {})
        result = move_symbol(read(symbol.source_path), dest, symbol, folder_imports=_folder_imports(inventory, symbol.source_path))
        if result.problem is not None:
            findings.append(Finding(symbol.source_path, result.line, result.problem.code, result.problem.reason))
            continue
        loader = loaders.without_root(symbol.source_path)
        if loader is not None:
            findings.append(Finding(symbol.source_path, result.line, "symbol-kept", _reexport_unreachable(symbol, loader)))
            continue
        source = facts_by_path[symbol.source_path]
        if source.is_entry_point and not _script_reaches_package(config, source):
            findings.append(
                Finding(
                    symbol.source_path,
                    result.line,
                    "symbol-kept",
                    f"{symbol.name} stays: {symbol.source_path} runs as a script, where only its own folder and "
                    f"its sys.path edits are on sys.path, so the re-export from {symbol.new_module} would fail "
                    f"there; move the whole file instead (its shim keeps `python {symbol.source_path}` working), "
                    "or make the script put the repository root on sys.path first",
                )
            )
            continue
        symbols.append(symbol)
    return symbols, findings


def _script_reaches_package(config: Config, facts: FileFacts) -> bool:
    """Return True when the package is importable in ``python path.py``: its folder or a path edit is the package root."""
    folder = PurePosixPath(facts.path).parent.as_posix()
    if (folder if folder != "." else "") == config.package_root:
        return True
    return any(edit.target == config.package_root for edit in facts.path_edits)


def _reexport_unreachable(symbol: SymbolMove, loader: ResolvedImport) -> str:
    where = f"{loader.site.file}:{loader.site.line}"
    return (
        f"{symbol.name} stays: {where} loads {symbol.source_path} through {loader.resolution.via} "
        f"({loader.resolution.search_entry or 'root'}), where the package root is not on sys.path, so the "
        f"re-export from {symbol.new_module} would fail there; move the whole file instead, or make {where} "
        "put the repository root on sys.path first"
    )


def _symbol_move(
    config: Config, batch: BatchConfig, rule: MoveRule, renamer: _Renamer, facts_by_path: Mapping[str, FileFacts]
) -> SymbolMove:
    where = f"{config.path}: batch {batch.name!r} moves {rule.key!r}"
    if rule.source not in facts_by_path:
        near = difflib.get_close_matches(rule.source, sorted(facts_by_path), n=1, cutoff=0.6)
        hint = (
            f"the closest Python file is {near[0]!r}. Correct the key (to {near[0] + ':' + rule.symbol!r} if you meant that file)"
            if near
            else "check the path"
        )
        raise BatchError(f"{where}: {rule.source} is not a Python file of this repository (or it is excluded); {hint}.")
    if renamer.moved(rule.source) is not None:
        raise BatchError(
            f"{where}: {rule.source} itself moves in this batch; move {rule.symbol} in an earlier batch, "
            "or move it after the file has moved."
        )
    dest_move = next((move for move in renamer.file_moves.values() if move.new_module == rule.target), None)
    dest_path = dest_move.new_path if dest_move else _module_path(config, rule.target, False)
    if dest_move is None and _module_path(config, rule.target, True) in facts_by_path:
        dest_path = _module_path(config, rule.target, True)
    return SymbolMove(rule.source, rule.symbol, rule.target, dest_path, rule.key)


def _current_dest(
    symbol: SymbolMove,
    renamer: _Renamer,
    facts_by_path: Mapping[str, FileFacts],
    read: Reader,
    texts: Mapping[str, bytes],
) -> Optional[bytes]:
    """Return the text the destination module has at this point of the plan, or None when it is new."""
    if symbol.dest_path in texts:
        return texts[symbol.dest_path]
    moved_here = next((move for move in renamer.file_moves.values() if move.new_path == symbol.dest_path), None)
    if moved_here is not None:
        return read(moved_here.old_path)
    if symbol.dest_path in facts_by_path:
        return read(symbol.dest_path)
    return None


def _folder_imports(inventory: Inventory, path: str) -> set[str]:
    """Return the names ``path`` binds by imports that resolve through its own folder or a sys.path edit."""
    return {
        item.site.bound_name
        for item in inventory.imports
        if item.site.file == path and item.resolution.via in ("script-folder", "path-edit")
    }


def _moved_symbol_of(item: ResolvedImport, symbols: Mapping[tuple[str, str], SymbolMove]) -> Optional[SymbolMove]:
    site = item.site
    if site.kind != "from" or not site.name or not symbols:
        return None
    return symbols.get((item.resolution.target or "", site.name))


def _symbol_rewrite(site: ImportSite, symbol: SymbolMove) -> SiteRewrite:
    return SiteRewrite(
        line=site.line,
        kind="from",
        module=site.module,
        level=site.level,
        name=site.name,
        alias=site.alias,
        target="module",
        new_module=symbol.new_module,
    )


def _old_symbol_names(inventory: Inventory, symbols: Sequence[SymbolMove]) -> list[tuple[str, str]]:
    pairs: dict[str, str] = {}
    for symbol in symbols:
        names = set(inventory.names_of(symbol.source_path))
        own = path_to_module(symbol.source_path)
        if own:
            names.add(own)
        for name in names:
            if is_dotted_name(name):
                pairs[f"{name}.{symbol.name}"] = f"{symbol.new_module}.{symbol.name}"
    return list(pairs.items())


def _render_symbol_moves(
    symbols: Sequence[SymbolMove],
    renamer: _Renamer,
    changes: list[FileChange],
    read: Reader,
    inventory: Inventory,
) -> None:
    """Move each definition in the rendered texts, replacing or adding the changes of both modules."""
    facts_by_path = {facts.path: facts for facts in inventory.files}
    by_new_path = {change.new_path: index for index, change in enumerate(changes)}
    texts = {change.new_path: change.after for change in changes}
    for symbol in symbols:
        source = texts.get(symbol.source_path, None)
        if source is None:
            source = read(symbol.source_path)
        dest = _current_dest(symbol, renamer, facts_by_path, read, texts)
        result = move_symbol(source, dest, symbol, folder_imports=_folder_imports(inventory, symbol.source_path))
        if result.problem is not None:
            # The check on the files as they were passed, so the importers already point at the
            # new module: a plan that left the definition behind would break them.
            raise BatchError(
                f"{symbol.source_path}: moving {symbol.name} failed once the batch's other rewrites were made "
                f"({result.problem.reason}); move it in a batch of its own."
            )
        for path, after in ((symbol.source_path, result.source_after), (symbol.dest_path, result.dest_after or b"")):
            texts[path] = after
            index = by_new_path.get(path)
            if index is None:
                before = dest if path == symbol.dest_path and dest is not None else b""
                if path == symbol.source_path:
                    before = read(path)
                by_new_path[path] = len(changes)
                created = path == symbol.dest_path and dest is None
                changes.append(FileChange(path=path, new_path=path, before=before, after=after, created=created))
            else:
                changes[index] = dataclasses.replace(changes[index], after=after)


# Hazards, shims, packages ----------------------------------------------------


def _collect_hazards(
    moves: tuple[FileMove, ...],
    facts_by_path: Mapping[str, FileFacts],
    changes: list[FileChange],
    inventory: Inventory,
) -> Iterable[Finding]:
    moved = {move.old_path for move in moves}
    for move in moves:
        facts = facts_by_path[move.old_path]
        for hazard in facts.hazards:
            if hazard.kind == "file-relative-path":
                continue  # reported below from the transform's own result
            yield Finding(hazard.file, hazard.line, hazard.kind, hazard.detail)
        if move.is_test:
            yield Finding(move.old_path, 0, "test-moved", "a test file moves without a shim; tests are never replaced by stubs")
    for change in changes:
        for skipped in change.skipped:
            yield Finding(change.path, skipped.line, skipped.code or "not-rewritten", skipped.reason)
    moved_names: Optional[set[str]] = None  # computed on the first import text found
    for facts in inventory.files:
        for reference in facts.strings:
            if reference.kind != "import-text" or not reference.module:
                continue
            if moved_names is None:
                moved_names = _names_of_moved_files(inventory, moved)
            if reference.module in moved_names:
                yield Finding(facts.path, reference.line, "import-text", f"code writes import text naming a moved module: {reference.value!r}")


def _names_of_moved_files(inventory: Inventory, moved: set[str]) -> set[str]:
    """Return every dotted name under which a moved file is imported, and its name from the root."""
    names = {name for name in (path_to_module(path) for path in moved) if name}
    for item in inventory.imports:
        resolution = item.resolution
        if resolution.target in moved:
            names.add(resolution.module_name)
        if resolution.member_target in moved and item.site.name:
            names.add(f"{resolution.module_name}.{item.site.name}".lstrip("."))
    return names


def _shim_specs(
    config: Config,
    batch: BatchConfig,
    moves: tuple[FileMove, ...],
    facts_by_path: Mapping[str, FileFacts],
    read: Reader,
    root: Path,
) -> Iterable[ShimSpec]:
    """Describe the stub at each old path, which repeats the old file's shebang and keeps its execute bit."""
    today = datetime.date.today().isoformat()
    for move in moves:
        if move.is_test:
            continue
        _reject_stdlib_alias(config, move)
        facts = facts_by_path[move.old_path]
        # NOTE: the mode comes from the checkout's file, which matches git's record unless core.fileMode is false.
        yield ShimSpec(
            old_path=move.old_path,
            old_module=move.old_module,
            new_module=move.new_module,
            kind="package" if move.is_package_init else "module",
            batch=batch.name,
            created=today,
            remove_after=config.shim_remove_after,
            exported_names=tuple(sorted(set(facts.defines))),
            package_root=config.package_root,
            shebang=shebang_line(move.old_path, read(move.old_path)),
            executable=is_executable(root, move.old_path),
        )


def _reject_stdlib_alias(config: Config, move: FileMove) -> None:
    """Raise when the shim at the old path would carry the name of a standard-library module.

    A script's folder is first on sys.path, so a shim named ``logging.py`` would serve
    `import logging` in every script of that folder with the moved module.
    """
    old = PurePosixPath(move.old_path)
    bare_name = old.parent.name if move.is_package_init else old.stem
    if is_stdlib_module(bare_name):
        raise BatchError(
            f"{config.path}: {move.old_path} has the name of the standard-library module {bare_name!r}, and a shim "
            f"there would go on shadowing it for every script in {old.parent.as_posix() or 'the root'}; move it in a "
            "batch of its own after renaming it, or leave it out of this batch."
        )


def _new_init_files(
    config: Config,
    moves: tuple[FileMove, ...],
    facts_by_path: Mapping[str, FileFacts],
    new_modules: Sequence[str] = (),
) -> tuple[str, ...]:
    existing = set(facts_by_path) | {move.new_path for move in moves if move.is_package_init}
    needed: set[str] = set()
    stop = PurePosixPath(config.package_root) if config.package_root else PurePosixPath(".")
    for new_path in [*(move.new_path for move in moves), *new_modules]:
        parent = PurePosixPath(new_path).parent
        while parent != stop and parent.as_posix() not in ("", "."):
            init = (parent / "__init__.py").as_posix()
            if init not in existing:
                needed.add(init)
            parent = parent.parent
    return tuple(sorted(needed))


def _relative_to_root(config: Config, inventory: Inventory) -> str:
    try:
        return config.path.resolve().relative_to(Path(inventory.root).resolve()).as_posix()
    except ValueError:
        return ""


def path_to_module(path: str) -> Optional[str]:
    """Return the dotted name of a repository file imported from the root, or None."""
    pure = PurePosixPath(path)
    parts = list(pure.with_suffix("").parts) if pure.suffix == ".py" else list(pure.parts)
    if parts and parts[-1] == "__init__":
        parts.pop()
    if not parts or not all(is_identifier(part) for part in parts):
        return None
    return ".".join(parts)


def _stdlib_names() -> frozenset[str]:
    names = getattr(sys, "stdlib_module_names", None)
    if names:
        return frozenset(names)
    return frozenset(sys.builtin_module_names) | frozenset(
        {"os", "sys", "json", "logging", "typing", "re", "io", "time", "datetime", "collections", "pathlib",
         "subprocess", "unittest", "test", "email", "http", "html", "xml", "string", "types", "abc", "ast",
         "random", "math", "socket", "select", "signal", "queue", "threading", "asyncio", "enum", "copy"}
    )


# Focused inventory -------------------------------------------------------------


def batch_focus(config: Config, *batch_names: str) -> Callable[[Sequence[str]], Focus]:
    """Return what the inventory must parse to plan the batches ``batch_names``, for ``scan_repository(focus=...)``.

    Every file a rule can select is parsed. So is every file whose bytes
    contain the stem of such a file, or the name of a folder it lives in
    below a moved folder. An import, a string or a command that reaches a
    moved module spells that name. The selection may be wider than the batch (a
    rule that the plan rejects still selects its files); the plan reports
    such errors itself.
    """
    rules = [rule for name in batch_names for rule in config.batch(name).moves]

    def focus(python_paths: Sequence[str]) -> Focus:
        paths: set[str] = set()
        names: set[str] = set()
        for rule in rules:
            selected = _paths_of_rule(config, rule, python_paths)
            paths.update(selected)
            names.update(_stem_needle(path).decode("utf-8") for path in selected)
            if rule.kind == "folder":
                root = PurePosixPath(rule.source.rstrip("/"))
                names.add(root.name)
                for path in selected:
                    names.update(PurePosixPath(path).parent.relative_to(root).parts)
        names.discard("")
        needles = tuple(sorted(name.encode("utf-8") for name in names))
        moved = frozenset(paths)
        return Focus(moved, needles, expand=lambda facts: _relative_importer_needles(moved, facts))

    return focus


def _relative_importer_needles(moved: frozenset[str], facts: Iterable[FileFacts]) -> set[bytes]:
    """Return the stems of the files that reach a moved file through relative imports, directly or in a chain.

    Such a file's own importers decide whether its relative import may
    become an absolute import of the package, so the plan needs them too.
    """
    reaching: set[str] = set()
    relative = [(item.path, site) for item in facts if item.path not in moved for site in item.imports if site.level]
    found = True
    while found:
        found = False
        for path, site in relative:
            if path in reaching or (moved | reaching).isdisjoint(_relative_candidates(path, site)):
                continue
            reaching.add(path)
            found = True
    return {_stem_needle(path) for path in reaching}


def _relative_candidates(path: str, site: ImportSite) -> set[str]:
    """Return the files a relative import in ``path`` may load, from the folders alone."""
    folder = PurePosixPath(path).parent
    for _ in range(site.level - 1):
        folder = folder.parent
    base = folder.joinpath(*site.module.split(".")) if site.module else folder
    candidates = {f"{base.as_posix()}.py", f"{base.as_posix()}/__init__.py"}
    if site.name and site.name != "*":
        candidates |= {f"{base.as_posix()}/{site.name}.py", f"{base.as_posix()}/{site.name}/__init__.py"}
    return candidates


def _stem_needle(path: str) -> bytes:
    pure = PurePosixPath(path)
    return (pure.parent.name if pure.stem in ("__init__", "__main__") else pure.stem).encode("utf-8")


def _paths_of_rule(config: Config, rule: MoveRule, python_paths: Sequence[str]) -> set[str]:
    if rule.kind == "file":
        return {rule.source}
    if rule.kind == "symbol":
        destinations = {_module_path(config, rule.target, False), _module_path(config, rule.target, True)}
        return {rule.source, *destinations.intersection(python_paths)}
    if rule.kind == "folder":
        prefix = rule.source.rstrip("/") + "/"
        return {path for path in python_paths if path.startswith(prefix)}
    return {path for path in python_paths if fnmatch.fnmatchcase(path, rule.source)}
