"""The shim manifest file and the prune decision built on it."""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import pytest

from shimgen import (
    LEGACY_MANIFEST_PATH,
    ManifestError,
    ShimRecord,
    ShimSpec,
    check_stub,
    is_manifest_path,
    load_manifest,
    manifest_path,
    manifests_in_folder,
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
    assert load_manifest(tmp_path / ".codemod" / "shims" / "etl-base.json") == []


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / manifest_path("etl-base")
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


# One file per batch -----------------------------------------------------------


@pytest.mark.parametrize(
    "batch, path",
    [
        pytest.param("etl-base", ".codemod/shims/etl-base.json", id="hyphen"),
        pytest.param("v2.1_fix", ".codemod/shims/v2.1_fix.json", id="dot-and-underscore"),
        pytest.param("ETL", ".codemod/shims/ETL.json", id="case-kept"),
        pytest.param("console", ".codemod/shims/console.json", id="device-name-prefix-is-fine"),
    ],
)
def test_manifest_path_is_batch_name(batch: str, path: str) -> None:
    assert manifest_path(batch) == path


@pytest.mark.parametrize(
    "batch, message",
    [
        pytest.param("etl/base", "cannot be the file name", id="slash"),
        pytest.param("-etl", "cannot be the file name", id="leading-hyphen"),
        pytest.param("", "cannot be the file name", id="empty"),
        pytest.param("nul", "Windows device name", id="device-name"),
        pytest.param("COM1.extra", "Windows device name", id="device-name-with-extension"),
    ],
)
def test_manifest_path_rejects_unusable_name(batch: str, message: str) -> None:
    with pytest.raises(ManifestError, match=message) as raised:
        manifest_path(batch)
    assert repr(batch) in str(raised.value)
    assert "rename the batch" in str(raised.value)


@pytest.mark.parametrize(
    "path, expected",
    [
        pytest.param(".codemod/shims/etl-base.json", True, id="batch-file"),
        pytest.param(".codemod/shims.json", True, id="legacy-file"),
        pytest.param(".codemod/shims/README.md", False, id="other-file-in-folder"),
        pytest.param(".codemod/shims/old/etl.json", False, id="nested-folder"),
        pytest.param("config/shims.json", False, id="elsewhere"),
    ],
)
def test_is_manifest_path(path: str, expected: bool) -> None:
    assert is_manifest_path(path) is expected


def test_folder_reads_batch_files_and_legacy(tmp_path: Path) -> None:
    save_manifest(tmp_path / LEGACY_MANIFEST_PATH, [record("scripts/old.py", batch="earlier")])
    save_manifest(tmp_path / manifest_path("b"), [record("scripts/b.py", batch="b")])
    save_manifest(tmp_path / manifest_path("a"), [record("scripts/a2.py", batch="a"), record("scripts/a1.py", batch="a")])
    (tmp_path / ".codemod/shims/README.md").write_text("not a manifest\n", encoding="utf-8")

    manifests = manifests_in_folder(tmp_path)

    assert list(manifests.files) == [LEGACY_MANIFEST_PATH, ".codemod/shims/a.json", ".codemod/shims/b.json"]
    assert [item.old_path for item in manifests.records] == ["scripts/a1.py", "scripts/a2.py", "scripts/b.py", "scripts/old.py"]
    assert manifests.file_of("scripts/old.py") == LEGACY_MANIFEST_PATH
    assert manifests.file_of("scripts/b.py") == ".codemod/shims/b.json"
    assert manifests.file_of("scripts/none.py") is None


def test_folder_without_manifests_is_empty(tmp_path: Path) -> None:
    manifests = manifests_in_folder(tmp_path)

    assert manifests.files == {}
    assert manifests.records == []


@pytest.mark.parametrize(
    "first, second",
    [
        pytest.param(LEGACY_MANIFEST_PATH, ".codemod/shims/b.json", id="legacy-and-batch-file"),
        pytest.param(".codemod/shims/a.json", ".codemod/shims/b.json", id="two-batch-files"),
    ],
)
def test_same_old_path_in_two_files_raises(tmp_path: Path, first: str, second: str) -> None:
    save_manifest(tmp_path / first, [record("scripts/x.py", batch="a")])
    save_manifest(tmp_path / second, [record("scripts/x.py", batch="b")])

    with pytest.raises(ManifestError, match="listed in both") as raised:
        manifests_in_folder(tmp_path, label="HEAD")
    message = str(raised.value)
    assert "'scripts/x.py'" in message
    assert f"HEAD:{first}" in message
    assert f"HEAD:{second}" in message


@pytest.mark.parametrize(
    "content, message",
    [
        pytest.param(b"{not json", "invalid JSON", id="invalid-json"),
        pytest.param(b"", "invalid JSON", id="empty-file"),
        pytest.param(b'{"version": 1, "shims": []}\xff', "not valid UTF-8", id="not-utf-8"),
    ],
)
def test_bad_batch_file_is_named(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / manifest_path("a")
    path.parent.mkdir(parents=True)
    path.write_bytes(content)

    with pytest.raises(ManifestError, match=message) as raised:
        manifests_in_folder(tmp_path)
    assert str(path) in str(raised.value)


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
