"""The top level re-exports what ``import mmengine`` star-imports, lazily and in its order."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import subprocess
import sys
import types

import pytest

import mmlight
from mmlight import _exports
from mmlight._exports_gen import compute_exports, render
from mmlight.version import parse_version_info


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    return done.stdout.strip()


def test_table_matches_the_subpackages_all() -> None:
    assert compute_exports() == _exports.EXPORTS, (
        "mmlight/_exports.py is stale: run `python -m mmlight._exports_gen`"
    )


def test_generated_file_is_what_the_generator_writes() -> None:
    source = importlib.util.find_spec("mmlight._exports").origin  # type: ignore[union-attr]
    with open(source, encoding="utf-8") as handle:  # type: ignore[arg-type]
        assert handle.read() == render(_exports.EXPORTS)


def test_star_order_is_mmengines() -> None:
    assert _exports.STAR_ORDER == ("config", "fileio", "logging", "registry", "utils")


@pytest.mark.parametrize("name", sorted(_exports.EXPORTS))
def test_each_name_is_its_subpackages_object(name: str) -> None:
    owner = importlib.import_module(f"mmlight.{_exports.EXPORTS[name]}")
    assert getattr(mmlight, name) is getattr(owner, name)


def test_import_loads_no_subpackage() -> None:
    out = _run("import sys, mmlight\n"
               "print(sorted(m for m in sys.modules if m.startswith('mmlight')))")
    assert out == "['mmlight', 'mmlight._exports', 'mmlight.version']"


def test_private_missing_name_imports_nothing() -> None:
    out = _run("import sys, mmlight\n"
               "print(hasattr(mmlight, '_absent'), hasattr(mmlight, '__wrapped__'),\n"
               "      [m for m in sys.modules if m.startswith('mmlight.')])")
    assert out == "False False ['mmlight._exports', 'mmlight.version']"


def test_missing_public_name_loads_no_heavy_package() -> None:
    """It searches the star-imported subpackages (none of which imports torch)."""
    out = _run("import sys, mmlight\n"
               "print(hasattr(mmlight, 'absent_name'),\n"
               "      [m for m in ('torch', 'lightning', 'mmengine') if m in sys.modules])")
    assert out == "False []"


def test_name_loads_only_its_subpackage() -> None:
    out = _run("import sys\nfrom mmlight import print_log\n"
               "print(sorted({m.split('.')[1] for m in sys.modules\n"
               "              if m.startswith('mmlight.') and not m.startswith('mmlight._')}))")
    assert "logging" in out and "config" not in out and "fileio" not in out


def test_missing_name_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="module 'mmlight' has no attribute 'Nope'"):
        _ = mmlight.Nope
    with pytest.raises(ImportError, match="cannot import name 'Nope'"):
        from mmlight import Nope  # noqa: F401


def test_subpackages_are_attributes_like_mmengines() -> None:
    out = _run("import mmlight\nprint(mmlight.fileio.__name__, mmlight.utils.__name__)")
    assert out == "mmlight.fileio mmlight.utils"


def test_dir_lists_the_lazy_names() -> None:
    listed = dir(mmlight)
    assert set(_exports.EXPORTS) <= set(listed)
    assert {"__version__", "version_info", "config", "utils"} <= set(listed)
    assert "TYPE_CHECKING" not in listed


def test_all_lists_every_export() -> None:
    assert set(mmlight.__all__) == {"__version__", "version_info", *_exports.EXPORTS}


def test_version_info() -> None:
    assert mmlight.version_info == parse_version_info(mmlight.__version__)
    assert mmlight.__version__ == importlib.metadata.version("mmlight")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("0.10.7", (0, 10, 7)), ("2.0.0rc4", (2, 0, 0, "rc4")), ("1.2", (1, 2)),
     ("1.0.0.dev1", (1, 0, 0))],
)
def test_parse_version_info_like_mmengine(text: str, expected: tuple[int | str, ...]) -> None:
    assert parse_version_info(text) == expected
    mmengine_version = pytest.importorskip("mmengine.version")
    assert mmengine_version.parse_version_info(text) == expected


@pytest.fixture
def name_in_config_and_utils(monkeypatch: pytest.MonkeyPatch) -> str:
    """A name exported by both mmlight.config and mmlight.utils, and not in the table."""
    import mmlight.config
    import mmlight.utils

    name = "probe_name_in_two_subpackages"
    for module, tag in ((mmlight.config, "config"), (mmlight.utils, "utils")):
        monkeypatch.setattr(module, name, types.SimpleNamespace(owner=tag), raising=False)
        monkeypatch.setattr(module, "__all__", [*module.__all__, name])
    monkeypatch.delitem(vars(mmlight), name, raising=False)
    return name


def test_later_star_import_wins(name_in_config_and_utils: str) -> None:
    assert compute_exports()[name_in_config_and_utils] == "utils"


def test_name_added_after_generation_still_resolves(name_in_config_and_utils: str) -> None:
    assert name_in_config_and_utils not in _exports.EXPORTS
    assert getattr(mmlight, name_in_config_and_utils).owner == "utils"


def test_mmengine_star_imports_the_same_subpackages() -> None:
    mmengine = pytest.importorskip("mmengine")
    source = importlib.util.find_spec("mmengine").origin  # type: ignore[union-attr]
    with open(source, encoding="utf-8") as handle:  # type: ignore[arg-type]
        stars = [line.split()[1].lstrip(".") for line in handle
                 if line.startswith("from .") and line.rstrip().endswith("import *")]
    assert tuple(stars) == _exports.STAR_ORDER
    assert isinstance(mmengine.version_info, tuple)
