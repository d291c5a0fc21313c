"""mmlight.utils.package_utils: installed packages and their paths (mmengine's test as spec).

mmengine 0.10.7 answers through ``pkg_resources``; where that is missing (setuptools >= 81)
its functions cannot run, so parity is checked only where they can.
"""

from __future__ import annotations

import os.path as osp
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import PackageNotFoundError
from pathlib import Path
from typing import Any

import pytest

from mmlight.utils import package_utils as PU
from mmlight.utils.package_utils import (
    call_command,
    get_installed_path,
    install_package,
    is_installed,
    package2module,
)


@pytest.fixture
def local_pkgs(tmp_path: Path) -> Iterator[Path]:
    """A plain package and a namespace package importable from a sys.path entry."""
    (tmp_path / "mmlight_local_pkg").mkdir()
    (tmp_path / "mmlight_local_pkg" / "__init__.py").write_text("")
    (tmp_path / "mmlight_ns_pkg").mkdir()
    sys.path.append(str(tmp_path))
    try:
        yield tmp_path
    finally:
        sys.path.remove(str(tmp_path))


def test_is_installed(local_pkgs: Path) -> None:
    assert is_installed("numpy")
    assert is_installed("os")  # a module, not a distribution
    assert is_installed("pillow") is True and is_installed("PIL") is True
    assert is_installed("mmlight_local_pkg")
    assert not is_installed("mmlight_ns_pkg")  # namespace packages do not count
    assert is_installed("nonexistentpackage12345") is False
    assert is_installed("nonexistentpackage12345.sub") is False


def test_get_installed_path(local_pkgs: Path) -> None:
    import numpy

    assert get_installed_path("numpy") == osp.dirname(numpy.__file__)
    # distribution name differs from the module name
    import PIL

    assert get_installed_path("pillow") == osp.dirname(PIL.__file__)
    assert get_installed_path("mmlight_local_pkg") == str(local_pkgs / "mmlight_local_pkg")
    with pytest.raises(RuntimeError, match="mmlight_ns_pkg is a namespace package"):
        get_installed_path("mmlight_ns_pkg")
    with pytest.raises(PackageNotFoundError):
        get_installed_path("unknown_mmlight_package")


def test_package2module() -> None:
    assert package2module("pillow") == "PIL"
    with pytest.raises(PackageNotFoundError):
        package2module("unknown_mmlight_package")


def test_call_command_and_install_package(monkeypatch: pytest.MonkeyPatch) -> None:
    call_command([sys.executable, "-c", "pass"])
    with pytest.raises(subprocess.CalledProcessError):
        call_command([sys.executable, "-c", "raise SystemExit(3)"])

    calls: list[list[str]] = []
    monkeypatch.setattr(PU, "call_command", calls.append)
    install_package("numpy")  # installed: nothing runs
    install_package("nonexistentpackage12345")
    assert calls == [["python", "-m", "pip", "install", "nonexistentpackage12345"]]


def _theirs() -> Any:
    pytest.importorskip("mmengine")
    pytest.importorskip("pkg_resources", reason="mmengine 0.10.7's package_utils needs it")
    from mmengine.utils import package_utils as theirs

    return theirs


@pytest.mark.parametrize("name", ["numpy", "pillow", "PIL", "os", "mmcv-lite", "nonexistent12345"])
def test_parity_package_utils(name: str, assert_same: Callable[..., None]) -> None:
    theirs = _theirs()
    assert_same(PU.is_installed, theirs.is_installed, name)
    if name != "nonexistent12345":  # the missing case raises different types (see module doc)
        assert_same(PU.get_installed_path, theirs.get_installed_path, name)


def test_module_available_sees_stand_ins_and_blocks(monkeypatch) -> None:
    """A test's stand-in module (no ``__spec__``, as mmengine's vis backend tests use) counts;
    ``None`` in ``sys.modules`` blocks a module; otherwise the path decides."""
    import sys
    from unittest.mock import MagicMock

    from mmlight.utils.package_utils import module_available

    monkeypatch.setitem(sys.modules, "tensorboardX_stand_in", MagicMock())
    assert module_available("tensorboardX_stand_in")
    monkeypatch.setitem(sys.modules, "json", None)
    assert not module_available("json")
    assert module_available("os") and not module_available("no_such_module_here")
