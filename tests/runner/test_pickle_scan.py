"""The static pickle scan: every protocol's way of naming a global is found, nothing runs."""

from __future__ import annotations

import io
import os
import pickle
import pickletools
import struct
from collections import OrderedDict
from pathlib import Path

import pytest
import torch

from mmlight.runner.pickle_scan import DYNAMIC_GLOBAL, globals_in_checkpoint, refused_globals


class _Shell:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_every_protocol_names_the_global(tmp_path: Path, protocol: int) -> None:
    marker = tmp_path / "MARKER"
    data = pickle.dumps([OrderedDict(a=1), {"x": _Shell(marker)}, _Shell(marker)],
                        protocol=protocol)
    found = globals_in_checkpoint(io.BytesIO(data))
    assert found == ["collections.OrderedDict", "posix.system"]  # memoized repeats resolved
    assert refused_globals(found) == ["posix.system"]
    assert not marker.exists()


def test_zip_checkpoint_is_read_from_its_data_pkl(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    torch.save({"w": torch.ones(2), "x": _Shell(tmp_path / "M")}, buffer)
    found = globals_in_checkpoint(buffer)
    assert "posix.system" in found and "torch._utils._rebuild_tensor_v2" in found
    assert refused_globals(found) == ["posix.system"]


def test_unresolvable_stack_global_counts_as_refused() -> None:
    """STACK_GLOBAL whose module/name were not pushed as plain strings."""
    body = b"\x80\x04" + b"N" + b"N" + b"\x93" + b"."  # PROTO 4, None, None, STACK_GLOBAL
    assert globals_in_checkpoint(io.BytesIO(body)) == [DYNAMIC_GLOBAL]
    assert refused_globals([DYNAMIC_GLOBAL]) == [DYNAMIC_GLOBAL]


class _ReadSpy(io.BytesIO):
    """Records the largest read asked for (a file's read(n) allocates n bytes first)."""

    largest = 0

    def read(self, n: int | None = -1) -> bytes:
        self.largest = max(self.largest, n if n is not None and n >= 0 else 0)
        return super().read(n)


def test_a_huge_declared_string_is_not_allocated() -> None:
    """BINUNICODE8 claiming 2**60 bytes in a 14-byte file: the read is capped by the file."""
    stream = _ReadSpy(b"\x80\x04\x8d" + struct.pack("<Q", 2**60) + b"abc")
    assert globals_in_checkpoint(stream) == []
    assert 0 < stream.largest <= 14


def test_legacy_torch_file_stops_before_tensor_bytes(tmp_path: Path) -> None:
    path = tmp_path / "legacy.pth"
    torch.save({"w": torch.arange(1000.0)}, path, _use_new_zipfile_serialization=False)
    with open(path, "rb") as stream:
        found = globals_in_checkpoint(stream)
    assert refused_globals(found) == []
    assert "torch._utils._rebuild_tensor_v2" in found


def test_scan_agrees_with_pickletools_on_global_opcodes() -> None:
    data = pickle.dumps(OrderedDict(), protocol=2)
    names = [arg for op, arg, _ in pickletools.genops(data) if op.name == "GLOBAL"]
    assert [str(n).replace(" ", ".") for n in names] == globals_in_checkpoint(io.BytesIO(data))


@pytest.mark.parametrize("protocol", [0, 1, 2])
def test_python2_names_are_mapped_as_the_unpickler_maps_them(protocol: int) -> None:
    data = pickle.dumps([eval, set()], protocol=protocol)
    assert b"__builtin__" in data
    found = globals_in_checkpoint(io.BytesIO(data))
    assert found == ["builtins.eval", "builtins.set"]
    assert refused_globals(found) == ["builtins.eval"]  # torch allows builtins.set
