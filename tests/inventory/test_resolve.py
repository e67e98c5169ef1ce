from __future__ import annotations

import textwrap
import time

import pytest

from inventory.model import FileFacts, ImportSite, Inventory
from inventory.resolve import is_stdlib_module, resolve_imports
from inventory.scan import scan_source

LAYOUT = {
    "scripts/etl/job.py": "",
    "scripts/etl/scraper_config.py": "",
    "scripts/etl/helpers/__init__.py": "",
    "scripts/etl/helpers/text.py": "",
    "scripts/utils/tools.py": "",
    "scripts/utils/__init__.py": "",
    "scripts/0_0011/thing.py": "",
    "lib/vendor/vendored.py": "",
    "pkg/__init__.py": "",
    "pkg/sub/__init__.py": "",
    "pkg/sub/leaf.py": "",
    "pkg/mod.py": "",
    "src/app/core.py": "",
    "types/local_types.py": "",
    "config/settings.yaml": "",
}


def resolve(importer: str, source: str, roots=(), extra: dict | None = None):
    """Resolve the imports of ``importer`` within LAYOUT; return the last site's resolution."""
    layout = {**LAYOUT, **(extra or {})}
    facts = [scan_source(importer, textwrap.dedent(source).encode())]
    resolved = resolve_imports(facts, all_paths=set(layout) | {importer}, roots=roots)
    return resolved[-1].resolution


@pytest.mark.parametrize(
    "source, module_name, target, via, entry",
    [
        pytest.param(
            "import scripts.etl.scraper_config",
            "scripts.etl.scraper_config",
            "scripts/etl/scraper_config.py",
            "root",
            "",
            id="root-dotted",
        ),
        pytest.param(
            "from scraper_config import X",
            "scraper_config",
            "scripts/etl/scraper_config.py",
            "script-folder",
            "scripts/etl",
            id="script-folder-sibling",
        ),
        pytest.param("import scripts", "scripts", "scripts", "root", "", id="namespace-folder"),
        pytest.param(
            "from scripts.etl import job",
            "scripts.etl",
            "scripts/etl",
            "root",
            "",
            id="namespace-subfolder",
        ),
        pytest.param(
            "import pkg.sub.leaf",
            "pkg.sub.leaf",
            "pkg/sub/leaf.py",
            "root",
            "",
            id="regular-package-leaf",
        ),
        pytest.param("import pkg", "pkg", "pkg/__init__.py", "root", "", id="regular-package"),
        pytest.param(
            "import helpers.text",
            "helpers.text",
            "scripts/etl/helpers/text.py",
            "script-folder",
            "scripts/etl",
            id="script-folder-package",
        ),
        pytest.param(
            "import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'utils'))\nimport tools",
            "tools",
            "scripts/utils/tools.py",
            "path-edit",
            "scripts/utils",
            id="path-edit-insert",
        ),
        pytest.param(
            "import sys\nsys.path.append('lib/vendor')\nimport vendored",
            "vendored",
            "lib/vendor/vendored.py",
            "path-edit",
            "lib/vendor",
            id="path-edit-append",
        ),
    ],
)
def test_local_resolution(source, module_name, target, via, entry):
    resolution = resolve("scripts/etl/job.py", source)

    assert resolution.status == "local"
    assert resolution.module_name == module_name
    assert resolution.target == target
    assert resolution.via == via
    assert resolution.search_entry == entry


def test_edit_adding_own_folder_keeps_script_folder_label():
    source = "import sys\nfrom pathlib import Path\nsys.path.insert(0, str(Path(__file__).parent))\nimport scraper_config"

    resolution = resolve("scripts/etl/job.py", source)

    assert (resolution.via, resolution.search_entry) == ("script-folder", "scripts/etl")


def test_edit_adding_root_is_labelled_path_edit():
    source = "import sys, os\nsys.path.append(os.path.dirname(os.path.dirname(os.path.dirname(__file__))))\nimport pkg"

    resolution = resolve("scripts/etl/job.py", source)

    assert (resolution.via, resolution.search_entry) == ("path-edit", "")


def test_configured_root():
    resolution = resolve("scripts/etl/job.py", "from app.core import run", roots=["src"])

    assert (resolution.status, resolution.target, resolution.via, resolution.search_entry) == (
        "local", "src/app/core.py", "configured-root", "src",
    )  # fmt: skip


def test_front_insert_wins_over_script_folder():
    extra = {"scripts/utils/scraper_config.py": ""}
    source = "import sys, os\nsys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'utils'))\nimport scraper_config"

    resolution = resolve("scripts/etl/job.py", source, extra=extra)

    assert resolution.target == "scripts/utils/scraper_config.py"


def test_append_loses_to_script_folder():
    extra = {"scripts/utils/scraper_config.py": ""}
    source = "import sys, os\nsys.path.append(os.path.join(os.path.dirname(__file__), '..', 'utils'))\nimport scraper_config"

    resolution = resolve("scripts/etl/job.py", source, extra=extra)

    assert resolution.target == "scripts/etl/scraper_config.py"


def test_regular_package_later_wins_over_namespace_earlier():
    extra = {"scripts/etl/shared/readme.py": "", "src/shared/__init__.py": ""}

    resolution = resolve("scripts/etl/job.py", "import shared", roots=["src"], extra=extra)

    assert resolution.target == "src/shared/__init__.py"
    assert resolution.via == "configured-root"


def test_namespace_portions_merge():
    extra = {"scripts/etl/shared/one.py": "", "src/shared/two.py": ""}

    resolution = resolve("scripts/etl/job.py", "from shared import two", roots=["src"], extra=extra)

    assert resolution.target == "scripts/etl/shared"
    assert resolution.member_target == "src/shared/two.py"


@pytest.mark.parametrize(
    "source, module_name, target, member_target",
    [
        pytest.param(
            "from . import scraper_config",
            "scripts.etl",
            "scripts/etl",
            "scripts/etl/scraper_config.py",
            id="dot-import-module",
        ),
        pytest.param(
            "from .scraper_config import X",
            "scripts.etl.scraper_config",
            "scripts/etl/scraper_config.py",
            None,
            id="dot-module-name",
        ),
        pytest.param(
            "from ..utils import tools",
            "scripts.utils",
            "scripts/utils/__init__.py",
            "scripts/utils/tools.py",
            id="two-dots",
        ),
        pytest.param(
            "from .helpers.text import f",
            "scripts.etl.helpers.text",
            "scripts/etl/helpers/text.py",
            None,
            id="dot-package-module",
        ),
    ],
)
def test_relative_resolution(source, module_name, target, member_target):
    resolution = resolve("scripts/etl/job.py", source)

    assert resolution.status == "local"
    assert resolution.via == "relative"
    assert resolution.module_name == module_name
    assert resolution.target == target
    assert resolution.member_target == member_target


def test_relative_in_package_init():
    resolution = resolve("pkg/sub/__init__.py", "from .leaf import f")

    assert (resolution.module_name, resolution.target) == ("pkg.sub.leaf", "pkg/sub/leaf.py")


@pytest.mark.parametrize(
    "importer, source, fragment",
    [
        pytest.param(
            "scripts/etl/job.py",
            "from .... import x",
            "beyond the top-level package",
            id="too-many-dots",
        ),
        pytest.param("top.py", "from . import x", "no parent package", id="root-file"),
        pytest.param(
            "scripts/etl/job.py",
            "from .missing import x",
            "no module missing in scripts/etl",
            id="missing-sibling",
        ),
    ],
)
def test_relative_unresolved(importer, source, fragment):
    resolution = resolve(importer, source)

    assert resolution.status == "unresolved"
    assert fragment in resolution.reason


@pytest.mark.parametrize(
    "source, reason",
    [
        pytest.param(
            "from scripts.scrapers.async_scraper_base import X",
            "scripts/scrapers does not exist",
            id="missing-folder",
        ),
        pytest.param(
            "from scripts.etl.async_scraper_base import X",
            "no module async_scraper_base in scripts/etl",
            id="missing-module",
        ),
        pytest.param(
            "import pkg.mod.inner", "pkg/mod.py is a module, not a package", id="module-not-package"
        ),
    ],
)
def test_unresolved_with_reason(source, reason):
    resolution = resolve("scripts/etl/job.py", source)

    assert resolution.status == "unresolved"
    assert resolution.reason.startswith(reason)


def test_module_elsewhere_but_not_on_path_is_unresolved():
    resolution = resolve("pkg/mod.py", "import scraper_config")

    assert resolution.status == "unresolved"
    assert "scripts/etl/scraper_config.py" in resolution.reason


def test_same_name_folder_with_other_contents_stays_external():
    resolution = resolve("pkg/mod.py", "from vendor.client import Api")

    assert resolution.status == "external"


@pytest.mark.parametrize(
    "source, status",
    [
        pytest.param("import os.path", "stdlib", id="stdlib"),
        pytest.param("from __future__ import annotations", "stdlib", id="future"),
        pytest.param("import sys", "stdlib", id="builtin"),
        pytest.param("import types", "stdlib", id="namespace-folder-loses-to-stdlib"),
        pytest.param("import config", "external", id="folder-without-python-is-not-a-module"),
        pytest.param("import requests", "external", id="third-party"),
    ],
)
def test_not_local(source, status):
    resolution = resolve("scripts/etl/job.py", source)

    assert resolution.status == status
    assert resolution.target is None


def test_local_module_shadows_stdlib_in_script_folder():
    resolution = resolve(
        "scripts/etl/job.py", "import logging", extra={"scripts/etl/logging.py": ""}
    )

    assert resolution.status == "local"
    assert resolution.target == "scripts/etl/logging.py"


def test_member_target_for_attribute_is_none():
    resolution = resolve("scripts/etl/job.py", "from pkg.sub import leaf_function")

    assert resolution.member_target is None


def test_star_import_has_no_member_target():
    resolution = resolve("scripts/etl/job.py", "from pkg.sub import *")

    assert resolution.target == "pkg/sub/__init__.py"
    assert resolution.member_target is None


def test_one_file_two_names():
    files = [
        scan_source("scripts/etl/job.py", b"from scraper_config import X\n"),
        scan_source("scripts/other.py", b"from scripts.etl.scraper_config import X\n"),
    ]
    resolved = resolve_imports(files, all_paths=set(LAYOUT) | {"scripts/other.py"})
    inventory = Inventory(root="/repo", files=tuple(files), imports=resolved)

    names = inventory.names_of("scripts/etl/scraper_config.py")

    assert set(names) == {"scraper_config", "scripts.etl.scraper_config"}


def test_is_stdlib_module():
    assert is_stdlib_module("json.decoder")
    assert is_stdlib_module("distutils")
    assert not is_stdlib_module("requests")


def test_resolution_of_many_files_is_fast():
    paths = [f"scripts/area{area}/module{index}.py" for area in range(40) for index in range(40)]
    files = []
    for path in paths:
        area = path.split("/")[1]
        imports = tuple(
            ImportSite(file=path, line=line, col=0, kind="from", module=module, name="X")
            for line, module in enumerate(
                [
                    f"scripts.{area}.module1",
                    "module2",
                    "os",
                    "requests",
                    "scripts.missing.x",
                    f"scripts.{area}.nope",
                ],
                start=1,
            )
        )
        files.append(FileFacts(path=path, sha="", size=0, imports=imports))

    started = time.perf_counter()
    resolved = resolve_imports(files, all_paths=paths)
    elapsed = time.perf_counter() - started

    assert len(resolved) == 6 * len(paths)
    assert elapsed < 1.0


def test_unresolved_names_missing_edit_folder():
    files = {
        "tests/phases/test_phase.py": (
            "import sys\n"
            "from pathlib import Path\n"
            'sys.path.insert(0, str(Path(__file__).parent.parent.parent / "validators" / "phase_6"))\n'
            "from validate_phase import Validator\n"
        ),
        "validators/phase_5/validate_phase.py": "Validator = object\n",
    }
    facts = [scan_source(path, text.encode()) for path, text in files.items()]

    resolved = [item for item in resolve_imports(facts, all_paths=list(files)) if item.site.module == "validate_phase"]

    assert resolved[0].resolution.status == "unresolved"
    assert "validate_phase exists at validators/phase_5/validate_phase.py" in resolved[0].resolution.reason
    assert "the evaluated sys.path edit adds validators/phase_6, which does not exist" in resolved[0].resolution.reason


NAME_CASES = [
    pytest.param("from lib import missing\n", "unresolved", id="name-not-defined"),
    pytest.param("from lib import defined\n", "local", id="function-defined"),
    pytest.param("from lib import imported\n", "local", id="name-bound-by-import"),
    pytest.param("from star import anything\n", "local", id="star-import-not-checked"),
    pytest.param("from lazy import anything\n", "local", id="module-getattr-not-checked"),
    pytest.param("from pkg import sub\n", "local", id="submodule-of-package"),
]


@pytest.mark.parametrize(("source", "status"), NAME_CASES)
def test_imported_name_checked_against_target(source, status):
    files = {
        "use.py": source,
        "lib.py": "from os import path as imported\n\n\ndef defined():\n    pass\n",
        "star.py": "from lib import *\n",
        "lazy.py": "def __getattr__(name):\n    return name\n",
        "pkg/__init__.py": "",
        "pkg/sub.py": "",
    }
    facts = [scan_source(path, text.encode()) for path, text in files.items()]

    resolved = [item for item in resolve_imports(facts, all_paths=list(files)) if item.site.file == "use.py"]

    assert resolved[0].resolution.status == status
    if status == "unresolved":
        assert resolved[0].resolution.reason == "lib.py does not define missing"
