from unittest import mock

from scripts.etl.scraper_config import load_config


def test_load_config_reads_settings():
    settings = {"base_url": "u", "requests_per_second": 1, "max_concurrent": 2, "seasons": [2024]}
    with mock.patch("scripts.etl.scraper_config.read_settings", return_value=settings):
        config = load_config()
    assert config.max_concurrent == 2
