"""LazyObject / LazyAttr: build, dotted names, mmlight-first resolution, errors, copies."""

from __future__ import annotations

import copy
import json
import os.path
import pickle
import sys
import types
from collections.abc import Iterator

import pytest

from mmlight.config import ConfigError, LazyAttr, LazyObject, read_base
from mmlight.config.config_dict import lazy2string


def test_build_module_and_attribute() -> None:
    assert LazyObject("json").build() is json
    assert LazyObject("os.path").build() is os.path
    assert LazyObject("json", "dumps").build() is json.dumps


def test_build_module_list_returns_top_level_package() -> None:
    lazy = LazyObject(["os.path", "os"])
    assert lazy.build() is sys.modules["os"]
    assert lazy.module == "os"


def test_attr_chain() -> None:
    lazy = LazyObject("os")
    attr = lazy.path.join
    assert isinstance(attr, LazyAttr)
    assert attr.module == "os.path" and str(attr) == "join"
    assert attr.build() is os.path.join


@pytest.mark.parametrize(
    ("lazy", "dotted"),
    [
        (LazyObject("torch.optim", "SGD"), "torch.optim.SGD"),
        (LazyObject("torch.nn").Linear, "torch.nn.Linear"),  # import torch.nn as nn; nn.Linear
        (LazyObject("torch", "nn").Linear, "torch.nn.Linear"),  # from torch import nn
        (LazyObject(["torch.nn"]).nn.Linear, "torch.nn.Linear"),  # import torch.nn; torch.nn.X
        # mmengine's spelling for a module imported with `as` (module name written twice)
        (LazyObject("torch.nn"), "torch.nn.torch.nn"),
    ],
)
def test_dotted_names_match_mmengine(lazy: LazyObject | LazyAttr, dotted: str) -> None:
    assert lazy2string(lazy) == dotted


def test_dotted_names_against_mmengine() -> None:
    mme_lazy = pytest.importorskip("mmengine.config.lazy")
    cases = [("torch.optim", "SGD"), ("torch.nn", None)]
    for module, name in cases:
        ours, theirs = LazyObject(module, name), mme_lazy.LazyObject(module, name)
        assert f"{ours.module}.{ours}" == f"{theirs.module}.{theirs}"
        assert f"{ours.a.b.module}.{ours.a.b}" == f"{theirs.a.b.module}.{theirs.a.b}"


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="module must be a str"):
        LazyObject(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="imported must be a str or None"):
        LazyObject("json", ["dumps"])  # type: ignore[arg-type]


def test_missing_module_error_names_location() -> None:
    lazy = LazyObject("mmlight_no_such_module", "X", "/cfg/a.py, line 3")
    with pytest.raises(ModuleNotFoundError, match=r"mmlight_no_such_module.*/cfg/a\.py, line 3"):
        lazy.build()
    with pytest.raises(ConfigError):
        lazy.build()


def test_missing_attribute_error() -> None:
    lazy = LazyObject("json", "no_such_thing", "/cfg/a.py, line 2")
    with pytest.raises(
        ImportError, match=r"Failed to import no_such_thing from json in /cfg/a\.py"
    ):
        lazy.build()
    attr = LazyObject("json", location="/cfg/b.py, line 1").nope
    with pytest.raises(ImportError, match=r"Failed to import json\.nope in /cfg/b\.py"):
        attr.build()


def test_calling_a_lazy_object_explains() -> None:
    with pytest.raises(RuntimeError, match=r"imported lazily.*dict\(type=SGD"):
        LazyObject("torch.optim", "SGD", "cfg.py, line 1")(lr=0.1)
    with pytest.raises(RuntimeError, match=r"torch\.nn\.Linear is imported lazily"):
        LazyObject("torch.nn").Linear(1, 2)


def test_dunder_attributes_are_not_lazy() -> None:
    lazy = LazyObject("json")
    assert not hasattr(lazy, "__wrapped__")
    assert not hasattr(lazy.x, "__array__")


def test_copy_and_pickle() -> None:
    lazy = LazyObject("json", "dumps", "cfg.py, line 1")
    assert copy.deepcopy(lazy).__dict__ == lazy.__dict__
    assert pickle.loads(pickle.dumps(lazy)).__dict__ == lazy.__dict__
    attr = lazy.x
    copied = copy.deepcopy(attr)
    assert copied.name == "x" and copied.module == attr.module
    assert pickle.loads(pickle.dumps(attr)).module == attr.module


def test_read_base_is_a_noop_context_manager() -> None:
    with read_base():
        pass


# ---- mmengine.* paths resolve to mmlight first -----------------------------------------


@pytest.fixture
def twin_modules() -> Iterator[tuple[types.ModuleType, types.ModuleType]]:
    """A module pair `mmengine._mmlight_twin` / `mmlight._mmlight_twin` in sys.modules."""
    mme = types.ModuleType("mmengine._mmlight_twin")
    mml = types.ModuleType("mmlight._mmlight_twin")
    mme.Both, mml.Both = "mmengine's", "mmlight's"
    mme.OnlyMMEngine = "only in mmengine"
    saved = {name: sys.modules.get(name) for name in (mme.__name__, mml.__name__)}
    sys.modules[mme.__name__], sys.modules[mml.__name__] = mme, mml
    try:
        yield mme, mml
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def test_mmengine_path_prefers_mmlight(twin_modules: tuple) -> None:
    assert LazyObject("mmengine._mmlight_twin", "Both").build() == "mmlight's"
    assert LazyObject("mmengine._mmlight_twin").build() is twin_modules[1]


def test_mmengine_path_falls_back_to_mmengine_for_missing_names(twin_modules: tuple) -> None:
    assert LazyObject("mmengine._mmlight_twin", "OnlyMMEngine").build() == "only in mmengine"
    with pytest.raises(ImportError, match=r"Failed to import Nowhere from mmengine\._mmlight_twin"):
        LazyObject("mmengine._mmlight_twin", "Nowhere").build()


def test_real_mmengine_utils_name_resolves_to_mmlight() -> None:
    import mmlight.utils

    built = LazyObject("mmengine.utils", "import_modules_from_strings").build()
    assert built is mmlight.utils.import_modules_from_strings


def test_attribute_of_mmengine_package_falls_back_per_attribute(twin_modules: tuple) -> None:
    mme, mml = twin_modules
    mme.sub = types.SimpleNamespace(Thing="mmengine's thing")
    attr = LazyObject("mmengine._mmlight_twin").sub.Thing
    assert attr.module == "mmengine._mmlight_twin.sub"
    assert attr.build() == "mmengine's thing"
    mml.sub = types.SimpleNamespace(Thing="mmlight's thing")
    assert attr.build() == "mmlight's thing"


def test_attribute_that_is_an_unimported_submodule() -> None:
    sys.modules.pop("json.tool", None)
    json_pkg = sys.modules["json"]
    if hasattr(json_pkg, "tool"):
        delattr(json_pkg, "tool")
    built = LazyObject("json").tool.build()
    assert built is sys.modules["json.tool"]
