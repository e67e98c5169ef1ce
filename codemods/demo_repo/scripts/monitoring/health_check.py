#!/usr/bin/env python3
"""Print whether the scraper settings look sane; exit 1 when they do not."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import scripts.etl.scraper_config  # noqa: E402
from scripts.etl import rate_limiter  # noqa: E402


def check():
    config = scripts.etl.scraper_config.load_config()
    limiter = rate_limiter.RateLimiter(config.requests_per_second)
    return config.max_concurrent > 0 and limiter.per_second > 0


if __name__ == "__main__":
    healthy = check()
    print("healthy" if healthy else "unhealthy")
    sys.exit(0 if healthy else 1)
