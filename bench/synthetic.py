"""Generate a synthetic legacy repository of any size for the growth benchmarks.

The files copy the patterns of the real repository at roughly its mean file
size (about 6 KB, 200 lines): scripts in ``scripts/area_<n>/`` folders
without ``__init__.py``, a ``sys.path.insert`` of the scripts folder, imports
of modules in other areas through it, script-folder imports of siblings,
``try/except ImportError``, lazy imports, ``__file__``-relative paths, a
``__main__`` block, and a crontab that starts some scripts by path.
"""

from __future__ import annotations

import random
from pathlib import Path

MODULES_PER_AREA = 200


def generate(root: Path, files: int, *, seed: int = 7) -> Path:
    """Write a repository of ``files`` Python files under ``root`` and return ``root``."""
    rng = random.Random(seed)
    areas = max(1, -(-files // MODULES_PER_AREA))
    cron = []
    written = 0
    for area in range(areas):
        folder = root / "scripts" / f"area_{area}"
        folder.mkdir(parents=True, exist_ok=True)
        count = min(MODULES_PER_AREA, files - written)
        for module in range(count):
            other_area = rng.randrange(areas)
            other_module = rng.randrange(min(MODULES_PER_AREA, files - other_area * MODULES_PER_AREA))
            sibling = rng.randrange(count)
            text = _module_text(area, module, other_area, other_module, sibling, rng)
            (folder / f"mod_{module}.py").write_text(text, encoding="utf-8")
        written += count
        cron.append(f"15 {area % 24} * * * cd /srv/app && python scripts/area_{area}/mod_0.py --daily\n")
    (root / "deploy").mkdir(exist_ok=True)
    (root / "deploy" / "crontab").write_text("".join(cron), encoding="utf-8")
    return root


def _module_text(area: int, module: int, other_area: int, other_module: int, sibling: int, rng: random.Random) -> str:
    methods = "".join(_method_text(index, rng) for index in range(rng.randint(3, 8)))
    return f'''"""Module {module} of area {area}: synthetic legacy code for the benchmarks."""

import json
import logging
import os
import sys
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from area_{other_area}.mod_{other_module} import helper_{other_module}
import mod_{sibling} as sibling_module

try:
    import yaml
except ImportError:
    yaml = None

logger = logging.getLogger(__name__)
CONFIG_PATH = Path(__file__).parent / "config" / "area_{area}.json"
LIMITS = {{"rows": {rng.randint(10, 1000)}, "retries": {rng.randint(1, 5)}, "timeout": {rng.randint(5, 60)}}}


class Processor{module}:
    """Read rows, clean them and write a summary for area {area}."""

    def __init__(self, name, limit=LIMITS["rows"]):
        self.name = name
        self.limit = limit
        self.seen = {{}}
        self.errors = []
{methods}

def helper_{module}(value, scale=1.0):
    """Scale a value and round it, as the other areas expect."""
    if value is None:
        return 0.0
    result = float(value) * scale
    return round(result, 3)


def load_config(path=CONFIG_PATH):
    if not os.path.exists(path):
        logger.warning("no config at %s", path)
        return {{}}
    with open(path) as handle:
        return json.load(handle)


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="Area {area} job {module}")
    parser.add_argument("--daily", action="store_true")
    arguments = parser.parse_args(argv)
    processor = Processor{module}("area-{area}")
    rows = [{{"id": index, "value": helper_{other_module}(index)}} for index in range(10)]
    summary = processor.step_0(rows)
    print(json.dumps(summary, default=str))
    return 0 if arguments.daily or summary else 1


if __name__ == "__main__":
    sys.exit(main())
'''


def _method_text(index: int, rng: random.Random) -> str:
    threshold = rng.randint(1, 100)
    return f'''
    def step_{index}(self, rows):
        """Clean the rows of step {index}; drop those below {threshold}."""
        kept = []
        for row in rows[: self.limit]:
            key = (row.get("id"), row.get("value"))
            if key in self.seen:
                continue
            self.seen[key] = datetime.now().isoformat()
            if (row.get("value") or 0) < {threshold}:
                self.errors.append(f"row {{row.get('id')}} below {threshold}")
                continue
            kept.append({{**row, "step": {index}, "scaled": sibling_module.__name__}})
        logger.debug("step {index}: kept %d of %d rows", len(kept), len(rows))
        return {{"kept": len(kept), "errors": len(self.errors), "name": self.name}}
'''
