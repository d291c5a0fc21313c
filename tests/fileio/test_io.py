"""Path helpers on a local directory and on fsspec's in-memory filesystem."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from mmlight import fileio


@pytest.fixture(params=["local", "memory"])
def root(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "local":
        return str(tmp_path)
    return f"memory://fileio-{uuid.uuid4().hex[:8]}"


def test_put_get_exists(root: str) -> None:
    path = fileio.join_path(root, "sub", "a.bin")
    assert not fileio.exists(path)
    fileio.put(b"\x00\x01", path)  # creates the directory
    assert fileio.get(path) == b"\x00\x01"
    assert fileio.exists(path) and fileio.isfile(path) and not fileio.isdir(path)
    assert fileio.isdir(fileio.join_path(root, "sub"))
    fileio.put_text("héllo", fileio.join_path(root, "t.txt"))
    assert fileio.get_text(fileio.join_path(root, "t.txt")) == "héllo"


def test_join_path() -> None:
    assert fileio.join_path("memory://a/", "b", "c.pth") == "memory://a/b/c.pth"
    assert fileio.join_path("/a", "b") == "/a/b"
    assert fileio.join_path("memory://a", "s3://x/y") == "s3://x/y"


def test_list_remove_rmtree(root: str) -> None:
    for name in ("a.pth", "b.txt", "d/c.pth", ".hidden.pth"):
        fileio.put(b"x", fileio.join_path(root, name))
    assert sorted(fileio.list_dir_or_file(root)) == ["a.pth", "b.txt", "d"]
    assert sorted(fileio.list_dir_or_file(root, list_dir=False, suffix=".pth",
                                          recursive=True)) == ["a.pth", "d/c.pth"]
    with pytest.raises(TypeError, match="suffix"):
        list(fileio.list_dir_or_file(root, suffix=".pth"))
    fileio.remove(fileio.join_path(root, "a.pth"))
    assert not fileio.exists(fileio.join_path(root, "a.pth"))
    with pytest.raises(FileNotFoundError):
        fileio.remove(fileio.join_path(root, "a.pth"))
    fileio.rmtree(fileio.join_path(root, "d"))
    assert not fileio.exists(fileio.join_path(root, "d"))


def test_get_local_path(root: str) -> None:
    path = fileio.join_path(root, "w.pth")
    fileio.put(b"abc", path)
    with fileio.get_local_path(path) as local:
        assert Path(local).read_bytes() == b"abc"


def test_atomic_write_replaces_whole_file(root: str) -> None:
    path = fileio.join_path(root, "dir", "ckpt.pth")
    fileio.atomic_write(path, b"first")
    fileio.atomic_write(path, lambda stream: stream.write(b"second"))
    assert fileio.get(path) == b"second"
    assert list(fileio.list_dir_or_file(fileio.join_path(root, "dir"))) == ["ckpt.pth"]


def test_atomic_write_crash_keeps_old_file_and_no_temp(root: str) -> None:
    path = fileio.join_path(root, "ckpt.pth")
    fileio.atomic_write(path, b"good")

    def crash(stream: object) -> None:
        stream.write(b"partial" * 1000)  # type: ignore[attr-defined]
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        fileio.atomic_write(path, crash)
    assert fileio.get(path) == b"good"
    # no leftovers, hidden temporaries included
    if "://" in root:
        fs, stripped = fileio.url_to_fs(root)
        names = [str(p).rsplit("/", 1)[-1] for p in fs.ls(stripped, detail=False)]
    else:
        names = [p.name for p in Path(root).iterdir()]
    assert names == ["ckpt.pth"]
