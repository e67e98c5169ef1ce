"""Build the synthetic legacy repository of tests/fixtures/legacy as a real git repository."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.conftest import git

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "legacy"

MOVED = {
    "scripts/etl/scraper_config.py": "nba_simulator/etl/config/manager.py",
    "scripts/etl/scraper_telemetry.py": "nba_simulator/etl/monitoring/telemetry.py",
    "scripts/etl/adaptive_rate_limiter.py": "nba_simulator/etl/base/rate_limiter.py",
    "scripts/etl/async_scraper_base.py": "nba_simulator/etl/base/async_scraper.py",
}


def make_legacy_repo(root: Path) -> Path:
    shutil.copytree(FIXTURE, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".codemod"))
    git(root, "init", "--quiet", "--initial-branch=main")
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "Legacy layout")
    return root
