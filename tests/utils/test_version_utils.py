"""mmlight.utils.version_utils: digit_version's tuples and get_git_hash, parity with mmengine."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmlight.utils import digit_version, get_git_hash
from mmlight.utils import version_utils as V

VERSIONS = [
    "1",
    "1.2",
    "1.2.3",
    "1.2.3.4",
    "1.2.3.4.5",
    "0.10.7",
    "2.13.0+cpu",
    "2.1.0+cu121",
    "1.10.0a0",
    "1.10.0a0+git123abc",
    "1.0a1",
    "1.0.0a",
    "1.0b2",
    "1.0.0rc1",
    "1.0.0rc",
    "1.0c3",
    "1.0pre4",
    "1.0preview2",
    "1.0.0-alpha2",
    "1.0.0.beta3",
    "1.0.dev1",
    "1.0.0.dev0",
    "1.0a1.dev2",
    "1.0.post1",
    "1.0-3",
    "1.0.post1.dev2",
    "1.0rc1.post2",
    "v2.0",
    "1!2.0",
    "  1.0  ",
    "01.002.0003",
    "parrots",
    "1.0+parrots",
    "not a version",
    "",
    "1.0.x",
]


def test_digit_version_values() -> None:
    assert digit_version("1.2.3") == (1, 2, 3, 0, 0, 0)
    assert digit_version("1.2.3.4.5") == (1, 2, 3, 4, 0, 0)
    assert digit_version("1.2.3", length=2) == (1, 2, 0, 0)
    assert digit_version("1.2", length=3) == (1, 2, 0, 0, 0)
    assert digit_version("2.13.0+cpu") == (2, 13, 0, 0, 0, 0)
    assert digit_version("1.0.0a2") == (1, 0, 0, 0, -3, 2)
    assert digit_version("1.0.0b1") == (1, 0, 0, 0, -2, 1)
    assert digit_version("1.0.0rc1") == (1, 0, 0, 0, -1, 1)
    assert digit_version("1.0.dev3") == (1, 0, 0, 0, -4, 0)
    assert digit_version("1.0.post4") == (1, 0, 0, 0, 1, 4)
    assert digit_version("1.0.0a1") < digit_version("1.0.0b1") < digit_version("1.0.0rc1")
    assert digit_version("1.0.0rc1") < digit_version("1.0.0") < digit_version("1.0.0.post1")
    assert digit_version("1.10.0a0") > digit_version("1.9.1")
    with pytest.raises(AssertionError, match="parrots versions cannot be compared"):
        digit_version("parrots")


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("length", [4, 2, 6])
def test_parity_digit_version(version: str, length: int, assert_same: Callable[..., None]) -> None:
    pytest.importorskip("mmengine")
    from mmengine.utils import version_utils as theirs

    assert_same(V.digit_version, theirs.digit_version, version, length)


def _git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, str]:
    if subprocess.run(["git", "--version"], capture_output=True).returncode != 0:
        pytest.skip("git is not installed")
    _git(tmp_path, "init", "-q")
    (tmp_path / "f").write_text("x")
    _git(tmp_path, "add", "f")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    return tmp_path, _git(tmp_path, "rev-parse", "HEAD")


def test_get_git_hash(repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch) -> None:
    path, sha = repo
    monkeypatch.chdir(path)
    assert get_git_hash() == sha
    assert get_git_hash(digits=7) == sha[:7]
    with pytest.raises(TypeError, match="digits must be None or an integer"):
        get_git_hash(digits="7")  # type: ignore[arg-type]


def test_get_git_hash_outside_repo_and_without_git(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert get_git_hash() == ""  # git runs but prints nothing outside a repository

    def no_git(*args: Any, **kwargs: Any) -> Any:
        raise FileNotFoundError("git")

    monkeypatch.setattr(subprocess, "Popen", no_git)
    assert get_git_hash(fallback="none") == "none"


def test_parity_get_git_hash(
    repo: tuple[Path, str], monkeypatch: pytest.MonkeyPatch, assert_same: Callable[..., None]
) -> None:
    pytest.importorskip("mmengine")
    from mmengine.utils import version_utils as theirs

    monkeypatch.chdir(repo[0])
    for digits in (None, 5, "x"):
        assert_same(V.get_git_hash, theirs.get_git_hash, "fb", digits)
