"""mmlight.utils.imports: custom_imports, dotted paths, and the mmengine -> mmlight preference."""

from __future__ import annotations

import os.path
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mmlight.utils import (
    get_object_from_string,
    import_module_prefer_mmlight,
    import_modules_from_strings,
    is_missing_module_error,
)


def _write_pkg(root: Path, name: str, files: dict[str, str]) -> None:
    pkg = root / name
    pkg.mkdir()
    (pkg / "__init__.py").write_text(files.pop("__init__.py", ""))
    for rel, text in files.items():
        (pkg / rel).write_text(textwrap.dedent(text))


@pytest.fixture
def tmp_syspath(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("imptest_"):
            del sys.modules[name]


# ---------------------------------------------------------------- import_modules_from_strings
def test_import_modules_list_and_single() -> None:
    mods = import_modules_from_strings(["os.path", "sys"])
    assert mods is not None
    osp, system = mods
    assert osp is os.path
    assert system is sys
    assert import_modules_from_strings("os.path") is os.path


@pytest.mark.parametrize("empty", [None, [], ""])
def test_import_modules_empty_returns_none(empty: Any) -> None:
    assert import_modules_from_strings(empty) is None


def test_import_modules_failure_names_module_and_config_key() -> None:
    with pytest.raises(ImportError, match=r"'imptest_nope' listed in custom_imports") as info:
        import_modules_from_strings(["imptest_nope"])
    assert isinstance(info.value.__cause__, ModuleNotFoundError)
    assert "allow_failed_imports" in str(info.value)


def test_import_modules_allow_failed_returns_none_with_warning() -> None:
    with pytest.warns(UserWarning, match="'imptest_nope' listed in custom_imports failed"):
        mods = import_modules_from_strings(["os.path", "imptest_nope"], allow_failed_imports=True)
    assert mods == [os.path, None]


def test_import_modules_rejects_non_list() -> None:
    with pytest.raises(TypeError, match="must be a str or a list of module names, but got int"):
        import_modules_from_strings(3)  # type: ignore[call-overload]
    with pytest.raises(TypeError, match=r"entries must be module names \(str\), but got int"):
        import_modules_from_strings(["os", 3])  # type: ignore[list-item]


def test_import_modules_broken_module_raises_import_error(tmp_syspath: Path) -> None:
    _write_pkg(tmp_syspath, "imptest_broken", {"__init__.py": "import imptest_missing_dep\n"})
    with pytest.raises(ImportError, match="'imptest_broken' listed in custom_imports"):
        import_modules_from_strings("imptest_broken")


# ---------------------------------------------------------------- prefer mmlight
def test_prefer_mmlight_for_mmengine_paths() -> None:
    import mmlight.utils as mu

    assert import_module_prefer_mmlight("mmengine.utils") is mu
    assert import_module_prefer_mmlight("mmengine").__name__ == "mmlight"
    assert import_module_prefer_mmlight("os.path") is os.path


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit, via mmengine.model
def test_prefer_mmlight_falls_back_to_mmengine() -> None:
    pytest.importorskip("mmengine")
    pytest.importorskip("torch")
    # mmengine's test helper module, which mmlight deliberately has no copy of.
    mod = import_module_prefer_mmlight("mmengine.utils.dl_utils.visualize")
    assert mod.__name__ == "mmengine.utils.dl_utils.visualize"


def test_prefer_mmlight_missing_everywhere() -> None:
    with pytest.raises(ModuleNotFoundError):
        import_module_prefer_mmlight("imptest_nothing_here.sub")


# ---------------------------------------------------------------- get_object_from_string
def test_get_object_dotted_paths() -> None:
    torch = pytest.importorskip("torch")
    assert get_object_from_string("torch.optim.SGD") is torch.optim.SGD
    assert get_object_from_string("torch.optim.sgd.SGD") is torch.optim.SGD
    assert get_object_from_string("torch.optim") is torch.optim
    assert get_object_from_string("os.path.join") is os.path.join


@pytest.mark.parametrize(
    "path", ["torch.optim.NoSuchThing", "imptest_nope.Thing", "os..path", "", "os.path.join.x"]
)
def test_get_object_missing_returns_none(path: str) -> None:
    assert get_object_from_string(path) is None


def test_get_object_prefers_attribute_over_submodule(tmp_syspath: Path) -> None:
    _write_pkg(
        tmp_syspath,
        "imptest_attr",
        {"__init__.py": "def nms():\n    return 'fn'\n", "nms.py": "VALUE = 'module'\n"},
    )
    nms = get_object_from_string("imptest_attr.nms")
    assert nms is not None and nms() == "fn"


def test_get_object_broken_module_raises(tmp_syspath: Path) -> None:
    _write_pkg(tmp_syspath, "imptest_bad", {"models.py": "import imptest_missing_dep\nX = 1\n"})
    with pytest.raises(ModuleNotFoundError, match="imptest_missing_dep"):
        get_object_from_string("imptest_bad.models.X")


def test_get_object_mmengine_path_resolves_to_mmlight() -> None:
    from mmlight.utils import ManagerMixin

    assert get_object_from_string("mmengine.utils.ManagerMixin") is ManagerMixin
    assert get_object_from_string("mmengine.utils.manager.ManagerMixin") is ManagerMixin


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # torch.jit, via mmengine.model
def test_get_object_mmengine_path_falls_back_to_mmengine(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytest.importorskip("mmengine")
    pytest.importorskip("torch")
    from mmengine.utils.dl_utils import visualize

    from mmlight.utils import imports

    monkeypatch.setattr(imports, "_warned_mmengine", set())
    # mmlight has no dl_utils.visualize (a test helper of mmengine's): the real mmengine
    # function is returned, with a warning.
    path = "mmengine.utils.dl_utils.visualize.update_params_step"
    with caplog.at_level("WARNING", logger="mmlight.utils"):
        assert get_object_from_string(path) is visualize.update_params_step
    assert f"'{path}' has no mmlight counterpart" in caplog.text


def test_is_missing_module_error() -> None:
    err = ModuleNotFoundError("No module named 'a'", name="a")
    assert is_missing_module_error(err, "a.b")
    assert is_missing_module_error(err, "a")
    assert not is_missing_module_error(err, "ab")
    assert not is_missing_module_error(ImportError("x"), "a")
