"""Error helpers: config_key_path prefixes, join rules, suggestions."""

from __future__ import annotations

import sys

import pytest

from mmlight.registry import Registry, RegistryError, UnknownTypeError, config_key_path
from mmlight.registry.errors import closest_names, did_you_mean, join_key_path


def test_config_key_path_prefixes_registry_errors() -> None:
    reg = Registry("model", scope="errscope")
    with (
        pytest.raises(UnknownTypeError, match=r"^model\.backbone: 'ResNet' is not in") as info,
        config_key_path("model"),
        config_key_path("backbone"),
    ):
        reg.build(dict(type="ResNet"))
    assert info.value.key_path == "model.backbone"
    assert info.value.message.startswith("'ResNet' is not in")


def test_config_key_path_list_index() -> None:
    reg = Registry("hook", scope="errscope")
    with (
        pytest.raises(KeyError, match=r"^custom_hooks\[1\]: 'EMAHok' is not in"),
        config_key_path("custom_hooks"),
        config_key_path("[1]"),
    ):
        reg.build(dict(type="EMAHok"))


def test_config_key_path_notes_other_exceptions() -> None:
    with (
        pytest.raises(ValueError, match="bad value") as info,
        config_key_path("model"),
        config_key_path("head"),
    ):
        raise ValueError("bad value")
    assert info.value._mmlight_key_path == "model.head"  # type: ignore[attr-defined]
    if sys.version_info >= (3, 11):
        assert info.value.__notes__ == ["(while building config key 'model.head')"]


def test_prefix_key_path_by_hand() -> None:
    err = RegistryError("boom", type_name="X")
    assert str(err) == "boom"
    err.prefix_key_path("b").prefix_key_path("a")
    assert str(err) == "a.b: boom" and err.key_path == "a.b"


def test_join_key_path() -> None:
    assert join_key_path("a", None) == "a"
    assert join_key_path("a", "b") == "a.b"
    assert join_key_path("a", "[0].c") == "a[0].c"
    assert join_key_path("", "b") == "b"


def test_suggestions() -> None:
    assert closest_names("SGDD", ["SGD", "Adam"]) == ["SGD"]
    assert closest_names("adamw", ["AdamW", "SGD"]) == ["AdamW"]
    assert closest_names("zzz", ["SGD"]) == []
    assert did_you_mean(["SGD"]) == "did you mean 'SGD'?"
    assert did_you_mean(["A", "B"]) == "did you mean one of 'A', 'B'?"
    assert did_you_mean([]) == ""
