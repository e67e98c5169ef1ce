"""`codemod demo`: run the whole workflow on a small legacy repository shipped with the tool."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Optional

from codemods import report
from codemods.apply import apply_batch
from codemods.config import load_config
from codemods.errors import CodemodError
from codemods.plan import plan_batch
from codemods.verify import verify_batch
from codemods.workspace import file_reader, scan_target

DEMO_SOURCE = Path(__file__).with_name("demo_repo")
DEMO_BATCH = "etl-base"


def create_demo_repository(folder: Optional[Path] = None) -> Path:
    """Copy the demo repository into ``folder`` (or a new temporary one) and commit it."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="codemod-demo-"))
    elif folder.exists() and any(folder.iterdir()):
        raise CodemodError(f"{folder}: the folder is not empty; give an empty or new folder to --dir.")
    shutil.copytree(DEMO_SOURCE, folder, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    _git(folder, "init", "--quiet", "--initial-branch=main")
    _git(folder, "config", "user.name", "codemod demo")
    _git(folder, "config", "user.email", "demo@codemod.invalid")
    _git(folder, "add", "-A")
    _git(folder, "commit", "--quiet", "-m", "Legacy layout: scripts glued with sys.path")
    return folder


def _git(folder: Path, *arguments: str) -> None:
    # The demo's own setup runs before the repository exists, so it cannot use gitops.Repository.
    completed = subprocess.run(["git", *arguments], cwd=folder, capture_output=True, text=True)
    if completed.returncode != 0:
        raise CodemodError(f"git {' '.join(arguments)} failed in {folder}: {completed.stderr.strip()}")


def run_demo(folder: Optional[Path] = None) -> Path:
    """Create the demo repository and run inventory, plan, apply and verify on it."""
    root = create_demo_repository(folder)
    console = report.out()
    config = load_config(root)

    console.rule("1. inventory: what is here and how each import resolves")
    inventory = scan_target(root, config)
    report.render_inventory(inventory)

    console.rule(f"2. plan --batch {DEMO_BATCH} --diff: what will change")
    plan = plan_batch(config, DEMO_BATCH, inventory, file_reader(root))
    report.render_plan(plan, show_diff=True)

    console.rule(f"3. apply --batch {DEMO_BATCH}: two commits on their own branch")
    result = apply_batch(root, DEMO_BATCH)
    report.render_apply(result)

    console.rule(f"4. verify --batch {DEMO_BATCH}: old and new names both work")
    verification = verify_batch(root, DEMO_BATCH)
    report.render_verify(verification)

    console.rule("done")
    counts = verification.counts()
    console.print(
        f"Demo repository: {root}\n"
        f"Verification: {counts.get('passed', 0)} passed, {counts.get('failed', 0)} failed.\n"
        "Look at:\n"
        f"  cd {root}\n"
        f"  git log --stat {result.branch}            # the rename commit, then the rewrite commit\n"
        f"  git show {result.branch}                  # rewritten imports and the shims\n"
        f"  git log --follow --oneline {result.branch} -- courtside/etl/config/manager.py\n"
        f"  git switch {result.branch} && python3 scripts/etl/scraper_config.py   # the old command, through the shim",
        markup=False,
        highlight=False,
    )
    if not verification.ok:
        raise CodemodError(f"the demo's verification failed; see the table above. The repository is at {root}.")
    return root
