"""The shim manifest file and the prune decision built on it."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from shimgen import (
    ManifestError,
    ShimRecord,
    ShimSpec,
    check_stub,
    load_manifest,
    merge_records,
    render_shim,
    save_manifest,
)
from shimgen.prune import EDITED, MISSING, NOT_A_SHIM, OTHER_VERSION, UNCHANGED, stub_state

SPEC = ShimSpec(
    old_path="scripts/etl/scraper_config.py",
    old_module="scripts.etl.scraper_config",
    new_module="nba_simulator.etl.config.manager",
    kind="module",
    batch="etl-base",
    created="2026-12-04",
    remove_after="2027-06-30",
)
TEXT = render_shim(SPEC)
RECORD = ShimRecord.from_spec(SPEC, TEXT)


def record(old_path: str, batch: str = "etl-base") -> ShimRecord:
    return dataclasses.replace(RECORD, old_path=old_path, batch=batch)


def test_record_from_spec() -> None:
    assert RECORD.old_path == SPEC.old_path
    assert RECORD.new_module == SPEC.new_module
    assert RECORD.remove_after == "2027-06-30"
    assert RECORD.hash.startswith("sha256:")


def test_missing_manifest_is_empty(tmp_path: Path) -> None:
    assert load_manifest(tmp_path / ".codemod" / "shims.json") == []


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / ".codemod" / "shims.json"
    records = [record("scripts/b.py"), record("scripts/a.py"), RECORD]

    save_manifest(path, records)

    assert load_manifest(path) == sorted(records, key=lambda item: item.old_path)


def test_saved_file_is_stable(tmp_path: Path) -> None:
    first, second = tmp_path / "first.json", tmp_path / "second.json"

    save_manifest(first, [record("scripts/b.py"), record("scripts/a.py")])
    save_manifest(second, [record("scripts/a.py"), record("scripts/b.py")])
    text = first.read_text(encoding="utf-8")
    document = json.loads(text)

    assert first.read_bytes() == second.read_bytes()
    assert text.endswith("}\n")
    assert "\r" not in text
    assert document["version"] == 1
    assert [entry["old_path"] for entry in document["shims"]] == ["scripts/a.py", "scripts/b.py"]
    assert list(document["shims"][0]) == [field.name for field in dataclasses.fields(ShimRecord)]
    assert sorted(tmp_path.iterdir()) == [first, second]  # no temporary file left behind


def test_save_rejects_duplicate_paths(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="more than one record"):
        save_manifest(tmp_path / "shims.json", [RECORD, record(RECORD.old_path, batch="other")])


VALID_ENTRY = dataclasses.asdict(RECORD)


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param("{not json", "invalid JSON", id="invalid-json"),
        pytest.param("[]", "expected a JSON object", id="top-level-list"),
        pytest.param(
            '{"version": 2, "shims": []}', "unsupported manifest version 2", id="future-version"
        ),
        pytest.param('{"version": 1, "shims": {}}', "'shims' must be a list", id="shims-not-list"),
        pytest.param(
            '{"version": 1, "shims": [3]}',
            r"shims\[0\] must be a JSON object",
            id="record-not-object",
        ),
        pytest.param(
            json.dumps(
                {"version": 1, "shims": [{k: v for k, v in VALID_ENTRY.items() if k != "hash"}]}
            ),
            r"missing fields \['hash'\]",
            id="missing-field",
        ),
        pytest.param(
            json.dumps({"version": 1, "shims": [{**VALID_ENTRY, "extra": "x"}]}),
            r"unknown fields \['extra'\]",
            id="unknown-field",
        ),
        pytest.param(
            json.dumps({"version": 1, "shims": [{**VALID_ENTRY, "batch": 3}]}),
            r"fields \['batch'\] must be strings",
            id="non-string-field",
        ),
        pytest.param(
            json.dumps({"version": 1, "shims": [VALID_ENTRY, VALID_ENTRY]}),
            "more than one record",
            id="duplicate-path",
        ),
    ],
)
def test_malformed_manifest_names_file(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "shims.json"
    path.write_text(content, encoding="utf-8")

    with pytest.raises(ManifestError, match=message) as raised:
        load_manifest(path)
    assert str(path) in str(raised.value)


def test_merge_replaces_by_old_path() -> None:
    existing = [record("scripts/a.py"), record("scripts/b.py")]
    new = [record("scripts/b.py", batch="second"), record("scripts/c.py", batch="second")]

    merged = merge_records(existing, new)

    assert [item.old_path for item in merged] == ["scripts/a.py", "scripts/b.py", "scripts/c.py"]
    assert [item.batch for item in merged] == ["etl-base", "second", "second"]


def test_merge_rejects_duplicate_new_records() -> None:
    with pytest.raises(ManifestError, match="more than one record"):
        merge_records([], [record("scripts/a.py"), record("scripts/a.py", batch="x")])


@pytest.mark.parametrize(
    "text, state",
    [
        pytest.param(TEXT, UNCHANGED, id="unchanged"),
        pytest.param(TEXT.replace("\n", "\r\n"), UNCHANGED, id="crlf-checkout"),
        pytest.param(TEXT + "\nLOCAL = 1\n", EDITED, id="edited"),
        pytest.param(
            render_shim(dataclasses.replace(SPEC, batch="later")), OTHER_VERSION, id="regenerated"
        ),
        pytest.param("def load():\n    return 1\n", NOT_A_SHIM, id="real-code"),
        pytest.param(None, MISSING, id="missing"),
    ],
)
def test_stub_state(text: str | None, state: str) -> None:
    assert stub_state(RECORD, text) == state


@pytest.mark.parametrize(
    "text, today, removable",
    [
        pytest.param(TEXT, date(2027, 7, 1), True, id="unchanged-and-due"),
        pytest.param(TEXT, date(2027, 6, 30), False, id="on-removal-date"),
        pytest.param(TEXT + "# note\n", date(2027, 7, 1), False, id="edited-and-due"),
    ],
)
def test_removable(text: str, today: date, removable: bool) -> None:
    assert check_stub(RECORD, text, today).removable is removable


def test_bad_removal_date_is_never_due() -> None:
    broken = dataclasses.replace(RECORD, remove_after="someday")

    assert not check_stub(broken, TEXT, date(2999, 1, 1)).due
