#!/usr/bin/env python3
"""Scraper settings, read from config/scraper.json.

Usage:
    from scraper_config import load_config
"""

import json
import sys
from pathlib import Path

# Make `scripts.*` importable when this file runs as a script.
sys.path.insert(0, str(Path(__file__).parent.parent.parent))

DEFAULT_PATH = "config/scraper.json"


class ScraperConfig:
    def __init__(self, base_url, requests_per_second, max_concurrent, seasons):
        self.base_url = base_url
        self.requests_per_second = requests_per_second
        self.max_concurrent = max_concurrent
        self.seasons = seasons


def read_settings(path=DEFAULT_PATH):
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


def load_config(path=DEFAULT_PATH):
    return ScraperConfig(**read_settings(path))


def _describe(config):
    return f"{config.base_url} at {config.requests_per_second} req/s, {config.max_concurrent} at once"


if __name__ == "__main__":
    config = load_config()
    print("Scraper config:", _describe(config))
    print("Seasons:", ", ".join(str(season) for season in config.seasons))
    sys.exit(0 if config.seasons else 3)
