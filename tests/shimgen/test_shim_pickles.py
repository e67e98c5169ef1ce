"""Reading the globals of stored pickles from their opcodes, without unpickling."""

from __future__ import annotations

import bz2
import collections
import gzip
import io
import lzma
import pickle
import pickletools
from pathlib import Path

import pytest

from shimgen.pickles import iter_globals, scan_pickle_bytes, scan_pickle_file

ORDERED = collections.OrderedDict()
PAIR = [collections.OrderedDict(), collections.Counter(), io.BytesIO]
PAIR_GLOBALS = [("collections", "OrderedDict"), ("collections", "Counter"), ("_io", "BytesIO")]


def globals_of(data: bytes) -> list[tuple[str, str]]:
    scan = scan_pickle_bytes(data)
    assert scan is not None
    return [(item.module, item.name) for item in scan.globals]


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_protocol_names_globals(protocol: int) -> None:
    assert globals_of(pickle.dumps(PAIR, protocol=protocol)) == PAIR_GLOBALS


@pytest.mark.parametrize(
    "data, expected",
    [
        pytest.param(b"cscripts.etl.old\nThing\nq\x00.", [("scripts.etl.old", "Thing")], id="protocol-0-global"),
        pytest.param(b"(iscripts.etl.old\nThing\n(dp0\nb.", [("scripts.etl.old", "Thing")], id="protocol-0-inst"),
        pytest.param(
            b"\x80\x04\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x0fscripts.etl.old\x94\x8c\x01A\x94\x93\x94"
            b"h\x00\x8c\x01B\x94\x93\x94\x86\x94.",
            [("scripts.etl.old", "A"), ("scripts.etl.old", "B")],
            id="stack-global-module-from-memo",
        ),
        pytest.param(
            b"\x80\x04\x8c\x0fscripts.etl.old\x8c\x01A\x93)\x81\x8c\x08__main__\x8c\x05Local\x93\x86.",
            [("scripts.etl.old", "A"), ("__main__", "Local")],
            id="stack-global-after-other-values",
        ),
        pytest.param(
            pickle.dumps(ORDERED, 4) + pickle.dumps(collections.Counter(), 2),
            [("collections", "OrderedDict"), ("collections", "Counter")],
            id="two-pickles-in-one-file",
        ),
    ],
)
def test_globals_from_opcodes(data: bytes, expected: list[tuple[str, str]]) -> None:
    assert globals_of(data) == expected


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"hello world\n", id="text"),
        pytest.param(b"(a note)\n", id="text-starting-like-protocol-0"),
        pytest.param(b"Inot a number\n", id="text-starting-with-int-opcode"),
        pytest.param(b"\x80\x09junk", id="unknown-protocol"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="png-header"),
        pytest.param(b"{\"json\": true}", id="json"),
    ],
)
def test_not_a_pickle(data: bytes) -> None:
    assert scan_pickle_bytes(data) is None


def test_truncated_pickle_reports_error() -> None:
    data = pickle.dumps(PAIR, protocol=4)

    scan = scan_pickle_bytes(data[:-1])

    assert scan is not None
    assert [(item.module, item.name) for item in scan.globals] == PAIR_GLOBALS
    assert "STOP" in scan.error


@pytest.mark.parametrize(
    "suffix, compress, name",
    [
        pytest.param(".pkl.gz", gzip.compress, "gzip", id="gzip"),
        pytest.param(".pkl.bz2", bz2.compress, "bz2", id="bz2"),
        pytest.param(".pkl.xz", lzma.compress, "xz", id="xz"),
        pytest.param(".pkl", lambda data: data, "", id="plain"),
    ],
)
def test_compressed_files_read(tmp_path: Path, suffix: str, compress, name: str) -> None:
    path = tmp_path / f"stored{suffix}"
    path.write_bytes(compress(pickle.dumps(PAIR, protocol=5)))

    scan = scan_pickle_file(path)

    assert scan is not None
    assert scan.compression == name
    assert scan.protocol == 5
    assert [(item.module, item.name) for item in scan.globals] == PAIR_GLOBALS


def test_compressed_text_is_not_a_pickle(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt.gz"
    path.write_bytes(gzip.compress(b"just some notes\n"))

    assert scan_pickle_file(path) is None


def test_iter_globals_matches_pickletools() -> None:
    data = pickle.dumps({"a": PAIR, "b": [ORDERED, PAIR]}, protocol=4)
    stack_globals = sum(1 for opcode, _, _ in pickletools.genops(data) if opcode.name == "STACK_GLOBAL")

    found = [item for item, _ in iter_globals(io.BytesIO(data))]

    assert len(found) == stack_globals
    assert all(item.module != "?" for item in found)
