"""mmlight.utils.path: unit tests and parity with mmengine.utils.path over a tmp tree."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmlight.utils import path as P


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """root/{1.txt, 2.TXT, 3.json, .hidden.txt, a/{4.txt, 5.JSON, b/6.txt}, .git/7.txt}"""
    files = [
        "1.txt",
        "2.TXT",
        "3.json",
        ".hidden.txt",
        "a/4.txt",
        "a/5.JSON",
        "a/b/6.txt",
        ".git/7.txt",
    ]
    for rel in files:
        target = tmp_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rel)
    return tmp_path


def test_is_filepath_and_fopen(tmp_path: Path) -> None:
    assert P.is_filepath("a") and P.is_filepath(Path("a"))
    assert not P.is_filepath(1) and not P.is_filepath(b"a")
    target = tmp_path / "f.txt"
    with P.fopen(str(target), "w") as f:
        f.write("x")
    with P.fopen(target) as f:
        assert f.read() == "x"
    with pytest.raises(ValueError, match="`filepath` should be a string or a Path"):
        P.fopen(1)  # type: ignore[arg-type]


def test_check_file_exist(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("")
    P.check_file_exist(str(tmp_path / "f"))
    P.check_file_exist(tmp_path / "f")
    missing = tmp_path / "nope"
    with pytest.raises(FileNotFoundError, match=re.escape(f'file "{missing}" does not exist')):
        P.check_file_exist(missing)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        P.check_file_exist(tmp_path)  # a directory is not a file
    with pytest.raises(FileNotFoundError, match=r"^missing: x$"):
        P.check_file_exist("x", msg_tmpl="missing: {}")


def test_mkdir_or_exist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    P.mkdir_or_exist("")  # no-op
    P.mkdir_or_exist(tmp_path / "a" / "b")
    P.mkdir_or_exist(str(tmp_path / "a" / "b"))  # exists: fine
    assert (tmp_path / "a" / "b").is_dir()
    monkeypatch.setenv("HOME", str(tmp_path))
    P.mkdir_or_exist("~/home_sub")
    assert (tmp_path / "home_sub").is_dir()


def test_symlink(tmp_path: Path) -> None:
    (tmp_path / "src1").write_text("1")
    (tmp_path / "src2").write_text("2")
    dst = tmp_path / "dst"
    P.symlink(tmp_path / "src1", dst)
    assert dst.read_text() == "1"
    P.symlink(tmp_path / "src2", dst)  # overwrite
    assert dst.read_text() == "2"
    with pytest.raises(FileExistsError):
        P.symlink(tmp_path / "src1", dst, overwrite=False)


def test_scandir(tree: Path) -> None:
    assert sorted(P.scandir(tree)) == ["1.txt", "2.TXT", "3.json"]
    assert sorted(P.scandir(str(tree), ".txt")) == ["1.txt"]
    assert sorted(P.scandir(tree, (".txt", ".json"))) == ["1.txt", "3.json"]
    assert sorted(P.scandir(tree, ".txt", case_sensitive=False)) == ["1.txt", "2.TXT"]
    assert sorted(P.scandir(tree, ".TXT", recursive=True, case_sensitive=False)) == sorted(
        ["1.txt", "2.TXT", "a/4.txt", "a/b/6.txt", ".git/7.txt"]
    )
    assert sorted(P.scandir(tree, ".json", recursive=True, case_sensitive=False)) == [
        "3.json",
        "a/5.JSON",
    ]
    with pytest.raises(TypeError, match='"dir_path" must be a string or Path object'):
        P.scandir(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match='"suffix" must be a string or tuple of strings'):
        P.scandir(tree, [".txt"])  # type: ignore[arg-type]


def test_find_vcs_root(tree: Path) -> None:
    assert P.find_vcs_root(tree / "a" / "b") == str(tree)
    assert P.find_vcs_root(tree / "a" / "4.txt") == str(tree)
    assert P.find_vcs_root(tree / "a", markers=("b",)) == str(tree / "a")
    assert P.find_vcs_root(tree / "a", markers=("no_such_marker_mmlight",)) is None


def test_is_abs() -> None:
    assert P.is_abs("/a/b")
    assert P.is_abs("http://x/y") and P.is_abs("https://x") and P.is_abs("s3://b/k")
    assert not P.is_abs("a/b") and not P.is_abs("./a") and not P.is_abs("gs://b")


# ---------------------------------------------------------------- parity with mmengine
def _theirs() -> Any:
    pytest.importorskip("mmengine")
    from mmengine.utils import path as theirs

    return theirs


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"suffix": ".txt"},
        {"suffix": ".TXT"},
        {"suffix": (".txt", ".JSON")},
        {"suffix": ".txt", "case_sensitive": False},
        {"recursive": True},
        {"recursive": True, "suffix": ".txt"},
        {"recursive": True, "suffix": (".TXT", ".json"), "case_sensitive": False},
        {"suffix": ["x"]},
        {"suffix": 1},
    ],
)
def test_parity_scandir(
    tree: Path, kwargs: dict[str, Any], assert_same: Callable[..., None]
) -> None:
    theirs = _theirs()

    def run(scan: Callable[..., Any]) -> Callable[..., Any]:
        return lambda root: list(scan(root, **kwargs))  # order too, not only the set

    assert_same(run(P.scandir), run(theirs.scandir), tree)
    assert_same(run(P.scandir), run(theirs.scandir), str(tree))


def test_parity_path_helpers(tree: Path, assert_same: Callable[..., None]) -> None:
    theirs = _theirs()
    for arg in ["/a", "a", "http://a", "s3://a", "S3://a", ""]:
        assert_same(P.is_abs, theirs.is_abs, arg)
    for value in ["a", Path("a"), 1, None, b"a"]:
        assert_same(P.is_filepath, theirs.is_filepath, value)
    for path in [tree / "1.txt", str(tree / "nope"), tree / "a"]:
        assert_same(P.check_file_exist, theirs.check_file_exist, path)
    assert_same(P.check_file_exist, theirs.check_file_exist, "nope", "{} is gone")
    assert_same(P.fopen, theirs.fopen, 3)
    for start in [tree / "a" / "b", tree / "a" / "4.txt", tree.parent]:
        assert_same(P.find_vcs_root, theirs.find_vcs_root, start)
        assert_same(P.find_vcs_root, theirs.find_vcs_root, str(start), (".git", "a"))


def test_parity_mkdir_or_exist_mode(tmp_path: Path) -> None:
    theirs = _theirs()
    old = os.umask(0)
    try:
        P.mkdir_or_exist(tmp_path / "m1", mode=0o750)
        theirs.mkdir_or_exist(str(tmp_path / "m2"), mode=0o750)
    finally:
        os.umask(old)
    assert (tmp_path / "m1").stat().st_mode == (tmp_path / "m2").stat().st_mode
