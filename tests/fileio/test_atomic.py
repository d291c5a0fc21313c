"""atomic_write: a full disk is named as such and keeps the old file; stale temp files of its
own naming pattern (and nothing else) can be removed."""

from __future__ import annotations

import errno
import os
import uuid
from pathlib import Path
from typing import IO

import fsspec
import pytest
import torch

from mmlight.fileio.atomic import (
    NoSpaceLeftError,
    atomic_write,
    is_temp_name,
    remove_stale_temp_files,
)
from mmlight.runner.checkpoint import save_checkpoint


class _FullDisk:
    """A stream that accepts ``room`` bytes and then fails as a full disk does."""

    def __init__(self, stream: IO[bytes], room: int) -> None:
        self.stream, self.room = stream, room

    def write(self, data: bytes) -> int:
        if len(data) > self.room:
            raise OSError(errno.ENOSPC, "No space left on device")
        self.room -= len(data)
        return self.stream.write(data)

    def flush(self) -> None:
        self.stream.flush()


def test_enospc_from_torch_save_names_the_file_and_keeps_the_old_one(tmp_path: Path) -> None:
    target = tmp_path / "iter_2.pth"
    target.write_bytes(b"previous")

    def writer(stream: IO[bytes]) -> None:
        # torch turns the OSError into "enforce fail at inline_container.cc"
        torch.save({"w": torch.zeros(10_000)}, _FullDisk(stream, 1000))  # type: ignore[arg-type]

    with pytest.raises(NoSpaceLeftError, match=rf"^no space left on device while writing "
                                               rf"{target}; the file was not changed") as info:
        atomic_write(target, writer)
    assert info.value.errno == errno.ENOSPC
    assert target.read_bytes() == b"previous"
    assert os.listdir(tmp_path) == ["iter_2.pth"]


def test_enospc_from_a_plain_write(tmp_path: Path) -> None:
    def writer(stream: IO[bytes]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(NoSpaceLeftError, match="no space left on device while writing"):
        atomic_write(tmp_path / "last_checkpoint", writer)
    assert os.listdir(tmp_path) == []


def test_other_errors_pass_unchanged(tmp_path: Path) -> None:
    def writer(stream: IO[bytes]) -> None:
        raise OSError(errno.EIO, "I/O error")

    with pytest.raises(OSError, match="I/O error") as info:
        atomic_write(tmp_path / "x", writer)
    assert not isinstance(info.value, NoSpaceLeftError)


def test_real_full_disk_during_checkpoint_save(tiny_disk: Path) -> None:
    path = tiny_disk / "epoch_1.pth"
    save_checkpoint({"state_dict": {"w": torch.ones(1000)}}, str(path))  # ~5 KB: fits
    before = path.read_bytes()
    with pytest.raises(NoSpaceLeftError,
                       match=f"no space left on device while writing {path}"):
        save_checkpoint({"state_dict": {"w": torch.zeros(100_000)}}, str(path))  # 400 KB
    assert path.read_bytes() == before
    assert os.listdir(tiny_disk) == ["epoch_1.pth"]


STALE = [".iter_6.pth.tmp-123-0123abcd", ".last_checkpoint.tmp-9-deadbeef"]
KEPT = [".iter_6.pth.tmp", ".iter_6.pth.tmp-12-xyz", "iter_6.pth.tmp-1-0123abcd",
        ".mmlight.lock", "iter_5.pth", ".iter_6.pth.tmp-123-0123abcd.bak"]


def test_temp_name_pattern() -> None:
    assert all(is_temp_name(name) for name in STALE)
    assert not any(is_temp_name(name) for name in KEPT)


def test_remove_stale_temp_files_local(tmp_path: Path) -> None:
    for name in STALE + KEPT:
        (tmp_path / name).write_bytes(b"x")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / STALE[0]).write_bytes(b"x")  # only the folder itself is cleaned
    removed = remove_stale_temp_files(tmp_path)
    assert sorted(removed) == sorted(str(tmp_path / name) for name in STALE)
    assert sorted(os.listdir(tmp_path)) == sorted([*KEPT, "sub"])
    assert os.listdir(tmp_path / "sub") == [STALE[0]]


def test_remove_stale_temp_files_fsspec() -> None:
    root = f"memory://stale-{uuid.uuid4().hex[:8]}"
    fs = fsspec.filesystem("memory")
    for name in STALE + KEPT:
        fs.pipe(f"{root}/{name}", b"x")
    removed = remove_stale_temp_files(root)
    assert sorted(removed) == sorted(f"{root}/{name}" for name in STALE)
    left = sorted(p.rpartition("/")[2] for p in fs.ls(root.partition("://")[2], detail=False))
    assert left == sorted(KEPT)
    fs.rm(root.partition("://")[2], recursive=True)
