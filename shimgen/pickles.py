"""Find the module globals that stored pickles name, by reading opcodes only.

A pickle stores a class or function as a reference. The GLOBAL and INST opcodes carry
``"module name"`` as their argument. STACK_GLOBAL (protocol 4 and later) pops the module
and the name that earlier opcodes pushed, often as memo lookups of strings pushed once. This module walks the opcodes with ``pickletools.genops`` and keeps just
enough of the stack and memo to name both strings. It never unpickles, so nothing in a
scanned file runs.
"""

from __future__ import annotations

import bz2
import gzip
import io
import lzma
import pickletools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Optional, Protocol

PROTOCOL_PREFIX = b"\x80"  # PROTO opcode, first byte of every pickle of protocol 2 or later
_COMPRESSED = (
    (b"\x1f\x8b", gzip.open, "gzip"),
    (b"BZh", bz2.open, "bz2"),
    (b"\xfd7zXZ\x00", lzma.open, "xz"),
)
# First opcodes of a protocol 0 or 1 pickle: MARK, EMPTY_LIST, EMPTY_DICT, the scalar
# pushes and the global references. A file starting with any other byte is not tried.
_OLD_PROTOCOL_FIRST_BYTES = frozenset(b"(]}NIJKLFGSTUVX\x88\x89cij)")

_STRING_OPCODES = frozenset(
    {
        "SHORT_BINUNICODE",
        "BINUNICODE",
        "BINUNICODE8",
        "UNICODE",
        "STRING",
        "BINSTRING",
        "SHORT_BINSTRING",
    }
)
_GET_OPCODES = frozenset({"GET", "BINGET", "LONG_BINGET"})
_PUT_OPCODES = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})
_NAMED_GLOBAL_OPCODES = frozenset({"GLOBAL", "INST"})
_NOT_A_VALUE = None  # a stack entry that is not a string
_HIGHEST_KNOWN_PROTOCOL = 5  # pickle.HIGHEST_PROTOCOL on Python 3.8 to 3.13
_INVALID_DATA = (ValueError, OverflowError, EOFError, OSError, lzma.LZMAError)

StackValue = Optional[str]


class _PeekableStream(Protocol):
    def peek(self, size: int = ...) -> bytes: ...

    def read(self, size: int = ...) -> bytes: ...

    def tell(self) -> int: ...


@dataclass(frozen=True)
class PickleGlobal:
    """One module global that a pickle refers to."""

    module: str
    name: str
    opcode: str  # GLOBAL, INST or STACK_GLOBAL
    position: int  # byte offset of the opcode in the (decompressed) stream


@dataclass(frozen=True)
class PickleScan:
    """The globals of every pickle stored one after another in one file."""

    path: str
    protocol: int  # highest protocol seen in the file, 0 or 1 when there is no PROTO opcode
    compression: str  # "", "gzip", "bz2" or "xz"
    globals: tuple[PickleGlobal, ...]
    error: str = ""  # set when the file starts like a pickle but an opcode is invalid


def scan_pickle_file(path: Path, *, display_path: str = "") -> Optional[PickleScan]:
    """Scan the file at ``path``; return None when it is not a pickle.

    Files compressed with gzip, bz2 or xz are read through the decompressor.
    ``display_path`` is the name used in the result (the path itself by default). A
    pickle that stops in the middle is returned with the globals found before the
    damage and ``error`` set.
    """
    display_path = display_path or str(path)
    with open(path, "rb") as raw:
        compression, opener = _compression_of(raw.peek(8)[:8])
        if opener is None:
            return _scan_stream(raw, display_path, compression="")
        try:
            with opener(raw) as stream:
                return _scan_stream(stream, display_path, compression)
        except (OSError, EOFError, lzma.LZMAError):
            return None


def scan_pickle_bytes(data: bytes, *, display_path: str = "<bytes>") -> Optional[PickleScan]:
    """Scan an uncompressed pickle held in memory; return None when it is not one."""
    return _scan_stream(io.BufferedReader(io.BytesIO(data)), display_path, compression="")


def iter_globals(stream: _PeekableStream) -> Iterator[tuple[PickleGlobal, int]]:
    """Yield each global referenced by the one pickle at the stream's position, with its protocol.

    Raises ValueError when an opcode is invalid or the pickle ends before STOP.
    """
    memo: dict[int, StackValue] = {}
    stack: list[StackValue] = []
    protocol = 0
    for opcode, argument, position in pickletools.genops(stream):  # type: ignore[arg-type]
        name = opcode.name
        if name == "PROTO":
            protocol = int(argument)  # type: ignore[arg-type]
        elif name in _NAMED_GLOBAL_OPCODES:
            module, _, attribute = str(argument).partition(" ")
            yield PickleGlobal(module, attribute, name, position or 0), protocol
            stack.append(_NOT_A_VALUE)
        elif name == "STACK_GLOBAL":
            pushed_name = stack.pop() if stack else None
            pushed_module = stack.pop() if stack else None
            yield PickleGlobal(pushed_module or "?", pushed_name or "?", name, position or 0), protocol
            stack.append(_NOT_A_VALUE)
        else:
            _follow_strings(name, argument, opcode, stack, memo)


def _follow_strings(name: str, argument: object, opcode: pickletools.OpcodeInfo, stack: list[StackValue], memo: dict[int, StackValue]) -> None:
    """Track the string values on the stack and in the memo; every other value is _NOT_A_VALUE."""
    if name in _STRING_OPCODES:
        stack.append(argument if isinstance(argument, str) else _decode(argument))
    elif name in _GET_OPCODES:
        stack.append(memo.get(int(argument)))  # type: ignore[call-overload]
    elif name in _PUT_OPCODES:
        memo[int(argument)] = stack[-1] if stack else _NOT_A_VALUE  # type: ignore[call-overload]
    elif name == "MEMOIZE":
        memo[len(memo)] = stack[-1] if stack else _NOT_A_VALUE
    else:
        _apply_stack_effect(opcode, stack)


def _apply_stack_effect(opcode: pickletools.OpcodeInfo, stack: list[StackValue]) -> None:
    # Only the two entries under STACK_GLOBAL matter, so an opcode that consumes a marked
    # run of values (TUPLE, SETITEMS, ...) clears the stack instead of counting exactly.
    popped = opcode.stack_before
    if pickletools.markobject in popped:
        stack.clear()
    else:
        del stack[len(stack) - min(len(popped), len(stack)) :]
    stack.extend(_NOT_A_VALUE for item in opcode.stack_after if item is not pickletools.markobject)


def _decode(argument: object) -> Optional[str]:
    if isinstance(argument, bytes):
        return argument.decode("latin-1")
    return None


def _scan_stream(stream: _PeekableStream, display_path: str, compression: str) -> Optional[PickleScan]:
    if not _looks_like_pickle(stream.peek(8)[:8]):
        return None

    found: list[PickleGlobal] = []
    highest = 0
    pickles = 0
    error = ""
    while stream.peek(1)[:1]:
        try:
            for item, protocol in iter_globals(stream):
                found.append(item)
                highest = max(highest, protocol)
        except _INVALID_DATA as problem:
            if pickles == 0 and not found:
                return None  # the first bytes only looked like a pickle
            error = f"invalid pickle data after {len(found)} globals: {problem}"
            break
        pickles += 1
    return PickleScan(display_path, highest, compression, tuple(found), error)


def _looks_like_pickle(head: bytes) -> bool:
    if head.startswith(PROTOCOL_PREFIX):
        return len(head) > 1 and 2 <= head[1] <= _HIGHEST_KNOWN_PROTOCOL
    return bool(head) and head[0] in _OLD_PROTOCOL_FIRST_BYTES


def _compression_of(head: bytes) -> tuple[str, Optional[Callable[[IO[bytes]], Any]]]:
    for magic, opener, name in _COMPRESSED:
        if head.startswith(magic):
            return name, opener
    return "", None
