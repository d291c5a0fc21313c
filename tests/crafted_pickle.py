"""Hand-written pickles and the smallest files torch.load reads them from, for attack tests.

A crafted pickle says exactly what an attacker's file would say (``ndarray((10**11,))`` in a
few bytes), which ``pickle.dumps`` of real objects cannot. Opcodes are protocol 2, the ones
torch's ``weights_only`` unpickler supports.
"""

from __future__ import annotations

import io
import pickle
from pathlib import Path

__all__ = [
    "APPENDS",
    "BINPERSID",
    "BUILD",
    "EMPTY_DICT",
    "EMPTY_LIST",
    "MARK",
    "NEWFALSE",
    "NEWOBJ",
    "NONE",
    "REDUCE",
    "SETITEM",
    "TUPLE",
    "TUPLE1",
    "TUPLE2",
    "TUPLE3",
    "get",
    "global_",
    "integer",
    "legacy_checkpoint",
    "pickle_of",
    "put",
    "text",
]

BUILD, EMPTY_DICT, MARK, NEWFALSE, NEWOBJ, NONE = b"b", b"}", b"(", b"\x89", b"\x81", b"N"
REDUCE, SETITEM, TUPLE, TUPLE1, TUPLE3 = b"R", b"s", b"t", b"\x85", b"\x87"
APPENDS, BINPERSID, EMPTY_LIST, TUPLE2 = b"e", b"Q", b"]", b"\x86"


def put(index: int) -> bytes:
    """Memoize the top of the stack (LONG_BINPUT)."""
    return b"r" + index.to_bytes(4, "little")


def get(index: int) -> bytes:
    """Push a memoized value again (LONG_BINGET): a reference, a few bytes each time."""
    return b"j" + index.to_bytes(4, "little")


def global_(module: str, name: str) -> bytes:
    return b"c" + module.encode() + b"\n" + name.encode() + b"\n"


def integer(value: int) -> bytes:
    """Any int (LONG1), so huge shapes fit."""
    data = value.to_bytes((value.bit_length() + 8) // 8, "little", signed=True)
    return b"\x8a" + bytes([len(data)]) + data


def text(value: str) -> bytes:
    data = value.encode()
    return b"X" + len(data).to_bytes(4, "little") + data


def pickle_of(*ops: bytes) -> bytes:
    return b"\x80\x02" + b"".join(ops) + b"."


def legacy_checkpoint(body: bytes, path: Path | None = None) -> io.BytesIO:
    """torch's legacy (pre-zip) checkpoint format around the pickle ``body``: a ~150-byte
    file, which ``torch.load(weights_only=True)`` unpickles as it would a zip checkpoint.
    Written to ``path`` too when given."""
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
    info = pickle.dumps(
        {"protocol_version": 1001, "little_endian": True,
         "type_sizes": {"short": 2, "int": 4, "long": 4}},
        protocol=2,
    )
    data = magic + info + body + pickle.dumps([], protocol=2)
    if path is not None:
        path.write_bytes(data)
    return io.BytesIO(data)
