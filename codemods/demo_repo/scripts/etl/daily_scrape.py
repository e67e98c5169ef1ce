#!/usr/bin/env python3
"""Daily job: scrape yesterday's games. Started by cron (deploy/crontab)."""

import argparse
import sys
from pathlib import Path

project_root = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(project_root))

from scripts.etl.scraper_config import load_config  # noqa: E402
from rate_limiter import RateLimiter  # noqa: E402  (found beside this script)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--dry-run", action="store_true", help="plan the requests without sending them")
    args = parser.parse_args(argv)

    config = load_config()
    limiter = RateLimiter(config.requests_per_second)
    for season in config.seasons:
        if args.dry_run:
            print(f"would fetch season {season} from {config.base_url}")
        else:
            limiter.acquire()
            print(f"fetching season {season}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
