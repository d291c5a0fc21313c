"""Registry: registration, the lookup order across scopes, locations, switching scope."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from mmlight.registry import (
    DefaultScope,
    DuplicateRegistrationError,
    DuplicateScopeError,
    RegistrationTypeError,
    Registry,
    build_from_cfg,
)
from mmlight.registry import registry as registry_module

MakePkg = Callable[[str, dict[str, str]], Path]  # the make_pkg fixture (conftest.py)


def _tree() -> tuple[Registry, Registry, Registry]:
    root = Registry("model", scope="rootscope")
    det = Registry("model", parent=root, scope="det")
    cls = Registry("model", parent=root, scope="cls")
    return root, det, cls


# ---------------------------------------------------------------- construction
def test_properties() -> None:
    root, det, _ = _tree()
    assert (det.name, det.scope, det.parent, det.root) == ("model", "det", root, root)
    assert root.parent is None and root.root is root
    assert set(root.children) == {"det", "cls"}
    assert root.children["det"] is det
    assert len(root) == 0 and root.module_dict == {}


def test_scope_inferred_from_callers_top_level_package(make_pkg: MakePkg) -> None:
    make_pkg(
        "regtest_infer",
        {
            "sub/__init__.py": "",
            "sub/reg.py": """
        from mmlight.registry import Registry
        REG = Registry('thing')
    """,
        },
    )
    from regtest_infer.sub.reg import REG

    assert REG.scope == "regtest_infer"


def test_scope_fallback_warns(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="mmlight.registry"):
        reg = eval("Registry('x')", {"Registry": Registry})
    assert reg.scope == "mmlight"
    assert 'set scope as "mmlight" when scope can not be inferred' in caplog.text


def test_bad_scope_and_parent() -> None:
    with pytest.raises(TypeError, match="scope must be a str or None, but got int"):
        Registry("x", scope=3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="parent of registry 'x' must be a Registry, but got dict"):
        Registry("x", parent={}, scope="s")  # type: ignore[arg-type]


def test_duplicate_child_scope() -> None:
    root, _, _ = _tree()
    with pytest.raises(DuplicateScopeError, match="scope 'det' exists in model registry") as info:
        Registry("other", parent=root, scope="det")
    assert isinstance(info.value, KeyError) and isinstance(info.value, AssertionError)


def test_build_func_priority() -> None:
    def custom(cfg: Any, registry: Registry) -> str:
        return f"custom:{cfg['type']}:{registry.scope}"

    root = Registry("a", build_func=custom, scope="r")
    child = Registry("a", parent=root, scope="c")
    plain = Registry("b", scope="p")
    assert child.build(dict(type="X")) == "custom:X:c"
    assert plain.build_func is build_from_cfg
    own = Registry("a", parent=root, scope="d", build_func=lambda cfg, registry: 1)
    assert own.build({}) == 1


# ---------------------------------------------------------------- registration
def test_register_as_decorator_call_and_aliases() -> None:
    reg = Registry("thing", scope="s")

    @reg.register_module()
    class A:
        pass

    @reg.register_module(name=["b1", "b2"])
    def make_b() -> str:
        return "b"

    class C:
        pass

    assert reg.register_module(module=C) is C
    reg.register_module(name="c_alias", module=C)
    assert reg.get("A") is A
    assert reg.get("b1") is make_b and reg.get("b2") is make_b
    assert "make_b" not in reg
    assert reg.get("C") is C and reg.get("c_alias") is C
    assert len(reg) == 5


def test_duplicate_without_force_names_name_registry_and_location() -> None:
    reg = Registry("thing", scope="s")

    @reg.register_module()
    class A:
        pass

    class Other:
        pass

    msg = rf"A is already registered in thing at {__name__} \({__name__}\..*A, .*force=True"
    with pytest.raises(DuplicateRegistrationError, match=msg) as info:
        reg.register_module(name="A", module=Other)
    assert isinstance(info.value, KeyError)
    assert not str(info.value).startswith('"')  # not repr-quoted like a plain KeyError
    assert (info.value.type_name, info.value.registry_name) == ("A", "thing")
    reg.register_module(name="A", module=Other, force=True)
    assert reg.get("A") is Other


def test_register_bad_arguments() -> None:
    reg = Registry("thing", scope="s")
    with pytest.raises(TypeError, match="force must be a boolean, but got int"):
        reg.register_module(force=1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="name must be None, an instance of str, or a sequence"):
        reg.register_module(name=3)  # type: ignore[arg-type]
    with pytest.raises(RegistrationTypeError, match="module must be Callable, but got int"):
        reg.register_module(module=5)


# ---------------------------------------------------------------- lookup order
def test_get_searches_self_then_ancestors() -> None:
    root, det, cls = _tree()
    leaf = Registry("model", parent=det, scope="leaf")

    @root.register_module()
    class Shared:
        pass

    @det.register_module(name="Shared")
    class DetShared:
        pass

    assert leaf.get("Shared") is DetShared
    assert cls.get("Shared") is Shared
    assert root.get("Nothing") is None


def test_get_scoped_keys() -> None:
    root, det, cls = _tree()

    @det.register_module()
    class FasterRCNN:
        pass

    @cls.register_module()
    class MobileNet:
        pass

    @root.register_module()
    class Base:
        pass

    assert root.get("det.FasterRCNN") is FasterRCNN  # child of self
    assert det.get("cls.MobileNet") is MobileNet  # sibling, through the root
    assert det.get("det.FasterRCNN") is FasterRCNN  # own scope
    assert det.get("det.Base") is None  # own scope: self only, no ancestors
    assert det.get("rootscope.Base") is Base  # the root by its scope
    assert det.get("nowhere.Base") is None
    assert "cls.MobileNet" in det and "cls.FasterRCNN" not in det


def test_get_grandchild_scope_not_reachable_by_prefix() -> None:
    root, det, _ = _tree()
    leaf = Registry("model", parent=det, scope="leaf")

    @leaf.register_module()
    class Deep:
        pass

    assert det.get("leaf.Deep") is Deep
    assert root.get("leaf.Deep") is None  # as mmengine: only direct children of root


def test_get_dotted_path_fallback() -> None:
    import collections

    reg = Registry("thing", scope="s")
    assert reg.get("collections.OrderedDict") is collections.OrderedDict
    assert "collections.NoSuchThing" not in reg
    assert reg.get("os") is None  # bare names are never imported as modules
    assert reg.get(".OrderedDict") is None and reg.get("collections.") is None


def test_get_rejects_non_str() -> None:
    reg = Registry("thing", scope="s")
    with pytest.raises(
        TypeError, match=r"The key argument of `Registry\.get` must be a str, got int"
    ):
        reg.get(1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        1 in reg  # type: ignore[operator]  # noqa: B015


def test_mmengine_scope_is_mmlight_root() -> None:
    root = Registry("thing", scope="mmlight")
    child = Registry("thing", parent=root, scope="proj")

    @root.register_module()
    class InRoot:
        pass

    assert root.get("mmengine.InRoot") is InRoot
    assert child.get("mmengine.InRoot") is InRoot
    assert child.get("mmlight.InRoot") is InRoot
    assert "mmengine.Nope" not in child


def test_scope_registry_module_is_imported(make_pkg: MakePkg) -> None:
    make_pkg(
        "regtest_root",
        {
            "registry.py": """
        from mmlight.registry import Registry
        MODELS = Registry('model', scope='regtest_root')
    """
        },
    )
    make_pkg(
        "regtest_down",
        {
            "registry.py": """
        from mmlight.registry import Registry
        from regtest_root.registry import MODELS as PARENT
        MODELS = Registry('model', parent=PARENT, scope='regtest_down')

        @MODELS.register_module()
        class Net:
            pass
    """
        },
    )
    from regtest_root.registry import MODELS

    net = MODELS.get("regtest_down.Net")
    assert net is not None and net.__module__ == "regtest_down.registry"


def test_broken_scope_registry_module_raises(make_pkg: MakePkg) -> None:
    make_pkg("regtest_brokenreg", {"registry.py": "import regtest_not_installed\n"})
    reg = Registry("thing", scope="s")
    with pytest.raises(ModuleNotFoundError, match="regtest_not_installed"):
        reg.get("regtest_brokenreg.Thing")


def test_repr_lists_entries() -> None:
    reg = Registry("thing", scope="s")

    @reg.register_module()
    class Zed:
        pass

    @reg.register_module()
    class Alpha:
        pass

    text = repr(reg)
    assert text.startswith("Registry of thing (scope 's', 2 entries)")
    assert text.index("Alpha") < text.index("Zed")


# ---------------------------------------------------------------- locations
def test_locations_imported_once_on_first_use(make_pkg: MakePkg) -> None:
    make_pkg(
        "regtest_loc",
        {
            "registry.py": """
        from mmlight.registry import Registry
        THINGS = Registry('thing', scope='regtest_loc', locations=['regtest_loc.things'])
    """,
            "things.py": """
        import builtins
        from regtest_loc.registry import THINGS
        builtins.regtest_loc_imports = getattr(builtins, 'regtest_loc_imports', 0) + 1

        @THINGS.register_module()
        class Lazy:
            pass
    """,
        },
    )
    import builtins

    from regtest_loc.registry import THINGS

    assert "regtest_loc.things" not in sys.modules
    try:
        assert THINGS.get("Lazy") is not None
        assert "Missing" not in THINGS
        THINGS.get("Lazy")
        assert builtins.regtest_loc_imports == 1  # type: ignore[attr-defined]
    finally:
        del builtins.regtest_loc_imports  # type: ignore[attr-defined]


def test_missing_location_is_skipped() -> None:
    reg = Registry("thing", scope="s", locations=["regtest_does_not_exist.sub"])

    @reg.register_module()
    class Here:
        pass

    assert reg.get("Here") is Here
    assert reg._imported


def test_broken_location_raises_and_is_retried(make_pkg: MakePkg) -> None:
    make_pkg("regtest_brokenloc", {"mod.py": "raise RuntimeError('bug in location module')\n"})
    reg = Registry("thing", scope="s", locations=["regtest_brokenloc.mod"])
    with pytest.raises(RuntimeError, match="bug in location module"):
        reg.get("Anything")
    with pytest.raises(RuntimeError, match="bug in location module"):
        reg.get("Anything")


def test_location_missing_dependency_raises(make_pkg: MakePkg) -> None:
    make_pkg("regtest_depmiss", {"mod.py": "import regtest_absent_dependency\n"})
    reg = Registry("thing", scope="s", locations=["regtest_depmiss.mod"])
    with pytest.raises(ModuleNotFoundError, match="regtest_absent_dependency"):
        reg.get("Anything")


def test_ancestor_locations_are_imported(make_pkg: MakePkg) -> None:
    make_pkg(
        "regtest_anc",
        {
            "registry.py": """
        from mmlight.registry import Registry
        ROOT = Registry('thing', scope='regtest_anc', locations=['regtest_anc.impl'])
    """,
            "impl.py": """
        from regtest_anc.registry import ROOT

        @ROOT.register_module()
        class FromParent:
            pass
    """,
        },
    )
    from regtest_anc.registry import ROOT

    child = Registry("thing", parent=ROOT, scope="regtest_anc_child")
    assert child.get("FromParent") is not None


# ---------------------------------------------------------------- switch scope
def test_switch_scope_and_registry() -> None:
    root, det, cls = _tree()
    DefaultScope.get_instance("regtest-switch", scope_name="det")
    with det.switch_scope_and_registry("cls") as reg:
        assert reg is cls
        current = DefaultScope.get_current_instance()
        assert current is not None and current.scope_name == "cls"
        with root.switch_scope_and_registry(None) as inner:
            assert inner is cls  # the default scope (cls) decides
    current = DefaultScope.get_current_instance()
    assert current is not None and current.scope_name == "det"
    with root.switch_scope_and_registry(None) as reg:
        assert reg is det


def test_switch_without_default_scope_yields_self() -> None:
    DefaultScope._instance_dict.clear()
    _, det, _ = _tree()
    with det.switch_scope_and_registry(None) as reg:
        assert reg is det


def test_switch_unknown_scope_falls_back_with_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(registry_module, "_warned", set())
    _, det, _ = _tree()
    with caplog.at_level(logging.WARNING, logger="mmlight.registry"):
        with det.switch_scope_and_registry("regtest_unknown_scope") as reg:
            assert reg is det
        with det.switch_scope_and_registry("regtest_unknown_scope") as reg:
            assert reg is det
    assert 'Failed to search registry with scope "regtest_unknown_scope"' in caplog.text
    assert "Failed to import `regtest_unknown_scope.registry`" in caplog.text
    assert caplog.text.count("Failed to search registry") == 1  # warned once, not per build


def test_switch_to_mmengine_scope_is_root() -> None:
    root = Registry("thing", scope="mmlight")
    child = Registry("thing", parent=root, scope="proj")
    with child.switch_scope_and_registry("mmengine") as reg:
        assert reg is root
