"""Remove the shims that nothing uses any more, on a branch of their own.

``prune_shims`` works like apply, in a temporary worktree at the base: HEAD, or the
unmerged branch of the batch. It can first rewrite the import sites and strings that
still use old names. Then it deletes each shim that is untouched since generation, due,
and has no remaining users, drops its record from the manifest file that contains it (deleting
a file left without records), and commits. Users are counted in the
base commit and in the uncommitted files of the user's checkout (added, modified, or
untracked and not ignored), which the branch does not contain but which break once it is
merged. The branch ``codemod/prune-<batch or date>`` is created only once the commits
exist. A shim that was edited is never deleted: prune stops with an error naming it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Optional

from codemods.apply import branch_name, clean_leftovers
from codemods.config import Config, load_config
from codemods.errors import BatchError, GitError
from codemods.gitops import BRANCH_PREFIX, Repository, Worktree
from codemods.manifests import manifests_in
from codemods.model import SiteRewrite, StringRewrite
from codemods.plan import (
    REWRITABLE_STRING_KINDS,
    member_site_rewrite,
    module_site_rewrite,
    package_reachable,
)
from codemods.shim_usage import (
    USE_DOC,
    ShimUsage,
    ShimUse,
    config_files,
    find_shim_users,
    scan_files,
)
from codemods.transform import transform_file_source
from codemods.workspace import scan_target, write_file
from inventory.discover import discover_files
from inventory.model import Inventory
from shimgen.manifest import ShimManifests, ShimRecord, save_manifest
from shimgen.prune import EDITED, MISSING, NOT_A_SHIM, OTHER_VERSION, UNCHANGED, is_due, stub_state

logger = logging.getLogger(__name__)

PRUNE_PREFIX = "prune-"
SHOWN_LOCATIONS = 5  # uncommitted uses named in a kept shim's reason; the rest are counted


@dataclass(frozen=True)
class KeptShim:
    """A shim that prune left in place, and why."""

    record: ShimRecord
    reason: str
    uses: tuple[ShimUse, ...] = ()
    uncommitted: tuple[ShimUse, ...] = ()  # the uses in uncommitted files of the checkout, also in ``uses``


@dataclass(frozen=True)
class UncommittedFiles:
    """The files of the user's checkout that differ from HEAD or are untracked, and not ignored or excluded."""

    root: Path
    python_files: tuple[str, ...] = ()
    other_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class Straggler:
    """A use of an old name that --rewrite-stragglers did not rewrite, and why."""

    file: str
    line: int
    reason: str


@dataclass(frozen=True)
class PruneResult:
    """The commits of one prune run and the shims it removed and kept; ``branch`` is "" when nothing was committed."""

    branch: str
    base: str
    removed: tuple[ShimRecord, ...]
    kept: tuple[KeptShim, ...]
    rewrite_commit: str = ""
    prune_commit: str = ""
    rewritten: int = 0  # import sites and strings moved to the new names
    stragglers: tuple[Straggler, ...] = ()
    stale_docs: tuple[ShimUse, ...] = ()  # mentions in docs of the old paths removed


def prune_branch_name(batch: Optional[str], today: date) -> str:
    """Return ``codemod/prune-<batch>``, or ``codemod/prune-<date>`` for every batch at once."""
    return f"{BRANCH_PREFIX}{PRUNE_PREFIX}{batch or today.isoformat()}"


def prune_shims(
    root: Path,
    *,
    batch: Optional[str] = None,
    rewrite_stragglers: bool = False,
    before_due: bool = False,
    today: Optional[date] = None,
) -> PruneResult:
    """Delete the unused, untouched, due shims (of ``batch``, or all) on a new prune branch.

    With ``rewrite_stragglers``, import sites and ``mock.patch``-like strings in Python
    files that still use an old name are first rewritten to the new name, in a commit of
    their own. With ``before_due``, shims whose remove-after date has not passed are
    removed too. Raises BatchError naming the file when a shim to remove was edited.
    """
    repository = Repository(root)
    config = load_config(repository.root)
    if batch is not None:
        config.batch(batch)
    today = today or date.today()
    branch = prune_branch_name(batch, today)
    repository.check_branch_name(branch)

    with repository.lock():
        clean_leftovers(repository)
        _check_can_commit(repository)
        if repository.branch_exists(branch):
            raise BatchError(
                f"branch {branch} exists already; review and merge it, or delete it with "
                f"`git branch -D {branch}`, then run prune again."
            )
        base = _prune_base(repository, batch)
        uncommitted = _uncommitted_files(repository, config)
        folder = repository.add_worktree(base)
        try:
            ignored = config_files(config, repository.root)
            result = _prune_in_worktree(
                folder, config, batch, base, ignored, uncommitted, rewrite_stragglers, before_due, today
            )
            tip = result.prune_commit or result.rewrite_commit
            if tip:
                repository.create_branch(branch, tip)
                result = replace(result, branch=branch)
        except BaseException:
            repository.abandon_apply(folder, None)
            raise
        repository.remove_worktree(folder)
        repository.finish_apply()
    return result


def _check_can_commit(repository: Repository) -> None:
    repository.head_commit()
    problem = repository.identity_problem()
    if problem:
        raise GitError(f"{repository.root}: {problem}")


def _prune_base(repository: Repository, batch: Optional[str]) -> str:
    """Return the batch's branch tip when it is not merged yet, else HEAD."""
    head = repository.head_commit()
    if batch is None:
        return head
    branch = branch_name(batch)
    if repository.branch_exists(branch):
        tip = repository.branch_commit(branch)
        if not repository.is_ancestor(tip, head):
            return tip
    return head


def _uncommitted_files(repository: Repository, config: Config) -> UncommittedFiles:
    """List the files that `git status` shows as added, modified or untracked, as the inventory would scan them.

    Deleted files are left out: their committed version is in the base that prune scans.
    """
    changed = {item.path for item in repository.uncommitted_paths()}
    # The listing of the inventory skips ignored and excluded files and virtual environments.
    discovery = discover_files(repository.root, config.exclude)
    return UncommittedFiles(
        repository.root,
        tuple(path for path in discovery.python_files if path in changed),
        tuple(path for path in discovery.other_files if path in changed),
    )


def _prune_in_worktree(
    folder: Path,
    config: Config,
    batch: Optional[str],
    base: str,
    ignored: Sequence[str],
    uncommitted: UncommittedFiles,
    rewrite_stragglers: bool,
    before_due: bool,
    today: date,
) -> PruneResult:
    worktree = Worktree(folder)
    manifests = manifests_in(folder, label=base[:10])
    records = [record for record in manifests.records if batch is None or record.batch == batch]
    if not records:
        which = f"of batch {batch!r} " if batch else ""
        raise BatchError(f"the shim manifests at {base[:10]} list no shims {which}; there is nothing to prune.")
    label = f"{PRUNE_PREFIX}{batch or today.isoformat()}"

    rewrite_commit, rewritten = "", 0
    stragglers: list[Straggler] = []
    if rewrite_stragglers:
        rewrite_commit, rewritten, stragglers = _rewrite_stragglers(worktree, folder, config, records, label)

    inventory = scan_target(folder, config, use_cache=False)
    usages = {usage.record.old_path: usage for usage in find_shim_users(inventory, records, ignored=ignored)}
    pending = _uncommitted_uses(folder, config, records, ignored, uncommitted)
    usages = {path: _with_uses(usage, pending[path]) for path, usage in usages.items()}
    removed, kept = _select_removals(folder, manifests, records, usages, pending, before_due, today)

    stale_docs = tuple(use for record in removed for use in usages[record.old_path].uses)
    prune_commit = ""
    if removed:
        prune_commit = _commit_removals(worktree, folder, manifests, removed, kept, stale_docs, label, batch)
    return PruneResult(
        "", base, tuple(removed), tuple(kept), rewrite_commit, prune_commit, rewritten, tuple(stragglers), stale_docs
    )


def _uncommitted_uses(
    folder: Path, config: Config, records: Sequence[ShimRecord], ignored: Sequence[str], uncommitted: UncommittedFiles
) -> dict[str, tuple[ShimUse, ...]]:
    """Return, per shim path, the uses in the uncommitted files, resolved against the files of the base in ``folder``."""
    if not uncommitted.python_files and not uncommitted.other_files:
        return {record.old_path: () for record in records}
    inventory = scan_files(
        uncommitted.root,
        uncommitted.python_files,
        tree_paths=discover_files(folder, config.exclude).all_paths,
        roots=config.roots,
        other_files=uncommitted.other_files,
    )
    return {usage.record.old_path: usage.uses for usage in find_shim_users(inventory, records, ignored=ignored)}


def _with_uses(usage: ShimUsage, extra: Sequence[ShimUse]) -> ShimUsage:
    """Add ``extra`` to the uses of ``usage``; a line unchanged in a modified file is counted once."""
    uses = sorted(set(usage.uses) | set(extra), key=lambda use: (use.file, use.line, use.kind, use.text))
    return replace(usage, uses=tuple(uses))


# Selection -------------------------------------------------------------------


def _select_removals(
    folder: Path,
    manifests: ShimManifests,
    records: Sequence[ShimRecord],
    usages: Mapping[str, ShimUsage],
    pending: Mapping[str, Sequence[ShimUse]],
    before_due: bool,
    today: date,
) -> tuple[list[ShimRecord], list[KeptShim]]:
    removed: list[ShimRecord] = []
    kept: list[KeptShim] = []
    rejected: list[str] = []
    for record in records:
        state = stub_state(record, _read_text(folder / record.old_path))
        usage = usages[record.old_path]
        uncommitted = tuple(use for use in pending[record.old_path] if use.kind != USE_DOC)
        if state == MISSING:
            removed.append(record)  # only the manifest record is left to drop
        elif usage.in_use:
            kept.append(KeptShim(record, _uses_reason(usage, uncommitted), usage.uses, uncommitted))
        elif not before_due and not is_due(record, today):
            kept.append(KeptShim(record, f"unused, but due for removal only after {record.remove_after}; pass --before-due to remove it now"))
        elif state != UNCHANGED:
            rejected.append(_rejection_reason(record, state, manifests.file_of(record.old_path) or "its manifest"))
        else:
            removed.append(record)
    if rejected:
        raise BatchError("prune removes only shims that are untouched since codemod generated them:\n" + "\n".join(rejected))
    return removed, kept


def _uses_reason(usage: ShimUsage, uncommitted: Sequence[ShimUse]) -> str:
    nouns = {"import": "import site", "string": "string", "command": "command"}
    counts = [_count(usage.count(kind), noun) for kind, noun in nouns.items() if usage.count(kind)]
    reason = "still used: " + ", ".join(counts)
    if uncommitted:
        locations = [f"{use.file}:{use.line}" for use in uncommitted[:SHOWN_LOCATIONS]]
        more = len(uncommitted) - len(locations)
        reason += "; uncommitted files use it at " + ", ".join(locations) + (f", and {more} more" if more else "")
    return reason


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _rejection_reason(record: ShimRecord, state: str, manifest: str) -> str:
    restore = (
        f"restore the generated text with `git checkout <commit> -- {record.old_path}`, or delete the file and its "
        f"record in {manifest} yourself"
    )
    if state == EDITED:
        return f"{record.old_path}: the shim was edited after generation (its hash no longer matches); {restore}"
    if state == NOT_A_SHIM:
        return f"{record.old_path}: the file no longer has the codemod-shim header, so it holds other code now; {restore}"
    assert state == OTHER_VERSION
    return f"{record.old_path}: a generated shim, but not the version {manifest} records; {restore}"


def _read_text(path: Path) -> Optional[str]:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return ""  # unreadable as a stub: stub_state reports NOT_A_SHIM


def _commit_removals(
    worktree: Worktree,
    folder: Path,
    manifests: ShimManifests,
    removed: Sequence[ShimRecord],
    kept: Sequence[KeptShim],
    stale_docs: Sequence[ShimUse],
    label: str,
    batch: Optional[str],
) -> str:
    removed_paths = {record.old_path for record in removed}
    worktree.remove([path for path in sorted(removed_paths) if (folder / path).exists()])
    _remove_records(worktree, folder, manifests, removed_paths)

    scope = f" of {batch}" if batch else ""
    subject = f"Remove {_count(len(removed), 'unused shim')}{scope}"
    body = [
        "Nothing in the repository imports, patches or runs these old paths",
        "any more, and each file is the stub as codemod generated it.",
        "",
        *(f"  {record.old_path} (now {record.new_module})" for record in removed),
    ]
    if kept:
        body += ["", "Kept:", *(f"  {item.record.old_path}: {item.reason}" for item in kept)]
    if stale_docs:
        body += ["", "Docs that still mention a removed path:", *(f"  {use.file}:{use.line}: {use.text}" for use in stale_docs)]
    return worktree.commit(f"{subject}\n\n" + "\n".join(body), label)


def _remove_records(worktree: Worktree, folder: Path, manifests: ShimManifests, removed_paths: set[str]) -> None:
    """Drop the records of ``removed_paths`` from the manifest files that contain them, and stage those files.

    A manifest file left without records is deleted; the other manifest files stay as they are.
    """
    for path, records in manifests.files.items():
        remaining = [record for record in records if record.old_path not in removed_paths]
        if len(remaining) == len(records):
            continue
        if remaining:
            save_manifest(folder / path, remaining)
            worktree.add([path], force=True)
        else:
            worktree.remove([path])


# Straggler rewrites ----------------------------------------------------------


def _rewrite_stragglers(
    worktree: Worktree, folder: Path, config: Config, records: Sequence[ShimRecord], label: str
) -> tuple[str, int, list[Straggler]]:
    """Rewrite the import sites and strings in Python files that still use old names; commit them."""
    inventory = scan_target(folder, config, use_cache=False)
    shim_paths = {record.old_path for record in records}
    sites, stragglers = _plan_site_rewrites(config, inventory, records, shim_paths)
    strings = _plan_string_rewrites(inventory, records, shim_paths)

    written: list[str] = []
    rewritten = 0
    for path in sorted(set(sites) | set(strings)):
        source = (folder / path).read_bytes()
        try:
            after, result = transform_file_source(source, path=path, rewrites=sites.get(path, ()), strings=strings.get(path, ()))
        except Exception as error:  # noqa: BLE001 - a file that does not parse is never written
            stragglers.append(Straggler(path, 0, f"not rewritten: {error}"))
            continue
        stragglers.extend(Straggler(path, skipped.line, skipped.reason) for skipped in result.skipped)
        if after != source:
            write_file(folder, path, after)
            written.append(path)
            rewritten += len(sites.get(path, ())) + len(strings.get(path, ())) - len(result.skipped)

    if not written:
        return "", 0, stragglers
    worktree.add(written)
    body = "\n".join(
        [
            "These import sites and strings still used old names that shims",
            "served; they now name the new modules, so the shims can go.",
            "",
            *(f"  {path}" for path in written),
        ]
    )
    commit = worktree.commit(f"Rewrite {rewritten} uses of old module names\n\n{body}", label)
    return commit, rewritten, stragglers


def _plan_site_rewrites(
    config: Config, inventory: Inventory, records: Sequence[ShimRecord], shim_paths: set[str]
) -> tuple[dict[str, list[SiteRewrite]], list[Straggler]]:
    by_path = {record.old_path: record for record in records}
    facts_by_path = {facts.path: facts for facts in inventory.files}
    rewrites: dict[str, list[SiteRewrite]] = {}
    stragglers: list[Straggler] = []
    for item in inventory.imports:
        site = item.site
        if site.file in shim_paths:
            continue
        module_record = by_path.get(item.resolution.target or "")
        member_record = by_path.get(item.resolution.member_target or "") if site.kind == "from" else None
        if module_record is None and member_record is None:
            continue
        if not package_reachable(config, item, facts_by_path):
            stragglers.append(
                Straggler(
                    site.file,
                    site.line,
                    f"reaches the shim through {item.resolution.via or 'an unknown path'}; the new package may not be "
                    "importable where this file runs, so the import stays on the shim",
                )
            )
            continue
        if module_record is not None:
            rewrite = module_site_rewrite(site, module_record.new_module)
        else:
            assert member_record is not None
            rewrite = member_site_rewrite(site, member_record.new_module)
        rewrites.setdefault(site.file, []).append(rewrite)
    return rewrites, stragglers


def _plan_string_rewrites(
    inventory: Inventory, records: Sequence[ShimRecord], shim_paths: set[str]
) -> dict[str, list[StringRewrite]]:
    names = sorted(((record.old_module, record.new_module) for record in records if record.old_module), key=lambda pair: -len(pair[0]))
    rewrites: dict[str, list[StringRewrite]] = {}
    for facts in inventory.files:
        if facts.path in shim_paths:
            continue
        for reference in facts.strings:
            if reference.kind not in REWRITABLE_STRING_KINDS:
                continue
            new_value = _renamed(reference.value, names)
            if new_value is not None:
                rewrites.setdefault(facts.path, []).append(StringRewrite(reference.line, reference.value, new_value, reference.kind))
    return rewrites


def _renamed(value: str, names: Iterable[tuple[str, str]]) -> Optional[str]:
    for old, new in names:
        if value == old or value.startswith(old + "."):
            return new + value[len(old) :]
    return None

