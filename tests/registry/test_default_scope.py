"""DefaultScope and init_default_scope, as mmengine's, plus the 'mmengine' scope alias."""

from __future__ import annotations

import logging

import pytest

from mmlight.registry import DefaultScope, canonical_scope, init_default_scope


@pytest.fixture(autouse=True)
def _no_scopes() -> None:
    DefaultScope._instance_dict.clear()  # restored by the conftest fixture


def test_no_instance_gives_none() -> None:
    assert DefaultScope.get_current_instance() is None


def test_get_instance_and_current() -> None:
    a = DefaultScope.get_instance("ds-a", scope_name="mmdet")
    assert a.scope_name == "mmdet" and a.instance_name == "ds-a"
    b = DefaultScope.get_instance("ds-b", scope_name="mmcls")
    assert DefaultScope.get_current_instance() is b
    assert DefaultScope.get_instance("ds-a") is a


def test_scope_name_must_be_str() -> None:
    with pytest.raises(TypeError, match="scope_name must be a str such as 'mmdet', but got int"):
        DefaultScope.get_instance("ds-bad", scope_name=1)


def test_overwrite_default_scope_restores_same_objects() -> None:
    a = DefaultScope.get_instance("ds-a", scope_name="mmdet")
    with DefaultScope.overwrite_default_scope("mmcls"):
        current = DefaultScope.get_current_instance()
        assert current is not None and current.scope_name == "mmcls"
        with DefaultScope.overwrite_default_scope("mmseg"):
            inner = DefaultScope.get_current_instance()
            assert inner is not None and inner.scope_name == "mmseg"
        current = DefaultScope.get_current_instance()
        assert current is not None and current.scope_name == "mmcls"
    assert DefaultScope.get_current_instance() is a
    assert list(DefaultScope._instance_dict) == ["ds-a"]


def test_overwrite_with_none_changes_nothing() -> None:
    a = DefaultScope.get_instance("ds-a", scope_name="mmdet")
    with DefaultScope.overwrite_default_scope(None):
        assert DefaultScope.get_current_instance() is a


def test_overwrite_restores_after_exception() -> None:
    with pytest.raises(ValueError), DefaultScope.overwrite_default_scope("mmcls"):
        raise ValueError
    assert DefaultScope.get_current_instance() is None


def test_init_default_scope(caplog: pytest.LogCaptureFixture) -> None:
    init_default_scope("mmdet")
    current = DefaultScope.get_current_instance()
    assert current is not None and current.scope_name == "mmdet"
    init_default_scope("mmdet")  # same again: nothing new
    assert len(DefaultScope._instance_dict) == 1
    init_default_scope("mmcls")  # never created: a plain new instance
    DefaultScope.get_instance("mmdet")
    with caplog.at_level(logging.WARNING, logger="mmlight.registry"):
        init_default_scope("mmdet")  # created before but not current: forced, with a warning
    current = DefaultScope.get_current_instance()
    assert current is not None and current.scope_name == "mmdet"
    assert 'The current default scope "mmcls" is not "mmdet"' in caplog.text


def test_canonical_scope() -> None:
    assert canonical_scope("mmengine") == "mmlight"
    assert canonical_scope("mmlight") == "mmlight"
    assert canonical_scope("mmdet") == "mmdet"


def test_mmengine_default_scope_builds_from_root() -> None:
    from mmlight.registry import Registry

    root = Registry("thing", scope="mmlight")
    child = Registry("thing", parent=root, scope="ds-proj")
    init_default_scope("mmengine")
    with child.switch_scope_and_registry(None) as reg:
        assert reg is root
