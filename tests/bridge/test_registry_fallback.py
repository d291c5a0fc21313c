"""mmengine's registries ask mmlight's tree on a miss: per instance, only under paired roots."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import mmengine.registry as mmengine_registry
import pytest
from mmengine.registry import Registry as MmengineRegistry

from mmlight.bridge.registry_fallback import hook_tree, is_hooked, unhook_tree
from mmlight.registry import MODELS, Registry

pytestmark = pytest.mark.interop


@pytest.fixture
def spy_tree() -> Iterator[tuple[MmengineRegistry, MmengineRegistry, list[tuple[str, str]]]]:
    """A standalone mmengine tree (root + child) hooked to a recording ``find``."""
    calls: list[tuple[str, str]] = []

    def find(registry: MmengineRegistry, key: str) -> Any:
        calls.append((registry.scope, key))
        return {"Known": int}.get(key.rpartition(".")[2])

    root = MmengineRegistry("thing", scope="fb_root")
    child = MmengineRegistry("thing", parent=root, scope="fb_child")
    hook_tree(root, find)
    yield root, child, calls
    unhook_tree(root)


def test_a_miss_asks_once_and_a_hit_never(spy_tree: Any) -> None:
    _root, child, calls = spy_tree
    child.register_module(name="Own", module=str)

    assert child.get("Own") is str
    assert calls == []
    # 'other.Known' makes mmengine's child.get call root.get: only the outer call asks
    assert child.get("fb_other.Known") is int
    assert calls == [("fb_child", "fb_other.Known")]
    assert child.get("Missing") is None


def test_children_made_later_are_hooked(spy_tree: Any) -> None:
    _root, child, calls = spy_tree
    grandchild = MmengineRegistry("thing", parent=child, scope="fb_grandchild")

    assert is_hooked(grandchild)
    assert grandchild.get("Known") is int
    assert calls == [("fb_grandchild", "Known")]


def test_unhook_restores_mmengines_get(spy_tree: Any) -> None:
    root, child, calls = spy_tree
    unhook_tree(root)

    assert not is_hooked(root) and not is_hooked(child)
    assert child.get("Known") is None
    assert calls == []
    assert "_add_child" not in vars(root)


def test_the_class_and_unpaired_registries_are_untouched() -> None:
    @MODELS.register_module()
    class OnlyInMmlightToo:
        pass

    try:
        standalone = MmengineRegistry("model", scope="fb_standalone")
        assert not is_hooked(standalone)
        assert standalone.get("OnlyInMmlightToo") is None
        assert "get" not in vars(MmengineRegistry) or MmengineRegistry.get.__module__ == (
            "mmengine.registry.registry"
        )
        assert is_hooked(mmengine_registry.MODELS)
        assert mmengine_registry.MODELS.get("OnlyInMmlightToo") is OnlyInMmlightToo
    finally:
        MODELS._module_dict.pop("OnlyInMmlightToo", None)


@pytest.fixture
def raising_getattr_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A module whose attribute access raises ValueError: mmengine's get says 'Failed to get'."""
    (tmp_path / "fb_weird.py").write_text(
        "def __getattr__(name):\n"
        "    if name.startswith('__'):\n"
        "        raise AttributeError(name)\n"
        "    raise ValueError('no attributes here')\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield "fb_weird"
    sys.modules.pop("fb_weird", None)


def test_mmengines_failed_import_path_falls_back_or_keeps_its_error(
    raising_getattr_module: str,
) -> None:
    with pytest.raises(RuntimeError, match=r"Failed to get fb_weird\.Thing"):
        mmengine_registry.MODELS.get("fb_weird.Thing")

    ours = Registry("model", parent=MODELS, scope="fb_weird")

    @ours.register_module()
    class Thing:
        pass

    try:
        assert mmengine_registry.MODELS.get("fb_weird.Thing") is Thing
    finally:
        MODELS.children.pop("fb_weird", None)


def test_a_hooked_registry_deep_copies_with_its_fallback() -> None:
    import copy

    @MODELS.register_module()
    class CopiedAcross:
        pass

    try:
        child = MmengineRegistry("model", parent=mmengine_registry.MODELS, scope="fb_copied")
        clone = copy.deepcopy(child)  # brings a copy of mmengine's MODELS along
        assert clone is not child
        assert clone.get("CopiedAcross") is CopiedAcross
        assert vars(clone)["get"]._registry is clone
    finally:
        MODELS._module_dict.pop("CopiedAcross", None)
        mmengine_registry.MODELS._children.pop("fb_copied", None)
