"""codemod report --html: one self-contained page, checked as text and in headless Chromium."""

from __future__ import annotations

import dataclasses
import html
import re
import subprocess
import sys
from pathlib import Path

import pytest

from codemods.apply import apply_batch
from codemods.html_report import BatchSection, collect_report, render_report
from tests.codemods.legacy import make_legacy_repo
from tests.conftest import git

CHROMIUM = Path("/usr/bin/chromium")
SECTIONS = ("inventory", "graph", "batches", "batch-etl-base", "shim-usage")


@pytest.fixture(scope="module")
def legacy(tmp_path_factory):
    return make_legacy_repo(tmp_path_factory.mktemp("report") / "repo")


@pytest.fixture(scope="module")
def merged(tmp_path_factory):
    root = make_legacy_repo(tmp_path_factory.mktemp("report-merged") / "repo")
    apply_batch(root, "etl-base")
    git(root, "merge", "--quiet", "--ff-only", "codemod/etl-base")
    return root


@pytest.fixture(scope="module")
def page(legacy):
    return render_report(collect_report(legacy))


def test_page_has_every_section(page):
    for section in SECTIONS:
        assert f'<section id="{section}">' in page


def test_batch_moves_listed(page):
    batch = page[page.index('<section id="batch-etl-base">') :]

    assert "<td>scripts/etl/scraper_config.py</td><td>nba_simulator.etl.config.manager</td>" in batch
    assert "<h4>Hazards</h4>" in batch


def test_page_loads_nothing(page):
    graph_page = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))

    for text in (page, graph_page):
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
        assert "<link" not in text
        assert "url(" not in text
        assert "@import" not in text


def test_graph_embedded(page):
    graph_page = html.unescape(re.search(r'srcdoc="([^"]*)"', page).group(1))

    assert "<svg" in graph_page
    assert "scripts/etl/scraper_config.py" in graph_page


def test_no_shims_before_apply(page):
    usage = page[page.index('<section id="shim-usage">') :]

    assert "No shims yet" in usage


def test_shim_usage_after_merge(merged):
    page = render_report(collect_report(merged))

    usage = page[page.index('<section id="shim-usage">') :]
    kept = usage[usage.index("<h3>Left on the shims") :]
    assert "Places in the code that still reach one of the 4 shims: 0" in usage
    assert "<td>scripts/etl/bare_sibling.py:4</td>" in kept
    assert "the package root is not on sys.path there" in kept


def test_merged_batch_state_shown(merged):
    page = render_report(collect_report(merged))

    batch = page[page.index('<section id="batch-etl-base">') :]
    assert "The batch is merged in this checkout" in batch
    assert "<td>etl-base</td><td>merged</td>" in page


def test_unplannable_batch_shown_not_fatal(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    (root / "nba_simulator/etl").mkdir(parents=True)
    (root / "nba_simulator/etl/tools.py").write_text("X = 1\n")
    with (root / "codemod.toml").open("a") as config:
        config.write('\n[[batch]]\nname = "taken"\n[batch.moves]\n"scripts/etl/modular_tools.py" = "nba_simulator.etl.tools"\n')
    git(root, "add", "-A")
    git(root, "commit", "--quiet", "-m", "Add a batch whose target exists")

    page = render_report(collect_report(root))

    taken = page[page.index('<section id="batch-taken">') :]
    good = page[page.index('<section id="batch-etl-base">') : page.index('<section id="batch-taken">')]
    assert '<p class="error">' in taken
    assert "already exists" in taken
    assert "<h4>Moves</h4>" in good
    assert "<td>etl-base</td><td>planned</td><td>4</td>" in page


def test_invalid_configuration_shown(tmp_path):
    root = make_legacy_repo(tmp_path / "repo")
    with (root / "codemod.toml").open("a") as config:
        config.write('\n[[batch]]\nname = "bad"\n[batch.moves]\n"scripts/etl/espn_scraper.py" = "nba_simulator.etl.espn"\n')

    page = render_report(collect_report(root))

    batches = page[page.index('<section id="batches">') : page.index('<section id="shim-usage">')]
    assert "The configuration cannot be read" in batches
    assert "protect" in batches
    assert '<section id="inventory">' in page


def test_text_escaped(legacy):
    data = collect_report(legacy)
    data = dataclasses.replace(data, batches=(BatchSection("etl-base", None, "<script>alert(1)</script>"),))

    page = render_report(data)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_cli_writes_page(legacy, tmp_path):
    output = tmp_path / "report.html"

    completed = subprocess.run(
        [sys.executable, "-m", "codemods.cli", "--no-color", "report", "--html", str(output)],
        cwd=legacy,
        capture_output=True,
        text=True,
    )

    assert completed.returncode == 0, completed.stderr
    assert output.read_text().startswith("<!DOCTYPE html>")
    assert completed.stderr.strip().splitlines()[-1].endswith(output.resolve().as_uri())


def chromium(tmp_path: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            f"--user-data-dir={tmp_path / 'profile'}",
            *arguments,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium (apt-get install chromium)")
def test_browser_renders_sections(page, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")

    completed = chromium(tmp_path, "--dump-dom", path.as_uri())

    assert completed.returncode == 0, completed.stderr[-2000:]
    dom = completed.stdout
    for section in SECTIONS:
        assert f'<section id="{section}">' in dom
    assert "<iframe" in dom
    assert "scripts/etl/scraper_config.py" in dom


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs headless Chromium at /usr/bin/chromium (apt-get install chromium)")
def test_browser_takes_screenshot(page, tmp_path):
    path = tmp_path / "report.html"
    path.write_text(page, encoding="utf-8")
    screenshot = tmp_path / "report.png"

    completed = chromium(tmp_path, "--window-size=1400,2000", f"--screenshot={screenshot}", path.as_uri())

    assert completed.returncode == 0, completed.stderr[-2000:]
    assert screenshot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
