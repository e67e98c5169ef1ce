"""What still uses the old names that shims keep alive, and tools to drive that to zero.

``shim_usage`` lists the uses of every shim in the manifest: the import sites that reach
the stub file, the strings in Python code that name the old module, the commands in
non-Python files (cron, shell, CI) that name the old path, and mentions in docs. ``ruff_banned_api``
and ``pytest_filterwarnings`` render configuration that stops new uses (``find_pytest_config``
picks the file pytest reads it from), and ``scan_pickles`` finds stored pickles that name old
modules.
"""

from __future__ import annotations

import configparser
import keyword
import logging
import os
import re
import shlex
import sys
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from codemods.apply import branch_name
from codemods.config import Config, load_config
from codemods.errors import BatchError, CodemodError, ConfigError
from codemods.gitops import Repository
from codemods.manifests import manifests_at, manifests_in
from codemods.workspace import file_reader, scan_target
from inventory import resolve_imports, scan_references, scan_source
from inventory.model import Inventory, ResolvedImport
from inventory.names import Spelling, spellings_by_file
from inventory.resolve import locate_strings
from shimgen.manifest import ShimRecord, is_manifest_path
from shimgen.pickles import PickleScan, scan_pickle_file
from shimgen.render import KIND_PACKAGE

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.9 and 3.10 only
    import tomli as tomllib

logger = logging.getLogger(__name__)

USE_IMPORT = "import"
USE_STRING = "string"
USE_COMMAND = "command"
USE_DOC = "doc"  # a mention in Markdown or reStructuredText: shown, but it does not keep the shim

SYNTAX_INI = "ini"  # `filterwarnings =` followed by one indented line per entry
SYNTAX_TOML = "toml"  # `filterwarnings = [...]`, a list of strings

RESCUABLE = "rescuable"  # the old module has a shim, so the pickle loads through it
NEEDS_PATH = "needs-path"  # a bare script-folder name: loads only where that folder is on sys.path
NOT_RESCUABLE = "not-rescuable"  # a class pickled from a script run as __main__


@dataclass(frozen=True)
class ShimUse:
    """One place that still names a shim's old module or old path."""

    file: str
    line: int
    kind: str  # USE_IMPORT, USE_STRING, USE_COMMAND or USE_DOC
    text: str  # the import statement, the string value or the referring text
    detail: str = ""  # how the inventory resolved it, or the kind of the referring file


@dataclass(frozen=True)
class ShimUsage:
    """The remaining uses of one shim."""

    record: ShimRecord
    uses: tuple[ShimUse, ...]

    def count(self, kind: str) -> int:
        return sum(1 for use in self.uses if use.kind == kind)

    @property
    def in_use(self) -> bool:
        """Whether code or a command still needs the shim; mentions in docs do not count."""
        return any(use.kind != USE_DOC for use in self.uses)


@dataclass(frozen=True)
class UsageReport:
    """The uses of every shim in one checkout."""

    source: str  # "working tree" or "<branch> at <commit>"
    shims: tuple[ShimUsage, ...]


@dataclass(frozen=True)
class PytestConfigFile:
    """The file in the repository root that pytest reads its settings from, and where a setting goes in it."""

    path: str  # file name in the repository root, such as "pytest.ini"
    section: str  # the INI section or TOML table of pytest's settings, such as "tool:pytest"
    syntax: str  # SYNTAX_INI or SYNTAX_TOML
    exists: bool  # False when no file configures pytest and this one is to be created
    has_section: bool
    has_filterwarnings: bool
    disables_warnings: bool = False  # its addopts has `-p no:warnings`, so pytest ignores filterwarnings


@dataclass(frozen=True)
class BannedName:
    """One module name for ruff to ban, and the shim record of the old file it names."""

    name: str
    record: ShimRecord


@dataclass(frozen=True)
class PickleFinding:
    """One global in a stored pickle that names an old module or ``__main__``."""

    file: str
    module: str
    name: str
    status: str  # RESCUABLE, NEEDS_PATH or NOT_RESCUABLE
    new_module: str  # where the shim sends the old module; "" for __main__
    protocol: int


@dataclass(frozen=True)
class PickleReport:
    """The findings of one pickle scan, with what was read."""

    folder: str
    files_read: int
    pickles: tuple[PickleScan, ...]
    findings: tuple[PickleFinding, ...]


# Uses ------------------------------------------------------------------------


def shim_usage(root: Path, *, batch: Optional[str] = None, use_cache: bool = True) -> UsageReport:
    """List the remaining uses of each shim in the checkout at ``root``.

    With ``batch``, read the branch ``codemod/<batch>`` in a temporary worktree instead
    and list only that batch's shims.
    """
    config = _optional_config(root)
    if batch is None:
        records = manifests_in(Path(root)).records
        inventory = scan_target(Path(root), config, use_cache=use_cache)
        return UsageReport("working tree", find_shim_users(inventory, records, ignored=config_files(config, root)))

    repository = Repository(root)
    if config is None:
        raise ConfigError(f"{root}: no codemod.toml or [tool.codemod] table; --batch needs the configured batches.")
    config.batch(batch)
    branch = branch_name(batch)
    if not repository.branch_exists(branch):
        raise BatchError(f"batch {batch!r} has no branch {branch}; run `codemod apply --batch {batch}` first.")
    tip = repository.branch_commit(branch)
    with repository.temporary_checkout(tip) as folder:
        records = [record for record in manifests_in(folder, label=branch).records if record.batch == batch]
        inventory = scan_target(folder, config, use_cache=False)
        users = find_shim_users(inventory, records, ignored=config_files(config, repository.root))
    return UsageReport(f"{branch} at {tip[:10]}", users)


def scan_files(
    root: Path,
    paths: Sequence[str],
    *,
    tree_paths: Collection[str],
    roots: Sequence[str] = (),
    other_files: Sequence[str] = (),
) -> Inventory:
    """Scan only the Python files ``paths`` and the non-Python files ``other_files`` under ``root``.

    ``tree_paths`` lists every file of the tree the code runs in; imports and
    strings resolve against it, with ``paths`` and ``other_files`` added.
    ``other_files`` are searched for commands that name one of those Python
    files. Faster than a full scan when only a few files are of interest.
    """
    every_path = frozenset(tree_paths) | frozenset(paths) | frozenset(other_files)
    read = file_reader(root)
    facts = tuple(scan_source(path, read(path)) for path in paths)
    # NOTE: unlike the full scan, this does not map hard-coded absolute sys.path
    # edits onto the checkout, so imports that rely on them may stay unresolved.
    facts = locate_strings(facts, all_paths=every_path, roots=roots)
    imports = resolve_imports(facts, all_paths=every_path, roots=roots)
    python_paths = sorted(path for path in every_path if path.endswith(".py"))
    references = scan_references(root, other_files, python_paths) if other_files else ()
    return Inventory(root=str(root), files=facts, imports=imports, references=references)


def find_shim_users(inventory: Inventory, records: Sequence[ShimRecord], *, ignored: Iterable[str] = ()) -> tuple[ShimUsage, ...]:
    """Return the uses of each shim of ``records`` found in ``inventory``.

    Files in ``ignored`` (the codemod configuration, which names old paths as move
    sources), the manifests and the stubs themselves are not counted as users.
    """
    every_file = {facts.path for facts in inventory.files} | {reference.file for reference in inventory.references}
    manifests = {path for path in every_file if is_manifest_path(path)}
    skip = set(ignored) | manifests | {record.old_path for record in records}
    usages = []
    for record in records:
        uses = [
            *_import_uses(inventory, record, skip),
            *_string_uses(inventory, record, skip),
            *_command_uses(inventory, record, skip),
        ]
        uses.sort(key=lambda use: (use.file, use.line, use.kind, use.text))
        usages.append(ShimUsage(record, tuple(uses)))
    return tuple(usages)


def _import_uses(inventory: Inventory, record: ShimRecord, skip: set[str]) -> Iterable[ShimUse]:
    for item in inventory.imports:
        if item.site.file in skip or not _reaches_shim(item, record):
            continue
        resolution = item.resolution
        detail = f"{resolution.status} via {resolution.via}" if resolution.via else resolution.status
        yield ShimUse(item.site.file, item.site.line, USE_IMPORT, _spelling(item), detail)


def _reaches_shim(item: ResolvedImport, record: ShimRecord) -> bool:
    resolution = item.resolution
    if record.old_path in (resolution.target, resolution.member_target):
        return True
    # After a folder move the old submodule files are gone, so `import old.pkg.sub`
    # no longer resolves to a file; the package stub's finder serves it.
    if record.kind == KIND_PACKAGE and record.old_module:
        return resolution.module_name.startswith(record.old_module + ".")
    return False


def _spelling(item: ResolvedImport) -> str:
    site = item.site
    alias = f" as {site.alias}" if site.alias else ""
    if site.kind == "import":
        return f"import {site.module}{alias}"
    return f"from {'.' * site.level}{site.module} import {site.name}{alias}"


def _string_uses(inventory: Inventory, record: ShimRecord, skip: set[str]) -> Iterable[ShimUse]:
    for facts in inventory.files:
        if facts.path in skip:
            continue
        for reference in facts.strings:
            if reference.path == record.old_path or _names_old_module(reference.value, record) or (
                reference.module is not None and _names_old_module(reference.module, record)
            ):
                yield ShimUse(facts.path, reference.line, USE_STRING, reference.value, reference.kind)


def _names_old_module(value: str, record: ShimRecord) -> bool:
    old = record.old_module
    return bool(old) and (value == old or value.startswith(old + "."))


def _command_uses(inventory: Inventory, record: ShimRecord, skip: set[str]) -> Iterable[ShimUse]:
    for reference in inventory.references:
        if reference.target == record.old_path and reference.file not in skip:
            kind = USE_DOC if reference.kind == "markdown" else USE_COMMAND
            detail = f"{reference.kind}, starts python" if reference.starts_python else reference.kind
            yield ShimUse(reference.file, reference.line, kind, reference.text.strip(), detail)


def _optional_config(root: Path) -> Optional[Config]:
    try:
        return load_config(Path(root))
    except ConfigError:
        return None


def config_files(config: Optional[Config], root: Path) -> tuple[str, ...]:
    """Return the repository-relative path of the file ``config`` was read from, when it lies under ``root``."""
    if config is None:
        return ()
    try:
        return (config.path.resolve().relative_to(Path(root).resolve()).as_posix(),)
    except ValueError:
        return ()


def shim_records(root: Path, *, batch: Optional[str] = None) -> list[ShimRecord]:
    """Read the manifests of the checkout at ``root``, or with ``batch`` the batch's records on its branch.

    Raises ManifestReadError naming the manifest file when one cannot be read.
    """
    if batch is None:
        return manifests_in(Path(root)).records
    repository = Repository(root)
    branch = branch_name(batch)
    if not repository.branch_exists(branch):
        raise BatchError(f"batch {batch!r} has no branch {branch}; run `codemod apply --batch {batch}` first.")
    records = manifests_at(repository, repository.branch_commit(branch), label=branch).records
    return [record for record in records if record.batch == batch]


# Configuration that stops new uses ----------------------------------------------


def ruff_banned_api(records: Sequence[ShimRecord], names: Optional[Sequence[BannedName]] = None) -> str:
    """Render ruff's banned-api table with one entry per old module name.

    ``names`` (see ``banned_names``) lists every name to ban; without it, each
    record's dotted name is banned. Ruff reports an entry as TID251 wherever
    the name is imported, by ``import old`` or ``from old import x``.
    """
    if names is None:
        names = [BannedName(record.old_module, record) for record in _named_records(records)]
    lines = ["[tool.ruff.lint.flake8-tidy-imports.banned-api]"]
    for name in sorted(names, key=lambda item: item.name):
        record = name.record
        message = (
            f"{name.name} moved to {record.new_module}; import {record.new_module} instead "
            f"(the shim is due for removal after {record.remove_after})."
        )
        lines.append(f"{_toml_string(name.name)}.msg = {_toml_string(message)}")
    return "\n".join(lines) + "\n"


def banned_names(records: Sequence[ShimRecord], inventory: Inventory) -> tuple[list[BannedName], list[str]]:
    """Return the module names to ban for ``records``, and a note for each spelling left out.

    The names are each record's dotted name, then every other spelling that
    is a valid module name and under which import sites in ``inventory``
    reach the record's old file. Examples are ``pbp.snapshot`` through a
    ``sys.path`` edit and the bare ``snapshot`` of a script in the same
    folder. Ruff bans a name wherever it is written, whatever file it
    reaches, so a spelling that some import site also uses for another
    module (a second ``config.py`` elsewhere, a standard-library or
    third-party module) is left out.
    """
    chosen = {record.old_module: record for record in _named_records(records)}
    by_file = spellings_by_file(inventory)
    reaches = _modules_reached_by_name(inventory, by_file)
    left_out = set()
    for record in records:
        paths = shim_paths(record)
        for path in paths:
            for spelling in by_file.get(path, ()):
                name = spelling.absolute
                if name in chosen or not is_module_name(name):
                    continue
                others = reaches.get(name, set()) - set(paths)
                if others:
                    left_out.add(f"{name} (import sites also use it for {', '.join(sorted(others))})")
                else:
                    chosen[name] = record
    names = [BannedName(name, record) for name, record in sorted(chosen.items())]
    return names, sorted(left_out)


def _modules_reached_by_name(inventory: Inventory, by_file: Mapping[str, Sequence[Spelling]]) -> dict[str, set[str]]:
    """Map each module name that import sites use to the local files, or kinds of module, it reaches."""
    reaches: dict[str, set[str]] = {}
    for path, spellings in by_file.items():
        for spelling in spellings:
            reaches.setdefault(spelling.absolute, set()).add(path)
    for item in inventory.imports:
        resolution = item.resolution
        if resolution.status != "local":
            reaches.setdefault(resolution.module_name, set()).add(_NON_LOCAL.get(resolution.status, resolution.status))
    return reaches


_NON_LOCAL = {"stdlib": "a standard-library module", "external": "an installed package", "unresolved": "a module that the inventory cannot resolve"}


def shim_paths(record: ShimRecord) -> tuple[str, ...]:
    """Return the stub file of ``record``, and for a package also its folder, which namespace imports reach."""
    if record.kind == KIND_PACKAGE:
        return (record.old_path, record.old_path.rpartition("/")[0])
    return (record.old_path,)


def is_module_name(name: str) -> bool:
    """Return True when ``name`` is a valid dotted module name: identifiers that are not keywords."""
    return bool(name) and all(part.isidentifier() and not keyword.iskeyword(part) for part in name.split("."))


def scan_checkout(root: Path, *, batch: Optional[str] = None, use_cache: bool = True) -> Inventory:
    """Scan the working tree at ``root``, or with ``batch`` the tip of the branch ``codemod/<batch>``."""
    config = _optional_config(root)
    if batch is None:
        return scan_target(Path(root), config, use_cache=use_cache)
    repository = Repository(root)
    branch = branch_name(batch)
    if not repository.branch_exists(branch):
        raise BatchError(f"batch {batch!r} has no branch {branch}; run `codemod apply --batch {batch}` first.")
    with repository.temporary_checkout(repository.branch_commit(branch)) as folder:
        return scan_target(folder, config, use_cache=False)


# The default target of `pytest_filterwarnings`: the INI-style table of pyproject.toml.
PYPROJECT_PYTEST = PytestConfigFile("pyproject.toml", "tool.pytest.ini_options", SYNTAX_TOML, True, True, False)


def pytest_filterwarnings(records: Sequence[ShimRecord], config: PytestConfigFile = PYPROJECT_PYTEST) -> str:
    """Render a pytest ``filterwarnings`` setting that turns shim import warnings into errors.

    Each entry matches the message a stub gives when it is imported under any old name,
    ``<old name> is deprecated; import <new module> instead (...)``, for one new module.
    pytest matches the message field as a regular expression against the start of the
    warning text, ignoring case. The setting is written under ``config.section`` in the
    syntax of ``config``'s file.
    """
    new_modules = sorted({record.new_module for record in records})
    patterns = [rf"error:[\w.]+ is deprecated; import {re.escape(module)} instead:DeprecationWarning" for module in new_modules]
    lines = [f"[{config.section}]"]
    if config.syntax == SYNTAX_INI:
        # pytest reads INI values verbatim: no quotes, no escapes, one entry per line.
        lines += ["filterwarnings =", *(f"    {pattern}" for pattern in patterns)]
    else:
        # TOML literal strings ('...') keep the backslashes of the pattern as they are.
        lines += ["filterwarnings = [", *(f"    '{pattern}'," for pattern in patterns), "]"]
    return "\n".join(lines) + "\n"


def find_pytest_config(root: Path) -> PytestConfigFile:
    """Return the file in ``root`` that pytest reads its settings from.

    pytest 9 takes the first of these files that configures it, as its
    documentation ("Configuration file formats") and ``locate_config`` order them:

    - pytest.toml, .pytest.toml, pytest.ini and .pytest.ini, even when empty;
    - pyproject.toml with a [tool.pytest] or [tool.pytest.ini_options] table;
    - tox.ini with a [pytest] section;
    - setup.cfg with a [tool:pytest] section.

    Failing those, pytest 8.1 and later use a pyproject.toml without a table.
    With none of these files, the setting is for a new pytest.ini. Only
    ``root`` is searched, not its parents or the folders pytest is run from.
    Raises CodemodError naming the file when one of them cannot be parsed.
    """
    root = Path(root)
    for name in ("pytest.toml", ".pytest.toml"):
        if (root / name).is_file():
            table = _read_toml(root / name).get("pytest")
            return _found_config(name, "pytest", SYNTAX_TOML, table)
    for name in ("pytest.ini", ".pytest.ini"):
        if (root / name).is_file():
            return _found_config(name, "pytest", SYNTAX_INI, _read_ini_section(root / name, "pytest"))

    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        found = _pyproject_pytest_table(pyproject)
        if found is not None:
            return found
    for name, section in (("tox.ini", "pytest"), ("setup.cfg", "tool:pytest")):
        if (root / name).is_file():
            options = _read_ini_section(root / name, section)
            if options is not None:
                return _found_config(name, section, SYNTAX_INI, options)

    if pyproject.is_file():
        return PytestConfigFile("pyproject.toml", "tool.pytest.ini_options", SYNTAX_TOML, True, False, False)
    return PytestConfigFile("pytest.ini", "pytest", SYNTAX_INI, False, False, False)


def _found_config(path: str, section: str, syntax: str, options: object) -> PytestConfigFile:
    """Describe an existing configuration file; ``options`` is its pytest section or table, None when absent."""
    if not isinstance(options, dict):
        return PytestConfigFile(path, section, syntax, True, False, False)
    disables = blocks_warnings_plugin(options.get("addopts"))
    return PytestConfigFile(path, section, syntax, True, True, "filterwarnings" in options, disables)


def blocks_warnings_plugin(addopts: object) -> bool:
    """Return True when the ``addopts`` value of a pytest configuration turns off pytest's warnings plugin.

    pytest reads ``-p no:warnings`` (or ``-pno:warnings``) from addopts before
    it loads plugins, and a later ``-p warnings`` turns the plugin back on.
    Without the plugin, pytest applies no ``filterwarnings`` setting. An INI
    value is split as a shell would; a TOML list gives one argument per item.
    """
    if isinstance(addopts, str):
        try:
            arguments = shlex.split(addopts)
        except ValueError:
            arguments = addopts.split()
    elif isinstance(addopts, list):
        arguments = [str(item) for item in addopts]
    else:
        return False
    blocked = False
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        index += 1
        if argument == "-p" and index < len(arguments):
            plugin = arguments[index]
            index += 1
        elif argument.startswith("-p"):
            plugin = argument[len("-p") :]
        else:
            continue
        plugin = plugin.strip()
        if plugin in ("no:warnings", "no:pytest_warnings"):
            blocked = True
        elif plugin in ("warnings", "pytest_warnings"):
            blocked = False
    return blocked


def _pyproject_pytest_table(path: Path) -> Optional[PytestConfigFile]:
    """Return where pytest's settings are in pyproject.toml, or None when it has no table that pytest reads."""
    tool = _read_toml(path).get("tool")
    table = tool.get("pytest") if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        return None
    native = {key: value for key, value in table.items() if key != "ini_options"}
    ini_options = table.get("ini_options")
    if native and ini_options is not None:
        raise CodemodError(
            f"{path}: both [tool.pytest] and [tool.pytest.ini_options] set pytest options, and pytest 9 rejects "
            "a file with both; keep one of the two tables, then run the command again."
        )
    if native:
        return _found_config(path.name, "tool.pytest", SYNTAX_TOML, native)
    if isinstance(ini_options, dict):
        return _found_config(path.name, "tool.pytest.ini_options", SYNTAX_TOML, ini_options)
    return None


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise CodemodError(f"{path}: invalid TOML ({error}); fix the syntax, because pytest parses this file too.") from None


def _read_ini_section(path: Path, section: str) -> Optional[dict[str, Optional[str]]]:
    """Return the options of ``section`` in the INI file ``path``, or None when it has no such section."""
    parser = configparser.ConfigParser(interpolation=None, strict=False, allow_no_value=True)
    parser.optionxform = str  # type: ignore[assignment, method-assign]  # pytest's option names are case-sensitive
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as error:
        raise CodemodError(f"{path}: invalid INI file ({error}); fix the syntax, because pytest parses this file too.") from None
    if not parser.has_section(section):
        return None
    return dict(parser.items(section, raw=True))


def _named_records(records: Sequence[ShimRecord]) -> list[ShimRecord]:
    unique = {record.old_module: record for record in records if record.old_module}
    return [unique[name] for name in sorted(unique)]


def _toml_string(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


# Pickles ---------------------------------------------------------------------


def scan_pickles(folder: Path, records: Sequence[ShimRecord]) -> PickleReport:
    """Read every file under ``folder`` and list the pickles that name old modules or ``__main__``.

    A pickle written by a script that imported a sibling by its bare name (``import
    scraper_config``) names that bare module; such findings are NEEDS_PATH. Files are
    read opcode by opcode and never unpickled.
    """
    dotted = {record.old_module: record.new_module for record in records if record.old_module}
    packages = {record.old_module: record.new_module for record in records if record.old_module and record.kind == KIND_PACKAGE}
    bare = _bare_names(records)

    scans = []
    findings = []
    files_read = 0
    for path in _walk_files(Path(folder)):
        files_read += 1
        scan = _scan_one(path, Path(folder))
        if scan is None:
            continue
        scans.append(scan)
        for item in scan.globals:
            status, new_module = _classify(item.module, dotted, packages, bare)
            if status:
                findings.append(PickleFinding(scan.path, item.module, item.name, status, new_module, scan.protocol))
    return PickleReport(str(folder), files_read, tuple(scans), tuple(findings))


def _walk_files(folder: Path) -> Iterable[Path]:
    if folder.is_file():
        yield folder
        return
    if not folder.is_dir():
        raise CodemodError(f"{folder}: folder not found; pass the folder that contains the stored pickles.")
    for current, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != ".git")
        for name in sorted(files):
            path = Path(current) / name
            if path.is_file() and not path.is_symlink():
                yield path


def _scan_one(path: Path, folder: Path) -> Optional[PickleScan]:
    display_path = path.name if folder.is_file() else path.relative_to(folder).as_posix()
    try:
        return scan_pickle_file(path, display_path=display_path)
    except OSError as error:
        logger.warning("%s: not read: %s", path, error)
        return None


def _classify(module: str, dotted: dict[str, str], packages: dict[str, str], bare: dict[str, str]) -> tuple[str, str]:
    if module == "__main__":
        return NOT_RESCUABLE, ""
    if module in dotted:
        return RESCUABLE, dotted[module]
    for old, new in packages.items():
        if module.startswith(old + "."):
            return RESCUABLE, new + module[len(old) :]
    if module in bare:
        return NEEDS_PATH, bare[module]
    return "", ""


def _bare_names(records: Sequence[ShimRecord]) -> dict[str, str]:
    """Map the file or folder name of each old path to its new module, leaving out names that two shims share."""
    names: dict[str, set[str]] = {}
    for record in records:
        parts = record.old_path[: -len(".py")].split("/")
        if record.kind == KIND_PACKAGE:
            parts = parts[:-1]
        if parts and parts[-1].isidentifier():
            names.setdefault(parts[-1], set()).add(record.new_module)
    return {name: next(iter(new)) for name, new in names.items() if len(new) == 1 and name not in _dotted_names(records)}


def _dotted_names(records: Sequence[ShimRecord]) -> set[str]:
    return {record.old_module for record in records}
