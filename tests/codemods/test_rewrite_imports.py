from __future__ import annotations

from textwrap import dedent
from typing import Optional

import libcst as cst
import pytest

from codemods import rewrite_imports as rewrite_imports_module
from codemods.model import SiteRewrite
from codemods.rewrite_imports import rewrite_imports

OLD = "scripts.etl.scraper_config"
NEW = "nba_simulator.etl.config.manager"


def plain(line: int, module: str = OLD, alias: Optional[str] = None, new: str = NEW) -> SiteRewrite:
    """Site of ``import <module> [as alias]``, with the chain rename the plan requests."""
    dotted = alias is None and "." in module
    return SiteRewrite(
        line=line,
        kind="import",
        module=module,
        level=0,
        name=None,
        alias=alias,
        target="module",
        new_module=new,
        old_chain=module if alias is None else None,
        new_chain=new if dotted else None,
    )


def from_module(
    line: int, name: str, module: str = OLD, alias: Optional[str] = None, level: int = 0, new: str = NEW
) -> SiteRewrite:
    """Site of ``from <module> import <name>`` where the module part moved."""
    return SiteRewrite(line, "from", module, level, name, alias, "module", new)


def from_member(
    line: int,
    name: str = "scraper_config",
    module: str = "scripts.etl",
    alias: Optional[str] = None,
    level: int = 0,
    new_module: str = "nba_simulator.etl.config",
    new_name: str = "manager",
) -> SiteRewrite:
    """Site of ``from <module> import <name>`` where the imported name is the moved module."""
    return SiteRewrite(line, "from", module, level, name, alias, "member", new_module, new_name)


def through(
    line: int,
    chain: str,
    *,
    kind: str = "import",
    module: str = "scripts",
    name: Optional[str] = None,
    alias: Optional[str] = None,
    new: str = NEW,
) -> SiteRewrite:
    """Site of a statement whose bound name reaches the moved module as ``chain`` (``a.b.moved.f()``)."""
    return SiteRewrite(line, kind, module, 0, name, alias, "module", new, old_chain=chain, new_chain=new)  # type: ignore[arg-type]


def rewrite(before: str, sites: list[SiteRewrite]):  # type: ignore[no-untyped-def]
    return rewrite_imports(cst.parse_module(dedent(before)), sites)


REWRITTEN = [
    pytest.param(
        """\
        import os
        import scripts.etl.scraper_config
        import scripts.etl.other

        value = scripts.etl.scraper_config.load(scripts.etl.other.KEY)
        scripts.etl.scraper_config.CACHE = {}
        print("scripts.etl.scraper_config.load")  # scripts.etl.scraper_config.load
        """,
        [plain(2)],
        """\
        import os
        import nba_simulator.etl.config.manager
        import scripts.etl.other

        value = nba_simulator.etl.config.manager.load(scripts.etl.other.KEY)
        nba_simulator.etl.config.manager.CACHE = {}
        print("scripts.etl.scraper_config.load")  # scripts.etl.scraper_config.load
        """,
        id="import-dotted-renames-chains-in-code-only",
    ),
    pytest.param(
        """\
        import scripts.etl.scraper_config

        def settings() -> scripts.etl.scraper_config.Settings:
            return (scripts.etl.scraper_config).Settings(
                path=scripts.etl.scraper_config.DEFAULT,
            )
        """,
        [plain(1)],
        """\
        import nba_simulator.etl.config.manager

        def settings() -> nba_simulator.etl.config.manager.Settings:
            return (nba_simulator.etl.config.manager).Settings(
                path=nba_simulator.etl.config.manager.DEFAULT,
            )
        """,
        id="import-dotted-chains-in-annotations-and-parens",
    ),
    pytest.param(
        """\
        import scraper_config

        scraper_config.load()
        """,
        [plain(1, module="scraper_config")],
        """\
        import nba_simulator.etl.config.manager as scraper_config

        scraper_config.load()
        """,
        id="import-bare-script-folder-gets-alias",
    ),
    pytest.param(
        "import scripts.etl.scraper_config as sc\nsc.load()\n",
        [plain(1, alias="sc")],
        "import nba_simulator.etl.config.manager as sc\nsc.load()\n",
        id="import-with-alias",
    ),
    pytest.param(
        "import a, scripts.etl.scraper_config as sc, b\n",
        [plain(1, alias="sc")],
        "import a, nba_simulator.etl.config.manager as sc, b\n",
        id="import-list-only-listed-alias",
    ),
    pytest.param(
        "from scripts.etl.scraper_config import X, Y as Z\n",
        [from_module(1, "X"), from_module(1, "Y", alias="Z")],
        "from nba_simulator.etl.config.manager import X, Y as Z\n",
        id="from-module-names-and-alias",
    ),
    pytest.param(
        "from scripts.etl.scraper_config import X, Y\n",
        [from_module(1, "X")],
        "from scripts.etl.scraper_config import Y\nfrom nba_simulator.etl.config.manager import X\n",
        id="from-module-only-listed-name-moves",
    ),
    pytest.param(
        "from .scraper_config import X\n",
        [from_module(1, "X", module="scraper_config", level=1)],
        "from nba_simulator.etl.config.manager import X\n",
        id="from-relative-one-dot",
    ),
    pytest.param(
        "from ..etl.scraper_config import X\n",
        [from_module(1, "X", module="etl.scraper_config", level=2)],
        "from nba_simulator.etl.config.manager import X\n",
        id="from-relative-two-dots",
    ),
    pytest.param(
        "from scripts.etl import scraper_config\n",
        [from_member(1)],
        "from nba_simulator.etl.config import manager as scraper_config\n",
        id="from-parent-import-leaf",
    ),
    pytest.param(
        "from scripts.etl import scraper_config as sc\n",
        [from_member(1, alias="sc")],
        "from nba_simulator.etl.config import manager as sc\n",
        id="from-parent-import-leaf-alias",
    ),
    pytest.param(
        "from scripts.etl import manager\n",
        [from_member(1, name="manager")],
        "from nba_simulator.etl.config import manager\n",
        id="from-parent-unchanged-leaf-adds-no-as",
    ),
    pytest.param(
        "from scripts.etl import scraper_config, other_mod\n",
        [from_member(1)],
        """\
        from scripts.etl import other_mod
        from nba_simulator.etl.config import manager as scraper_config
        """,
        id="from-parent-split-keeps-other-name",
    ),
    pytest.param(
        """\
        def load():
            if True:
                from scripts.etl import other_mod, scraper_config  # needed late
            return scraper_config
        """,
        [from_member(3)],
        """\
        def load():
            if True:
                from scripts.etl import other_mod  # needed late
                from nba_simulator.etl.config import manager as scraper_config
            return scraper_config
        """,
        id="from-parent-split-inside-function",
    ),
    pytest.param(
        """\
        try:
            from scripts.etl import scraper_config, other_mod
        except ImportError:
            scraper_config = None
        """,
        [from_member(2)],
        """\
        try:
            from scripts.etl import other_mod
            from nba_simulator.etl.config import manager as scraper_config
        except ImportError:
            scraper_config = None
        """,
        id="from-parent-split-inside-try",
    ),
    pytest.param(
        "if True: from scripts.etl import scraper_config, other_mod\n",
        [from_member(1)],
        "if True: from scripts.etl import other_mod; from nba_simulator.etl.config import manager as scraper_config\n",
        id="from-parent-split-one-line-suite",
    ),
    pytest.param(
        "from . import scraper_config\n",
        [from_member(1, module="", level=1)],
        "from nba_simulator.etl.config import manager as scraper_config\n",
        id="from-dot-import-leaf",
    ),
    pytest.param(
        "from . import other_mod, scraper_config\n",
        [from_member(1, module="", level=1)],
        "from . import other_mod\nfrom nba_simulator.etl.config import manager as scraper_config\n",
        id="from-dot-split-keeps-relative-name",
    ),
    pytest.param(
        "from scripts.monitoring.dims.sub import f\n",
        [from_module(1, "f", module="scripts.monitoring.dims.sub", new="nba_simulator.monitoring.dims.sub")],
        "from nba_simulator.monitoring.dims.sub import f\n",
        id="folder-move-from-import",
    ),
    pytest.param(
        "import scripts.monitoring.dims.sub\nscripts.monitoring.dims.sub.f()\n",
        [plain(1, module="scripts.monitoring.dims.sub", new="nba_simulator.monitoring.dims.sub")],
        "import nba_simulator.monitoring.dims.sub\nnba_simulator.monitoring.dims.sub.f()\n",
        id="folder-move-import-with-chain",
    ),
    pytest.param(
        "from scripts.etl.scraper_config import *\n",
        [from_module(1, "*")],
        "from nba_simulator.etl.config.manager import *\n",
        id="star-import",
    ),
    pytest.param(
        """\
        from scripts.etl.scraper_config import (  # settings
            DEFAULTS,  # loaded once
            load as load_config,
        )
        """,
        [from_module(1, "DEFAULTS"), from_module(1, "load", alias="load_config")],
        """\
        from nba_simulator.etl.config.manager import (  # settings
            DEFAULTS,  # loaded once
            load as load_config,
        )
        """,
        id="parenthesized-keeps-layout-and-comments",
    ),
    pytest.param(
        """\
        from scripts.etl.scraper_config import (
            DEFAULTS,  # loaded once
            load,  # moves
        )
        """,
        [from_module(1, "load")],
        """\
        from scripts.etl.scraper_config import (
            DEFAULTS,  # loaded once
        )
        from nba_simulator.etl.config.manager import load  # moves
        """,
        id="parenthesized-split-keeps-trailing-comma-and-comment",
    ),
    pytest.param(
        """\
        from scripts.etl import (
            other_mod,  # stays
            scraper_config  # moves
        )
        """,
        [from_member(1)],
        """\
        from scripts.etl import (
            other_mod,  # stays
        )
        from nba_simulator.etl.config import manager as scraper_config  # moves
        """,
        id="parenthesized-split-without-trailing-comma",
    ),
    pytest.param(
        "from scripts.etl import (other_mod, scraper_config)\n",
        [from_member(1)],
        "from scripts.etl import (other_mod)\nfrom nba_simulator.etl.config import manager as scraper_config\n",
        id="parenthesized-one-line-split",
    ),
    pytest.param(
        "from scripts.etl.scraper_config import alpha_setting, beta_setting, gamma_setting, delta_setting\n",
        [from_module(1, name) for name in ("alpha_setting", "beta_setting", "gamma_setting", "delta_setting")],
        "from nba_simulator.etl.config.manager import alpha_setting, beta_setting, gamma_setting, delta_setting\n",
        id="long-line-stays-one-statement",
    ),
    pytest.param(
        """\
        import scripts.etl.scraper_config
        from scripts.etl import scraper_config
        from scripts.etl.scraper_config import X

        scripts.etl.scraper_config.load(scraper_config.Y, X)
        """,
        [plain(1), from_member(2), from_module(3, "X")],
        """\
        import nba_simulator.etl.config.manager
        from nba_simulator.etl.config import manager as scraper_config
        from nba_simulator.etl.config.manager import X

        nba_simulator.etl.config.manager.load(scraper_config.Y, X)
        """,
        id="mixed-forms-keep-every-name-bound",
    ),
    pytest.param(
        """\
        import os

        def main():
            import scraper_config
            return scraper_config.load()
        """,
        [plain(4, module="scraper_config")],
        """\
        import os

        def main():
            import nba_simulator.etl.config.manager as scraper_config
            return scraper_config.load()
        """,
        id="lazy-import-stays-in-function",
    ),
    pytest.param(
        """\
        try:
            from scripts.etl.scraper_config import load
        except ImportError:
            from scraper_config import load
        """,
        [from_module(2, "load")],
        """\
        try:
            from nba_simulator.etl.config.manager import load
        except ImportError:
            from scraper_config import load
        """,
        id="try-branch-only-when-except-not-listed",
    ),
    pytest.param(
        """\
        try:
            from scripts.etl.scraper_config import load
        except ImportError:
            from scraper_config import load
        """,
        [from_module(2, "load"), from_module(4, "load", module="scraper_config")],
        """\
        try:
            from nba_simulator.etl.config.manager import load
        except ImportError:
            from nba_simulator.etl.config.manager import load
        """,
        id="try-and-except-both-listed",
    ),
    pytest.param(
        """\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from scripts.etl.scraper_config import Settings
        """,
        [from_module(4, "Settings")],
        """\
        from typing import TYPE_CHECKING

        if TYPE_CHECKING:
            from nba_simulator.etl.config.manager import Settings
        """,
        id="type-checking-guard-stays",
    ),
    pytest.param(
        """\
        import sys
        sys.path.insert(0, "scripts/etl")
        import scraper_config
        """,
        [plain(3, module="scraper_config")],
        """\
        import sys
        sys.path.insert(0, "scripts/etl")
        import nba_simulator.etl.config.manager as scraper_config
        """,
        id="import-after-sys-path-edit-stays-after",
    ),
    pytest.param(
        """\
        import scripts

        scripts.etl.scraper_config.load()
        """,
        [
            SiteRewrite(
                1, "import", "scripts", 0, None, None, "module", NEW,
                old_chain=OLD, new_chain=NEW,
            )
        ],
        """\
        import scripts
        import nba_simulator.etl.config.manager

        nba_simulator.etl.config.manager.load()
        """,
        id="parent-package-import-adds-submodule-import",
    ),
    pytest.param(
        """\
        try:
            import scripts.etl.scraper_config as cfg
        except ImportError:
            import scraper_config as cfg
        """,
        [plain(2, alias="cfg"), plain(4, module="scraper_config", alias="cfg")],
        """\
        try:
            import nba_simulator.etl.config.manager as cfg
        except ImportError:
            import nba_simulator.etl.config.manager as cfg
        """,
        id="except-branch-rebinds-same-alias",
    ),
    pytest.param(
        'from . import scraper_config\n\n__all__ = ["scraper_config"]\n',
        [from_member(1, module="", level=1)],
        'from nba_simulator.etl.config import manager as scraper_config\n\n__all__ = ["scraper_config"]\n',
        id="package-init-reexport-keeps-all-entry",
    ),
    pytest.param(
        """\
        from scripts.etl import (
            other_mod,  # stays
            scraper_config,  # config
            scraper_telemetry,  # telemetry
        )
        """,
        [
            from_member(1),
            from_member(1, name="scraper_telemetry", new_module="nba_simulator.etl.monitoring", new_name="telemetry"),
        ],
        """\
        from scripts.etl import (
            other_mod,  # stays
        )
        from nba_simulator.etl.config import manager as scraper_config  # config
        from nba_simulator.etl.monitoring import telemetry as scraper_telemetry  # telemetry
        """,
        id="parenthesized-two-destinations-keep-comments",
    ),
    pytest.param(
        """\
        from scripts.etl.scraper_config import (
            A,  # first
            B,  # second
            C,
        )
        """,
        [from_module(1, "A"), from_module(1, "B")],
        """\
        from scripts.etl.scraper_config import (
            C,
        )
        from nba_simulator.etl.config.manager import A, B  # first  # second
        """,
        id="parenthesized-comments-of-moved-names-joined",
    ),
    pytest.param(
        """\
        import scripts

        scripts.etl.scraper_config.load(scripts.etl.scraper_telemetry.T, scripts.etl.other.KEY)
        """,
        [
            SiteRewrite(1, "import", "scripts", 0, None, None, "module", NEW, old_chain=OLD, new_chain=NEW),
            SiteRewrite(
                1, "import", "scripts", 0, None, None, "module", "nba_simulator.etl.telemetry",
                old_chain="scripts.etl.scraper_telemetry", new_chain="nba_simulator.etl.telemetry",
            ),
        ],
        """\
        import scripts
        import nba_simulator.etl.config.manager
        import nba_simulator.etl.telemetry

        nba_simulator.etl.config.manager.load(nba_simulator.etl.telemetry.T, scripts.etl.other.KEY)
        """,
        id="parent-package-import-two-moved-modules",
    ),
    pytest.param(
        """\
        def load():
            import scripts.etl.scraper_config as cfg  # lazy
            return cfg.load()
        """,
        [plain(2, alias="cfg")],
        """\
        def load():
            import nba_simulator.etl.config.manager as cfg  # lazy
            return cfg.load()
        """,
        id="lazy-aliased-import-keeps-comment",
    ),
    pytest.param(
        "import os; import scripts.etl.scraper_config\nscripts.etl.scraper_config.load()\n",
        [plain(1)],
        "import os; import nba_simulator.etl.config.manager\nnba_simulator.etl.config.manager.load()\n",
        id="second-statement-on-line",
    ),
    pytest.param(
        "import scraper_config\r\n\r\nscraper_config.load()  # keep\r\n",
        [plain(1, module="scraper_config")],
        "import nba_simulator.etl.config.manager as scraper_config\r\n\r\nscraper_config.load()  # keep\r\n",
        id="crlf-line-endings",
    ),
    pytest.param(
        "from scripts.etl import scraper_config, other_mod\r\nx = 1\r\n",
        [from_member(1)],
        "from scripts.etl import other_mod\r\nfrom nba_simulator.etl.config import manager as scraper_config\r\nx = 1\r\n",
        id="crlf-inserted-statement",
    ),
    pytest.param(
        """\
        import scripts.etl as etl_package

        etl_package.scraper_config.load(etl_package.other.KEY)
        """,
        [through(1, "etl_package.scraper_config", module="scripts.etl", alias="etl_package")],
        """\
        import scripts.etl as etl_package
        import nba_simulator.etl.config.manager

        nba_simulator.etl.config.manager.load(etl_package.other.KEY)
        """,
        id="aliased-package-import-adds-submodule-import",
    ),
    pytest.param(
        """\
        from scripts import etl

        etl.scraper_config.load(etl.other.KEY)
        """,
        [through(1, "etl.scraper_config", kind="from", name="etl")],
        """\
        from scripts import etl
        import nba_simulator.etl.config.manager

        nba_simulator.etl.config.manager.load(etl.other.KEY)
        """,
        id="from-imported-package-adds-submodule-import",
    ),
    pytest.param(
        """\
        import scripts.etl.other

        scripts.etl.scraper_config.load(scripts.etl.other.KEY)
        """,
        [through(1, OLD, module="scripts.etl.other")],
        """\
        import scripts.etl.other
        import nba_simulator.etl.config.manager

        nba_simulator.etl.config.manager.load(scripts.etl.other.KEY)
        """,
        id="sibling-import-binding-root-adds-submodule-import",
    ),
    pytest.param(
        """\
        from scripts.etl import sub, scraper_config  # both

        sub.mod.f(scraper_config.X)
        """,
        [
            through(1, "sub.mod", kind="from", module="scripts.etl", name="sub", new="nba_simulator.sub.mod"),
            from_member(1),
        ],
        """\
        from scripts.etl import sub  # both
        from nba_simulator.etl.config import manager as scraper_config
        import nba_simulator.sub.mod

        nba_simulator.sub.mod.f(scraper_config.X)
        """,
        id="from-package-split-and-submodule-import",
    ),
    pytest.param(
        "if True: from scripts import etl\nprint(etl.scraper_config.X)\n",
        [through(1, "etl.scraper_config", kind="from", name="etl")],
        "if True: from scripts import etl; import nba_simulator.etl.config.manager\n"
        "print(nba_simulator.etl.config.manager.X)\n",
        id="from-package-one-line-suite",
    ),
    pytest.param(
        "from scripts.etl import other_mod, scraper_config; LIMIT = scraper_config.LIMIT\n",
        [from_member(1)],
        "from scripts.etl import other_mod; from nba_simulator.etl.config import manager as scraper_config; "
        "LIMIT = scraper_config.LIMIT\n",
        id="split-before-more-code-on-line-stays-before-it",
    ),
    pytest.param(
        "from scripts.etl import (other_mod,\n    scraper_config  # config\n); LIMIT = scraper_config.LIMIT\n",
        [from_member(1)],
        "# config\nfrom scripts.etl import (other_mod,\n); "
        "from nba_simulator.etl.config import manager as scraper_config; LIMIT = scraper_config.LIMIT\n",
        id="split-before-more-code-moves-comment-above-line",
    ),
    pytest.param(
        """\
        from scripts.etl import (
            other_mod,
            # read once at start
            scraper_config,
            third,
        )
        """,
        [from_member(1)],
        """\
        from scripts.etl import (
            other_mod,
            third,
        )
        # read once at start
        from nba_simulator.etl.config import manager as scraper_config
        """,
        id="parenthesized-comment-line-above-moved-name-moves",
    ),
    pytest.param(
        """\
        def load():
            from scripts.etl import (  # settings
                # the config
                scraper_config,
                other_mod,
            )
        """,
        [from_member(2)],
        """\
        def load():
            from scripts.etl import (  # settings
                other_mod,
            )
            # the config
            from nba_simulator.etl.config import manager as scraper_config
        """,
        id="parenthesized-first-name-moves-with-comment-indented",
    ),
    pytest.param(
        """\
        from scripts.etl import (
            other_mod,
            scraper_config,  # moves

            # about third
            third,
            # before the end
        )
        """,
        [from_member(1)],
        """\
        from scripts.etl import (
            other_mod,

            # about third
            third,
            # before the end
        )
        from nba_simulator.etl.config import manager as scraper_config  # moves
        """,
        id="parenthesized-comments-of-kept-names-stay",
    ),
    pytest.param(
        """\
        from scripts.etl import (
            other_mod,
            # the config
            scraper_config
        )
        """,
        [from_member(1)],
        """\
        from scripts.etl import (
            other_mod,
        )
        # the config
        from nba_simulator.etl.config import manager as scraper_config
        """,
        id="parenthesized-last-name-without-comma-moves",
    ),
    pytest.param(
        "from scripts.etl import (scraper_config,\n    other_mod)\n",
        [from_member(1)],
        "from scripts.etl import (other_mod)\nfrom nba_simulator.etl.config import manager as scraper_config\n",
        id="parenthesized-two-lines-first-name-moves",
    ),
    pytest.param(
        "from scripts.etl import (other_mod,\n    scraper_config)\n",
        [from_member(1)],
        "from scripts.etl import (other_mod)\nfrom nba_simulator.etl.config import manager as scraper_config\n",
        id="parenthesized-two-lines-last-name-moves",
    ),
    pytest.param(
        "from scripts.etl import other_mod, \\\n    scraper_config\nx = 1\n",
        [from_member(1)],
        "from scripts.etl import other_mod\nfrom nba_simulator.etl.config import manager as scraper_config\nx = 1\n",
        id="backslash-continuation-split",
    ),
    pytest.param(
        "from scripts.etl.scraper_config import (A, B as C,\n    D)\n",
        [from_module(1, "B", alias="C")],
        "from scripts.etl.scraper_config import (A, D)\nfrom nba_simulator.etl.config.manager import B as C\n",
        id="parenthesized-middle-name-moves",
    ),
]


@pytest.mark.parametrize(("before", "sites", "after"), REWRITTEN)
def test_rewrites_listed_site(before: str, sites: list[SiteRewrite], after: str) -> None:
    module, result = rewrite(before, sites)

    assert module.code == dedent(after)
    assert result.changed
    assert result.skipped == ()
    assert result.applied == len(sites)


UNCHANGED = [
    pytest.param("import config\nconfig.load()\n", [], id="no-sites"),
    pytest.param(
        "import config\nconfig.load()\n",
        [plain(1, module="scripts.etl.config")],
        id="same-named-module-not-listed",
    ),
    pytest.param(
        '"""Reads scripts.etl.scraper_config."""\n# import scripts.etl.scraper_config\nX = "scripts.etl.scraper_config"\n',
        [plain(2)],
        id="strings-and-comments-mention-old-name",
    ),
    pytest.param("from __future__ import annotations\n", [from_module(1, "annotations", module="__future__")], id="future-import"),
    pytest.param("import os\nimport scripts.etl.scraper_config\n", [plain(1)], id="site-for-another-line"),
    pytest.param("import scripts.etl.scraper_config as cfg\n", [plain(1)], id="alias-differs"),
    pytest.param("from scripts.etl import scraper_config\n", [from_member(1, level=1)], id="level-differs"),
    pytest.param("from scripts.etl import other_mod\n", [from_member(1)], id="name-differs"),
    pytest.param(
        "import scripts.etl.scraper_config\nscripts = None\n",
        [plain(1)],
        id="chain-root-assigned",
    ),
    pytest.param(
        "def reload():\n    global scripts\n    import scripts.etl.scraper_config\n",
        [plain(3)],
        id="chain-root-declared-global",
    ),
    pytest.param(
        "import scripts.etl.scraper_config\nnba_simulator = 'name'\n",
        [plain(1)],
        id="new-chain-root-assigned",
    ),
    pytest.param(
        "import scripts.etl.scraper_config\nscripts.etl.scraper_config.load(scripts.etl.other.X)\n",
        [plain(1)],
        id="chain-root-still-used-elsewhere",
    ),
    pytest.param("import scripts.etl.scraper_config\n", [plain(1, new="nba_simulator.0_etl")], id="invalid-new-module"),
]


@pytest.mark.parametrize(("before", "sites"), UNCHANGED)
def test_leaves_file_unchanged(before: str, sites: list[SiteRewrite]) -> None:
    module, result = rewrite(before, sites)

    assert module.code == dedent(before)
    assert not result.changed
    assert result.applied == 0


SKIPPED = [
    pytest.param("from __future__ import annotations\n", from_module(1, "annotations", module="__future__"), "invalid-site", id="future-import"),
    pytest.param("import os\n", plain(1), "not-found", id="no-such-statement"),
    pytest.param("import os\n", plain(9), "not-found", id="line-past-end"),
    pytest.param("import scripts.etl.scraper_config\nscripts = 1\n", plain(1), "rebound-name", id="root-assigned"),
    pytest.param(
        "import scripts.etl.scraper_config\nfor scripts in []:\n    pass\n", plain(1), "rebound-name", id="root-loop-target"
    ),
    pytest.param(
        "import scripts.etl.scraper_config\nfrom elsewhere import scripts\n", plain(1), "rebound-name", id="root-from-import"
    ),
    pytest.param(
        "import scripts.etl.scraper_config\nprint(scripts.etl.other.X)\n", plain(1), "unbinds-name", id="root-still-used"
    ),
    pytest.param("import scripts.etl.scraper_config\n", plain(1, new="nba-simulator.etl"), "invalid-site", id="bad-new-module"),
    pytest.param(
        "from scripts import etl\netl = None\nprint(etl.scraper_config.X)\n",
        through(1, "etl.scraper_config", kind="from", name="etl"),
        "rebound-name",
        id="from-package-name-assigned",
    ),
    pytest.param(
        "import scripts.etl as e\n\ndef f(e):\n    return e.scraper_config.X\n",
        through(1, "e.scraper_config", module="scripts.etl", alias="e"),
        "rebound-name",
        id="package-alias-shadowed-by-parameter",
    ),
    pytest.param(
        "import scripts.etl as e\ntry:\n    pass\nexcept ImportError:\n    import etl as e\ne.scraper_config.X\n",
        through(1, "e.scraper_config", module="scripts.etl", alias="e"),
        "rebound-name",
        id="package-alias-imported-twice",
    ),
    pytest.param(
        "import scripts.etl.scraper_config\n",
        SiteRewrite(1, "import", OLD, 0, None, None, "member", NEW, "manager"),
        "invalid-site",
        id="member-target-on-plain-import",
    ),
]


@pytest.mark.parametrize(("before", "site", "code"), SKIPPED)
def test_reports_skipped_site(before: str, site: SiteRewrite, code: str) -> None:
    _, result = rewrite(before, [site])

    assert [item.line for item in result.skipped] == [site.line]
    assert result.skipped[0].code == code
    assert result.skipped[0].reason


def test_skipped_site_does_not_block_others() -> None:
    before = "import scraper_config\nimport os\n"

    module, result = rewrite(before, [plain(1, module="scraper_config"), plain(2)])

    assert module.code == "import nba_simulator.etl.config.manager as scraper_config\nimport os\n"
    assert result.applied == 1
    assert [item.line for item in result.skipped] == [2]


def test_duplicate_site_applies_once() -> None:
    module, result = rewrite("import scraper_config\n", [plain(1, module="scraper_config")] * 2)

    assert module.code == "import nba_simulator.etl.config.manager as scraper_config\n"
    assert result.applied == 1


def test_sites_on_same_statement_apply_once() -> None:
    before = "from scripts.etl import scraper_config, other_config\n"
    sites = [
        from_member(1),
        from_member(1, name="other_config", new_module="nba_simulator.etl.other", new_name="config"),
    ]

    module, result = rewrite(before, sites)

    assert module.code == (
        "from nba_simulator.etl.config import manager as scraper_config\n"
        "from nba_simulator.etl.other import config as other_config\n"
    )
    assert result.applied == 2


def test_split_parenthesized_statement_stays_valid() -> None:
    before = "from scripts.etl import (\n    scraper_config,  # a\n    other_mod  # b\n)\n"

    module, _ = rewrite(before, [from_member(1)])

    assert module.code == (
        "from scripts.etl import (\n    other_mod  # b\n)\n"
        "from nba_simulator.etl.config import manager as scraper_config  # a\n"
    )


@pytest.mark.parametrize(("before", "sites", "after"), REWRITTEN)
def test_position_fallback_gives_same_result(
    before: str, sites: list[SiteRewrite], after: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Lines normally come from the `ast` of the code; LibCST positions are the fallback.
    monkeypatch.setattr(rewrite_imports_module, "_lines_from_ast", lambda source, statements: None)

    module, result = rewrite(before, sites)

    assert module.code == dedent(after)
    assert result.applied == len(sites)


def test_lines_taken_from_given_source() -> None:
    before = "import os\nimport scraper_config\n"

    module, result = rewrite_imports(
        cst.parse_module(before), [plain(2, module="scraper_config")], source=before.encode()
    )

    assert module.code == "import os\nimport nba_simulator.etl.config.manager as scraper_config\n"
    assert result.applied == 1
