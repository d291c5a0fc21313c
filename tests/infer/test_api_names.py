"""The mmengine.infer / mmengine.hub names downstream packages import exist in mmlight, with
mmengine's kinds (tests/test_api_surface.py lists them as issue 15's, untested there)."""

from __future__ import annotations

import importlib
import inspect

import pytest

NAMES = [
    ("mmlight.infer.infer", "ModelType", "alias"),
    ("mmlight.infer.infer", "InputType", "alias"),
    ("mmlight.infer.infer", "InputsType", "alias"),
    ("mmlight.infer.infer", "BaseInferencer", "class"),
    ("mmlight.infer", "BaseInferencer", "class"),
    ("mmlight.hub", "get_config", "function"),
    ("mmlight.hub", "get_model", "function"),
]


@pytest.mark.parametrize(("module", "name", "kind"), NAMES)
def test_name_exists(module: str, name: str, kind: str) -> None:
    obj = getattr(importlib.import_module(module), name)
    if kind == "class":
        assert inspect.isclass(obj)
    elif kind == "function":
        assert inspect.isfunction(obj)
    else:  # a typing union, usable in annotations and isinstance-free checks
        assert not inspect.isclass(obj) and getattr(obj, "__args__", None)


def test_model_type_covers_what_mmengines_does() -> None:
    pytest.importorskip("mmengine")
    from mmengine.infer.infer import ModelType as EngineModelType

    from mmlight.config import Config, ConfigDict
    from mmlight.infer.infer import ModelType

    assert {t.__name__ for t in EngineModelType.__args__} == {
        t.__name__ for t in ModelType.__args__
    } == {"dict", "str", Config.__name__, ConfigDict.__name__}
