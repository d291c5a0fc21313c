"""Same registry scenarios under mmengine and mmlight: lookups, builds and errors must agree."""

from __future__ import annotations

import functools
import types
from collections.abc import Callable, Iterator
from typing import Any

import pytest

mmengine = pytest.importorskip("mmengine")
torch = pytest.importorskip("torch")

import mmengine.registry as me_registry  # noqa: E402
import mmengine.utils as me_utils  # noqa: E402
from mmengine import optim as _me_optim  # noqa: E402,F401  (fills mmengine's OPTIMIZERS)

import mmlight.optim  # noqa: E402,F401
import mmlight.registry as ml_registry  # noqa: E402
import mmlight.utils as ml_utils  # noqa: E402

IMPLS = {"mmengine": (me_registry, me_utils), "mmlight": (ml_registry, ml_utils)}


@pytest.fixture(autouse=True)
def _restore_default_scopes() -> Iterator[None]:
    saved = {k: reg.DefaultScope._instance_dict.copy() for k, (reg, _) in IMPLS.items()}
    for reg, _ in IMPLS.values():
        reg.DefaultScope._instance_dict.clear()
    yield
    for k, (reg, _) in IMPLS.items():
        reg.DefaultScope._instance_dict = saved[k]


def _both(scenario: Callable[[types.ModuleType, types.ModuleType], Any]) -> tuple[Any, Any]:
    # Each from no default scope: with mmlight's mmengine bridge the current scope is one state
    # for both packages, so the scope mmengine's run leaves set would be mmlight's current too.
    saved = me_registry.DefaultScope._instance_dict.copy()
    try:
        theirs = scenario(*IMPLS["mmengine"])
    finally:
        me_registry.DefaultScope._instance_dict = saved
    return theirs, scenario(*IMPLS["mmlight"])


def _outcome(fn: Callable[[], Any]) -> Any:
    """A comparable summary of calling ``fn``: a class/type name, a value, or the error type."""
    try:
        value = fn()
    except Exception as err:  # the builtin base type is what must agree
        for base in (KeyError, TypeError, ValueError, RuntimeError, ImportError):
            if isinstance(err, base):
                return f"raises {base.__name__}"
        return f"raises {type(err).__name__}"
    if value is None or isinstance(value, (bool, int, str, tuple)):
        return value
    if isinstance(value, type) or (callable(value) and hasattr(value, "__name__")):
        return f"obj {value.__name__}"
    return f"instance {type(value).__name__}"


def _tree(reg: types.ModuleType) -> dict[str, Any]:
    root = reg.Registry("model", scope="par_root")
    det = reg.Registry("model", parent=root, scope="par_det")
    cls = reg.Registry("model", parent=root, scope="par_cls")
    leaf = reg.Registry("model", parent=det, scope="par_leaf")

    class ResNet:
        def __init__(self, depth: int = 18, stages: int = 4) -> None:
            self.depth, self.stages = depth, stages

    class FasterRCNN:
        def __init__(self, backbone: Any = None) -> None:
            self.backbone = backbone

    class MobileNet:
        pass

    def make_head(channels: int) -> tuple[str, int]:
        return ("head", channels)

    root.register_module(module=ResNet)
    root.register_module(name=["head", "Head"], module=make_head)
    det.register_module(module=FasterRCNN)
    det.register_module(name="ResNet", module=type("DetResNet", (ResNet,), {}))
    cls.register_module(module=MobileNet)
    leaf.register_module(name="Leafy", module=MobileNet)
    return dict(root=root, det=det, cls=cls, leaf=leaf, ResNet=ResNet)


KEYS = [
    "ResNet", "head", "Head", "FasterRCNN", "MobileNet", "Leafy", "Nope",
    "par_det.FasterRCNN", "par_det.ResNet", "par_cls.MobileNet", "par_cls.ResNet",
    "par_root.ResNet", "par_root.FasterRCNN", "par_leaf.Leafy", "par_nowhere.ResNet",
    "torch.optim.SGD", "torch.optim.sgd.SGD", "torch.optim.NoSuch", "collections.OrderedDict",
]  # fmt: skip


def test_get_and_contains_agree() -> None:
    def scenario(reg: types.ModuleType, _: types.ModuleType) -> dict[str, Any]:
        tree = _tree(reg)
        out: dict[str, Any] = {}
        for node in ("root", "det", "cls", "leaf"):
            for key in KEYS:
                r = tree[node]
                out[f"{node}:{key}"] = (_outcome(functools.partial(r.get, key)), key in r)
        out["len"] = tuple(len(tree[n]) for n in ("root", "det", "cls", "leaf"))
        out["children"] = sorted(tree["root"].children)
        out["roots"] = all(tree[n].root is tree["root"] for n in ("det", "cls", "leaf"))
        return out

    me, ml = _both(scenario)
    assert ml == me


def test_registration_rules_agree() -> None:
    def scenario(reg: types.ModuleType, _: types.ModuleType) -> dict[str, Any]:
        r = reg.Registry("thing", scope="par_reg")

        class A:
            pass

        class B:
            pass

        out: dict[str, Any] = {}
        out["decorator"] = _outcome(lambda: r.register_module()(A))
        out["dup"] = _outcome(lambda: r.register_module(module=B, name="A"))
        out["after_dup"] = _outcome(lambda: r.get("A"))
        out["force"] = _outcome(lambda: r.register_module(module=B, name="A", force=True))
        out["after_force"] = _outcome(lambda: r.get("A"))
        out["aliases"] = _outcome(lambda: r.register_module(name=["x", "y"], module=A))
        out["alias_get"] = (_outcome(lambda: r.get("x")), _outcome(lambda: r.get("y")))
        out["not_callable"] = _outcome(lambda: r.register_module(module=3))
        out["bad_force"] = _outcome(lambda: r.register_module(force="yes"))
        out["bad_name"] = _outcome(lambda: r.register_module(name=5))
        out["dup_scope"] = _outcome(
            lambda: (reg.Registry("a", parent=r, scope="c"), reg.Registry("b", parent=r, scope="c"))
        )
        out["len"] = len(r)
        out["get_non_str"] = _outcome(lambda: r.get(1))
        return out

    me, ml = _both(scenario)
    # mmengine asserts on a duplicate child scope; mmlight raises a KeyError that is also an
    # AssertionError (see DuplicateScopeError)
    assert me.pop("dup_scope") == "raises AssertionError"
    assert ml.pop("dup_scope") == "raises KeyError"
    assert ml == me


def test_build_rules_agree() -> None:
    def scenario(reg: types.ModuleType, utils: types.ModuleType) -> dict[str, Any]:
        tree = _tree(reg)
        root, det = tree["root"], tree["det"]

        utils_mixin: Any = utils.ManagerMixin

        class Hub(utils_mixin):
            def __init__(self, name: str, value: int = 0) -> None:
                super().__init__(name)
                self.value = value

        root.register_module(module=Hub)
        b = reg.build_from_cfg
        out: dict[str, Any] = {}
        net = root.build(dict(type="ResNet", depth=50))
        out["by_name"] = (type(net).__name__, net.depth, net.stages)
        net = b(dict(type="ResNet", depth=50), root, dict(depth=1, stages=2))
        out["default_args"] = (net.depth, net.stages)
        out["type_in_default_args"] = type(b(dict(depth=3), root, dict(type="ResNet"))).__name__
        out["class_type"] = type(root.build(dict(type=tree["ResNet"]))).__name__
        partial = functools.partial(tree["ResNet"], stages=7)
        out["partial_type"] = root.build(dict(type=partial)).stages
        out["function"] = root.build(dict(type="head", channels=4))
        out["scope_key"] = type(root.build(dict(type="par_det.ResNet"))).__name__
        out["_scope_"] = type(root.build(dict(type="ResNet", _scope_="par_det"))).__name__
        out["child_parent"] = type(det.build(dict(type="head", channels=1))).__name__
        hub = root.build(dict(type="Hub", name="par-hub", value=5))
        out["manager"] = (hub is root.build(dict(type="Hub", name="par-hub")), hub.value)
        out["dotted"] = type(
            root.build(dict(type="torch.optim.SGD", params=[torch.nn.Parameter(torch.ones(1))]))
        ).__name__
        reg.DefaultScope.get_instance("par-default", scope_name="par_det")
        out["default_scope"] = type(root.build(dict(type="ResNet"))).__name__
        out["default_scope_override"] = type(
            root.build(dict(type="ResNet", _scope_="par_root"))
        ).__name__
        out["errors"] = [
            _outcome(lambda: root.build(dict(type="Nope"))),
            _outcome(lambda: root.build(dict(depth=1))),
            _outcome(lambda: root.build([dict(type="ResNet")])),
            _outcome(lambda: root.build(dict(type=3))),
            _outcome(lambda: root.build(dict(type="ResNet", dept=1))),
            _outcome(lambda: b(dict(type="ResNet"), root, default_args=[1])),
            _outcome(lambda: b(dict(type="ResNet"), object())),
        ]
        return out

    me, ml = _both(scenario)
    assert ml == me


def test_switch_scope_and_default_scope_agree() -> None:
    def scenario(reg: types.ModuleType, _: types.ModuleType) -> list[Any]:
        tree = _tree(reg)
        names = {id(v): k for k, v in tree.items()}
        seen = []
        with tree["det"].switch_scope_and_registry(None) as r:
            seen.append(names[id(r)])
        reg.DefaultScope.get_instance("par-sw", scope_name="par_cls")
        with tree["det"].switch_scope_and_registry(None) as r:
            seen.append(names[id(r)])
        with tree["det"].switch_scope_and_registry("par_leaf") as r:
            seen.append(names[id(r)])
            seen.append(reg.DefaultScope.get_current_instance().scope_name)
        seen.append(reg.DefaultScope.get_current_instance().scope_name)
        with tree["cls"].switch_scope_and_registry("par_unknown") as r:
            seen.append(names[id(r)])
        reg.init_default_scope("par_det")
        seen.append(reg.DefaultScope.get_current_instance().scope_name)
        reg.init_default_scope("par_cls")
        reg.DefaultScope.get_instance("par_det")
        reg.init_default_scope("par_det")
        seen.append(reg.DefaultScope.get_current_instance().scope_name)
        return seen

    me, ml = _both(scenario)
    assert ml == me


def test_manager_mixin_agrees() -> None:
    def scenario(_: types.ModuleType, utils: types.ModuleType) -> list[Any]:
        utils_mixin: Any = utils.ManagerMixin

        class G(utils_mixin):
            def __init__(self, name: str = "", x: int = 0) -> None:
                super().__init__(name)
                self.x = x

        out = [_outcome(G.get_current_instance), G.check_instance_created("a")]
        a = G.get_instance("a", x=1)
        b = G.get_instance("b", x=2)
        out += [G.get_current_instance() is b, G.get_instance("a") is a, a.instance_name]
        out += [G.check_instance_created("a"), _outcome(lambda: G(name=""))]
        return out

    me, ml = _both(scenario)
    # mmengine asserts on an empty name; mmlight raises ValueError
    assert me.pop() == "raises AssertionError" and ml.pop() == "raises ValueError"
    assert ml == me


def test_mmengine_scope_keys_agree() -> None:
    """``'mmengine.X'`` reaches the library's own root scope in both (mmlight: by the alias)."""

    def scenario(reg: types.ModuleType, _: types.ModuleType) -> list[Any]:
        own_root = "mmengine" if reg is me_registry else "mmlight"
        root = reg.Registry("thing", scope=own_root)
        child = reg.Registry("thing", parent=root, scope="par_alias")

        class Base:
            pass

        root.register_module(module=Base)
        out = [_outcome(functools.partial(r.get, k)) for r in (root, child)
               for k in ("mmengine.Base", "Base", "mmengine.Nope")]  # fmt: skip
        reg.DefaultScope.get_instance("par-alias", scope_name="mmengine")
        with child.switch_scope_and_registry(None) as r:
            out.append(r is root)
        out.append(type(child.build(dict(type="Base", _scope_="mmengine"))).__name__)
        return out

    me, ml = _both(scenario)
    assert ml == me


def test_root_registries_agree() -> None:
    me_names = {k for k, v in vars(me_registry.root).items() if isinstance(v, me_registry.Registry)}
    ml_names = {
        k for k, v in vars(ml_registry.root).items()
        if isinstance(v, ml_registry.Registry) and k != "COLLATE_FUNCTIONS"
    }  # fmt: skip
    assert ml_names == me_names
    for name in me_names:
        assert getattr(ml_registry, name).name == getattr(me_registry, name).name


def test_torch_optimizers_agree() -> None:
    me_opts = {k: v for k, v in me_registry.OPTIMIZERS.module_dict.items()
               if getattr(v, "__module__", "").startswith("torch.")}  # fmt: skip
    ml_registry.OPTIMIZERS.import_from_location()
    mine = dict(ml_registry.OPTIMIZERS.module_dict)
    # mmengine's own ZeroRedundancyOptimizer wrapper: both register one (each its own class)
    assert "ZeroRedundancyOptimizer" in me_registry.OPTIMIZERS.module_dict
    assert mine.pop("ZeroRedundancyOptimizer").__module__.startswith("mmlight.")
    assert mine == me_opts


def test_get_object_from_string_agrees() -> None:
    for path in ["torch.optim.SGD", "torch.optim.sgd.SGD", "torch.nn", "os.path.join",
                 "torch.optim.Nope", "no_such_pkg_xyz.A", "collections.abc.Mapping"]:  # fmt: skip
        assert ml_utils.get_object_from_string(path) is me_utils.get_object_from_string(path), path


def test_import_modules_from_strings_agrees() -> None:
    for imports in [["os.path", "sys"], "os.path", None, []]:
        assert ml_utils.import_modules_from_strings(
            imports
        ) == me_utils.import_modules_from_strings(imports)
    with pytest.raises(ImportError):
        me_utils.import_modules_from_strings(["no_such_pkg_xyz"])
    with pytest.raises(ImportError):
        ml_utils.import_modules_from_strings(["no_such_pkg_xyz"])
    with pytest.warns(UserWarning):
        me_res = me_utils.import_modules_from_strings(["no_such_pkg_xyz"], True)
    with pytest.warns(UserWarning):
        ml_res = ml_utils.import_modules_from_strings(["no_such_pkg_xyz"], True)
    assert me_res == ml_res == [None]
