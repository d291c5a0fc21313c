"""``MmengineRegistryView``: mmengine's child registries as mmlight registries."""

from __future__ import annotations

import importlib
import sys

import pytest
from mmengine.registry import Registry as MmengineRegistry
from mmengine.registry.build_functions import build_from_cfg, build_model_from_cfg

from mmlight.bridge.registry_view import MmengineRegistryView, is_stock_build_func
from mmlight.registry import MODELS, TRANSFORMS, DefaultScope, Registry, UnknownTypeError
from mmlight.registry.build_functions import build_from_cfg as mmlight_build_from_cfg
from tests.bridge.conftest import MakeDownstream

pytestmark = pytest.mark.interop


@pytest.fixture
def scope(make_downstream: MakeDownstream) -> str:
    return make_downstream()


def _view(root: Registry, scope: str) -> Registry:
    with root.switch_scope_and_registry(scope) as registry:
        return registry


def test_a_view_reads_the_live_table_through_mmengines_import(scope: str) -> None:
    view = _view(TRANSFORMS, scope)
    target = importlib.import_module(f"{scope}.registry").TRANSFORMS

    assert isinstance(view, MmengineRegistryView)
    assert view.target is target
    assert view.parent is TRANSFORMS
    assert TRANSFORMS.children[scope] is view
    assert f"{scope}.transforms" not in sys.modules
    assert "AddOne" in view.module_dict  # imported now, by mmengine's import_from_location
    assert target._imported

    @target.register_module()
    class LateTransform:
        pass

    assert TRANSFORMS.get(f"{scope}.LateTransform") is LateTransform
    assert repr(view) == f"<view of mmengine registry {scope}::transform>"


def test_a_nested_mmengine_registry_is_searched_up_its_chain(scope: str) -> None:
    parent = importlib.import_module(f"{scope}.registry").MODELS
    sub = MmengineRegistry("model", parent=parent, scope=f"{scope}_sub")

    @sub.register_module()
    class SubThing:
        pass

    with DefaultScope.overwrite_default_scope(f"{scope}_sub"):
        assert type(MODELS.build(dict(type="SubThing"))) is SubThing
        norm = MODELS.build(dict(type="TinyNorm", num_features=2))  # the parent scope's
        with pytest.raises(UnknownTypeError) as info:
            MODELS.build(dict(type="Nothing"))
    assert type(norm).__name__ == "TinyNorm"
    assert info.value.searched == [
        f"{scope}_sub::model",
        f"{scope}::model",
        "mmlight::model",
        "mmengine::model",
    ]


def test_mmlights_own_registry_replaces_a_view_of_the_same_scope(scope: str) -> None:
    view = _view(TRANSFORMS, scope)
    assert TRANSFORMS.children[scope] is view

    ours = Registry("transform", parent=TRANSFORMS, scope=scope)

    assert TRANSFORMS.children[scope] is ours
    assert _view(TRANSFORMS, scope) is ours


def test_build_functions_stock_ones_are_mmlights() -> None:
    assert is_stock_build_func(build_from_cfg)
    assert is_stock_build_func(build_model_from_cfg)
    assert not is_stock_build_func(mmlight_build_from_cfg)


def test_a_view_inherits_mmlights_builder_unless_its_package_has_one(scope: str) -> None:
    models_view = _view(MODELS, scope)
    from mmlight.registry import TASK_UTILS

    task_view = _view(TASK_UTILS, scope)

    assert models_view.build_func is MODELS.build_func  # mmengine's child inherits a stock one
    assert task_view.build_func is not TASK_UTILS.build_func
    assert task_view.build_func.__name__ == "build_task_util"
