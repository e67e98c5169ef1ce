"""The inventory pipeline: discover, read, scan (cached), resolve, find references."""

from __future__ import annotations

import concurrent.futures
import gc
import hashlib
import logging
import math
import os
import posixpath
import re
import sqlite3
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import Callable, Optional

from inventory import figures, pathexpr
from inventory.cache import FactsCache
from inventory.discover import Discovery, discover_files
from inventory.model import FileFacts, Focus, Hazard, Inventory, PathEdit, ResolvedImport
from inventory.references import scan_references
from inventory.resolve import PathIndex, Resolver
from inventory.scan import scan_source

logger = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
FocusFactory = Callable[[Sequence[str]], Optional[Focus]]

# An estimate: below this many files to parse, starting worker processes costs more than it saves.
PROCESS_POOL_THRESHOLD = 200
_NOT_BASENAME_DUPLICATES = frozenset({"__init__.py", "__main__.py", "conftest.py"})
# A quote followed by a slash: the start of a string literal holding an absolute path.
_ABSOLUTE_LITERAL = re.compile(rb"""["']/""")


def scan_repository(
    root: Path,
    *,
    exclude: Sequence[str] = (),
    roots: Sequence[str] = (),
    use_cache: bool = True,
    jobs: Optional[int] = None,
    progress: Optional[Progress] = None,
    focus: Optional[FocusFactory] = None,
) -> Inventory:
    """Scan the repository at ``root`` and resolve every import in it.

    ``roots`` are repository-relative folders that are on ``sys.path`` in
    production; ``exclude`` are glob patterns of files never scanned.
    ``progress(done, total)`` is called as Python files are parsed, with
    files served from the cache counted as done at once.

    ``focus`` takes the repository's Python paths and returns the
    :class:`Focus` of a task, such as the plan of one batch. Only the files
    it selects are parsed and resolved, and only the non-Python files that
    contain one of its needles are searched for references. The other
    Python files are listed in ``Inventory.unscanned``. When the cache
    contains the resolved scan of the whole repository as it is, that scan
    is returned instead.
    """
    # The scan allocates hundreds of thousands of small objects and frees
    # almost none, so cyclic garbage collection passes are pure overhead.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _scan_repository(Path(root), exclude, roots, use_cache, jobs, progress, focus)
    finally:
        if collecting:
            gc.enable()


def _scan_repository(
    root: Path,
    exclude: Sequence[str],
    roots: Sequence[str],
    use_cache: bool,
    jobs: Optional[int],
    progress: Optional[Progress],
    focus: Optional[FocusFactory] = None,
) -> Inventory:
    started = time.perf_counter()
    root = root.resolve()
    discovery = discover_files(root, exclude)
    sources = _read_sources(root, discovery.python_files)

    hashes = {
        path: hashlib.sha256(data).hexdigest() for path, data in sources.items() if data is not None
    }
    key = _resolution_key(root, discovery.all_paths, sources, hashes, roots)

    cache = _open_cache(root) if use_cache else None
    unscanned: frozenset[str] = frozenset()
    try:
        stored = cache.load_resolved(key) if cache is not None else None
        selection = focus(discovery.python_files) if focus is not None and stored is None else None
        if stored is not None:
            facts, imports = stored
            parsed = 0
            if progress is not None:
                progress(len(sources), len(sources))
        elif selection is not None:
            facts, parsed = _collect_focused_facts(sources, hashes, selection, cache, jobs, progress)
            unscanned = frozenset(sources.keys() - {item.path for item in facts})
            facts, imports = _resolve(root, facts, discovery.all_paths, roots, discovery.python_files)
            facts = _with_unscanned(facts, sources, hashes)
        else:
            facts, parsed = _collect_facts(sources, hashes, cache, jobs, progress)
            facts, imports = _resolve(root, facts, discovery.all_paths, roots, discovery.python_files)
            if cache is not None:
                cache.store_resolved(key, facts, imports)
        references = scan_references(
            root,
            discovery.other_files,
            discovery.python_files,
            cache=cache,
            needles=selection.needles if selection is not None else None,
        )
    finally:
        if cache is not None:
            cache.close()

    seconds = time.perf_counter() - started
    inventory = Inventory(
        root=str(root),
        files=facts,
        imports=imports,
        references=references,
        non_python_files=len(discovery.other_files),
        parsed=parsed,
        seconds=seconds,
        unscanned=unscanned,
    )
    inventory.stats.update(_statistics(inventory, discovery))
    logger.info(
        "scanned %d Python files (%d parsed, %d from the cache, %d not needed) in %.2f s",
        len(facts), parsed, len(facts) - parsed - len(unscanned), len(unscanned), seconds,
    )  # fmt: skip
    return inventory


def _resolution_key(
    root: Path,
    all_paths: Iterable[str],
    sources: dict[str, Optional[bytes]],
    hashes: dict[str, str],
    roots: Sequence[str],
) -> str:
    """Return a hash of everything the completed facts and the resolutions depend on.

    That is the repository's location and name (hard-coded paths are mapped
    by them), every path (the resolver searches all files and folders), the
    content of every Python file, and the configured roots.
    """
    digest = hashlib.sha256(str(root).encode())
    digest.update("\0".join(roots).encode() + b"\1")
    digest.update("\0".join(sorted(all_paths)).encode() + b"\1")
    for path in sources:
        digest.update(f"{path}\0{hashes.get(path, '')}\0".encode())
    return digest.hexdigest()


def _resolve(
    root: Path,
    facts: tuple[FileFacts, ...],
    all_paths: Iterable[str],
    roots: Sequence[str],
    python_paths: Sequence[str],
) -> tuple[tuple[FileFacts, ...], tuple[ResolvedImport, ...]]:
    resolver = Resolver(PathIndex.build(all_paths), roots)
    facts = _complete_facts(root, facts, resolver, python_paths)
    return facts, resolver.resolve_all(facts)


def _collect_focused_facts(
    sources: dict[str, Optional[bytes]],
    hashes: dict[str, str],
    selection: Focus,
    cache: Optional[FactsCache],
    jobs: Optional[int],
    progress: Optional[Progress],
) -> tuple[tuple[FileFacts, ...], int]:
    """Return facts for the files ``selection`` selects, and the number of files parsed.

    A hard-coded absolute path in a ``sys.path`` edit is mapped onto this
    checkout by the prefixes of all such paths in the repository. So when
    a selected file has one, every file that may have one is parsed too.
    """
    selected = {
        path: data for path, data in sources.items() if data is None or selection.selects(path, data)
    }
    facts, parsed = _collect_facts(
        selected, _hashes_of(selected, hashes), cache, jobs, progress, keep=hashes
    )
    needles = set(selection.needles)
    while selection.expand is not None:
        new = set(selection.expand(facts)) - needles
        if not new:
            break
        needles |= new
        more = {
            path: data
            for path, data in sources.items()
            if path not in selected and data is not None and any(needle in data for needle in new)
        }
        facts, parsed = _add_facts(facts, parsed, more, selected, hashes, cache, jobs, progress)

    if any(_has_absolute_edit(item) for item in facts):
        more = {
            path: data
            for path, data in sources.items()
            if path not in selected and data is not None and _may_add_absolute_path(data)
        }
        facts, parsed = _add_facts(facts, parsed, more, selected, hashes, cache, jobs, progress)
    return facts, parsed


def _add_facts(
    facts: tuple[FileFacts, ...],
    parsed: int,
    more: dict[str, bytes],
    selected: dict[str, Optional[bytes]],
    hashes: dict[str, str],
    cache: Optional[FactsCache],
    jobs: Optional[int],
    progress: Optional[Progress],
) -> tuple[tuple[FileFacts, ...], int]:
    """Collect facts of ``more``, add its files to ``selected``, and return the combined facts and count."""
    if not more:
        return facts, parsed
    selected.update(more)
    sources: dict[str, Optional[bytes]] = dict(more)
    more_facts, more_parsed = _collect_facts(
        sources, _hashes_of(sources, hashes), cache, jobs, progress, keep=hashes
    )
    return facts + more_facts, parsed + more_parsed


def _hashes_of(sources: dict[str, Optional[bytes]], hashes: dict[str, str]) -> dict[str, str]:
    return {path: hashes[path] for path in sources if path in hashes}


def _has_absolute_edit(facts: FileFacts) -> bool:
    return any(
        edit.absolute is not None and edit.absolute.startswith("/") for edit in facts.path_edits
    )


def _may_add_absolute_path(data: bytes) -> bool:
    """Return whether a file may add a hard-coded absolute path to ``sys.path``; false positives are harmless."""
    return (b"addsitedir" in data or (b"sys" in data and b"path" in data)) and (
        _ABSOLUTE_LITERAL.search(data) is not None
    )


def _with_unscanned(
    facts: tuple[FileFacts, ...], sources: dict[str, Optional[bytes]], hashes: dict[str, str]
) -> tuple[FileFacts, ...]:
    """Return facts for every source in discovery order: parsed ones, and path, hash and size of the rest."""
    by_path = {item.path: item for item in facts}
    return tuple(
        by_path.get(path) or FileFacts(path=path, sha=hashes.get(path, ""), size=len(data or b""))
        for path, data in sources.items()
    )


def _read_sources(root: Path, paths: Iterable[str]) -> dict[str, Optional[bytes]]:
    sources: dict[str, Optional[bytes]] = {}
    for path in paths:
        try:
            with open(os.path.join(root, path), "rb") as handle:
                sources[path] = handle.read()
        except OSError as error:
            logger.warning("could not read %s: %s", path, error)
            sources[path] = None
    return sources


def _open_cache(root: Path) -> Optional[FactsCache]:
    cache = FactsCache(root)
    try:
        cache.open()
    except (OSError, sqlite3.Error) as error:
        logger.warning("cache at %s is not usable (%s); scanning without it", cache.path, error)
        return None
    return cache


def _collect_facts(
    sources: dict[str, Optional[bytes]],
    hashes: dict[str, str],
    cache: Optional[FactsCache],
    jobs: Optional[int],
    progress: Optional[Progress],
    keep: Optional[dict[str, str]] = None,
) -> tuple[tuple[FileFacts, ...], int]:
    """Return facts for every source, from the cache where the content hash matches.

    Cache rows whose path and hash are not in ``keep`` (by default ``hashes``) are dropped.
    """
    keep = hashes if keep is None else keep
    cached = cache.load(hashes) if cache is not None else {}

    misses = [
        (path, data) for path, data in sources.items() if data is not None and path not in cached
    ]
    total = len(sources)
    if progress is not None:
        progress(len(cached), total)
    parsed = parse_files(misses, jobs=jobs, progress=progress, done=len(cached), total=total)
    if cache is not None and (parsed or len(cached) != len(hashes)):
        cache.store(parsed.values(), keep=keep)

    facts = []
    for path, data in sources.items():
        if data is None:
            facts.append(_unreadable(path))
        else:
            facts.append(cached.get(path) or parsed[path])
    return tuple(facts), len(parsed)


def parse_files(
    items: Sequence[tuple[str, bytes]],
    *,
    jobs: Optional[int] = None,
    progress: Optional[Progress] = None,
    done: int = 0,
    total: Optional[int] = None,
) -> dict[str, FileFacts]:
    """Scan ``(path, bytes)`` items, in worker processes when there are many."""
    total = len(items) if total is None else total
    workers = max(1, min(jobs or os.cpu_count() or 1, len(items)))
    results: dict[str, FileFacts] = {}
    if workers > 1 and len(items) > PROCESS_POOL_THRESHOLD:
        try:
            return _parse_in_pool(items, workers, progress, done, total)
        except (OSError, BrokenProcessPool, NotImplementedError, PermissionError) as error:
            logger.warning(
                "could not parse in worker processes (%s); parsing in this process", error
            )

    for path, data in items:
        results[path] = scan_source(path, data)
        done += 1
        if progress is not None:
            progress(done, total)
    return results


def _parse_in_pool(
    items: Sequence[tuple[str, bytes]],
    workers: int,
    progress: Optional[Progress],
    done: int,
    total: int,
) -> dict[str, FileFacts]:
    chunksize = max(1, math.ceil(len(items) / (workers * 4)))
    results: dict[str, FileFacts] = {}
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        for facts in pool.map(_scan_item, items, chunksize=chunksize):
            results[facts.path] = facts
            done += 1
            if progress is not None:
                progress(done, total)
    return results


def _scan_item(item: tuple[str, bytes]) -> FileFacts:
    return scan_source(item[0], item[1])


def _unreadable(path: str) -> FileFacts:
    message = "line 0: the file could not be read"
    return FileFacts(
        path=path,
        sha="",
        size=0,
        hazards=(Hazard(path, 0, "parse-error", message),),
        parse_error=message,
    )


def _complete_facts(
    root: Path, facts: tuple[FileFacts, ...], resolver: Resolver, python_paths: Sequence[str]
) -> tuple[FileFacts, ...]:
    """Add what needs the whole repository: mapped hard-coded paths, string targets, shared hazards."""
    facts = _map_path_edits(root, facts, resolver.index)
    facts = resolver.locate_all(facts)
    facts = _add_import_text_hazards(facts)
    return _add_duplicate_basename_hazards(facts, python_paths)


def _map_path_edits(
    root: Path, facts: tuple[FileFacts, ...], index: PathIndex
) -> tuple[FileFacts, ...]:
    """Map absolute paths from other checkouts onto this repository; spell out outside paths."""
    hard_coded = [
        edit.absolute
        for item in facts
        for edit in item.path_edits
        if edit.absolute is not None and edit.absolute.startswith("/")
    ]
    prefixes = pathexpr.checkout_prefixes(hard_coded, index.folders, root.name)

    mapped_facts = []
    for item in facts:
        if not any(edit.absolute is not None for edit in item.path_edits):
            mapped_facts.append(item)
            continue
        edits = tuple(_map_path_edit(root, edit, index, prefixes) for edit in item.path_edits)
        mapped_facts.append(replace(item, path_edits=edits))
    return tuple(mapped_facts)


def _map_path_edit(root: Path, edit: PathEdit, index: PathIndex, prefixes: set[str]) -> PathEdit:
    if edit.absolute is None:
        return edit
    if not edit.absolute.startswith("/"):
        outside = posixpath.normpath(posixpath.join(root.as_posix(), edit.absolute))
        return replace(edit, absolute=outside, reason=pathexpr.OUTSIDE_PREFIX + outside)
    mapped = pathexpr.map_hard_coded_path(edit.absolute, index.folders, prefixes)
    if mapped is None:
        return edit
    shown = mapped or "the repository root"
    reason = f"hard-coded absolute path {edit.absolute}, taken as {shown} of this checkout"
    return replace(edit, target=mapped, reason=reason)


def _add_import_text_hazards(facts: tuple[FileFacts, ...]) -> tuple[FileFacts, ...]:
    result = []
    for item in facts:
        hazards = [
            Hazard(
                item.path,
                reference.line,
                "import-text",
                f"string holds the import text {reference.value!r} of local module {reference.module}",
            )
            for reference in item.strings
            if reference.kind == "import-text" and reference.path is not None
        ]
        result.append(replace(item, hazards=item.hazards + tuple(hazards)) if hazards else item)
    return tuple(result)


def _add_duplicate_basename_hazards(
    facts: tuple[FileFacts, ...], python_paths: Sequence[str]
) -> tuple[FileFacts, ...]:
    by_basename: dict[str, list[str]] = defaultdict(list)
    for path in python_paths:
        basename = path.rpartition("/")[2]
        if basename not in _NOT_BASENAME_DUPLICATES:
            by_basename[basename].append(path)

    result = []
    for item in facts:
        basename = item.path.rpartition("/")[2]
        others = [path for path in by_basename.get(basename, ()) if path != item.path]
        if not others:
            result.append(item)
            continue
        shown = ", ".join(others[:5]) + (f" and {len(others) - 5} more" if len(others) > 5 else "")
        hazard = Hazard(item.path, 0, "duplicate-basename", f"{basename} also exists at {shown}")
        result.append(replace(item, hazards=item.hazards + (hazard,)))
    return tuple(result)


def _statistics(inventory: Inventory, discovery: Discovery) -> dict:
    edits = [edit for item in inventory.files for edit in item.path_edits]
    local: list[ResolvedImport] = [
        item for item in inventory.imports if item.resolution.status == "local"
    ]
    return {
        "python_files": len(inventory.files),
        "unscanned": len(inventory.unscanned),
        "non_python_files": inventory.non_python_files,
        "discovered_by": discovery.source,
        "parsed": inventory.parsed,
        "from_cache": len(inventory.files) - inventory.parsed,
        "parse_failures": sum(1 for item in inventory.files if item.parse_error),
        "imports": len(inventory.imports),
        "imports_by_status": dict(Counter(item.resolution.status for item in inventory.imports)),
        "local_imports_by_via": dict(Counter(item.resolution.via for item in local)),
        "path_edits": len(edits),
        "path_edits_evaluated": sum(1 for edit in edits if edit.target is not None),
        "path_edits_outside": sum(
            1 for edit in edits if edit.target is None and edit.absolute is not None
        ),
        "path_edits_not_evaluated": sum(
            1 for edit in edits if edit.target is None and edit.absolute is None
        ),
        "imports_by_kind": figures.imports_by_kind(inventory.imports),
        "entry_points": sum(1 for item in inventory.files if item.is_entry_point),
        "files_started_from_outside": len(figures.files_started_from_outside(inventory.references)),
        "files_started_from_outside_excluding_docs": len(
            figures.files_started_from_outside(inventory.references, include_docs=False)
        ),
        "test_files": sum(1 for item in inventory.files if item.is_test),
        "hazards_by_kind": dict(
            Counter(hazard.kind for item in inventory.files for hazard in item.hazards)
        ),
        "string_references": sum(len(item.strings) for item in inventory.files),
        "external_references": len(inventory.references),
        "external_references_starting_python": sum(
            1 for ref in inventory.references if ref.starts_python
        ),
        "seconds": round(inventory.seconds, 3),
    }
