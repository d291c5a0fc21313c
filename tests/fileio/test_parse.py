"""list_from_file and dict_from_file, on local files and fsspec URLs."""

from __future__ import annotations

from pathlib import Path

import pytest

from mmlight import fileio


@pytest.fixture(params=["local", "memory"])
def lines_file(request: pytest.FixtureRequest, tmp_path: Path, mem_root: str) -> str:
    root = str(tmp_path) if request.param == "local" else mem_root
    path = fileio.join_path(root, "list.txt")
    fileio.put(b"1.jpg\r\n2.jpg\n3.jpg\n4.jpg\n5.jpg", path)
    return path


def test_list_from_file(lines_file: str) -> None:
    assert fileio.list_from_file(lines_file) == ["1.jpg", "2.jpg", "3.jpg", "4.jpg", "5.jpg"]
    assert fileio.list_from_file(lines_file, max_num=2) == ["1.jpg", "2.jpg"]
    assert fileio.list_from_file(lines_file, offset=3) == ["4.jpg", "5.jpg"]
    assert fileio.list_from_file(lines_file, offset=3, max_num=1, prefix="p/") == ["p/4.jpg"]
    assert fileio.list_from_file(lines_file, offset=9) == []
    assert fileio.list_from_file(Path(lines_file) if "://" not in lines_file
                                 else lines_file, max_num=0)[-1] == "5.jpg"


def test_list_from_file_encoding_and_backend_args(tmp_path: Path) -> None:
    path = tmp_path / "latin.txt"
    path.write_bytes("é\nà\n".encode("latin-1"))
    assert fileio.list_from_file(path, encoding="latin-1",
                                 backend_args={"backend": "local"}) == ["é", "à"]
    with pytest.raises(UnicodeDecodeError):
        fileio.list_from_file(path)


def test_dict_from_file(tmp_path: Path, mem_root: str) -> None:
    for root in (str(tmp_path), mem_root):
        path = fileio.join_path(root, "map.txt")
        fileio.put_text("1 cat\n2 dog cow\n3 panda\n", path)
        assert fileio.dict_from_file(path) == {"1": "cat", "2": ["dog", "cow"], "3": "panda"}
        assert fileio.dict_from_file(path, key_type=int) == {1: "cat", 2: ["dog", "cow"],
                                                             3: "panda"}
    bad = tmp_path / "bad.txt"
    bad.write_text("lonely\n")
    with pytest.raises(AssertionError):
        fileio.dict_from_file(bad)


def test_client_args_exclusive(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("x y\n")
    with pytest.raises(ValueError, match='"file_client_args" and "backend_args" cannot be set'), \
            pytest.warns(DeprecationWarning, match="file_client_args"):
        fileio.dict_from_file(path, file_client_args={}, backend_args={})
