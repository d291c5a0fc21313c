"""build_from_cfg: mmengine's rules, dotted/mmengine paths, scopes, and its error messages."""

from __future__ import annotations

import functools
import pickle
import sys
from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from mmlight.registry import (
    OPTIMIZERS,
    BuildArgumentError,
    ConfigTypeError,
    DefaultScope,
    MissingTypeError,
    Registry,
    UnknownTypeError,
    build_from_cfg,
)
from mmlight.utils import ManagerMixin


class Net:
    def __init__(self, depth: int, stages: int = 4, *, norm: str = "BN") -> None:
        self.depth, self.stages, self.norm = depth, stages, norm


class Flexible:
    def __init__(self, **kwargs: Any) -> None:
        self.kwargs = kwargs


class Hub(ManagerMixin):
    def __init__(self, name: str, value: int = 0) -> None:
        super().__init__(name)
        self.value = value


class Raises:
    def __init__(self, x: int) -> None:
        raise TypeError(f"inner failure with {x}")


@pytest.fixture
def reg() -> Registry:
    registry = Registry("model", scope="bfroot")
    registry.register_module(module=Net)
    registry.register_module(module=Flexible)
    registry.register_module(module=Hub)
    registry.register_module(module=Raises)
    registry.register_module(name="ResNet", module=Net)
    registry.register_module(name="net_fn", module=lambda depth: ("fn", depth))
    return registry


class FrozenCfg(Mapping[str, Any]):
    """A read-only mapping, standing in for ConfigDict-like inputs that are not dicts."""

    def __init__(self, **kw: Any) -> None:
        self._d = kw

    def __getitem__(self, k: str) -> Any:
        return self._d[k]

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)


class ConfigLike:
    """Duck-typed like a Config object: keys/__getitem__/__contains__/__iter__, not a Mapping."""

    def __init__(self, **kw: Any) -> None:
        self._d = kw

    def keys(self) -> Any:
        return self._d.keys()

    def __getitem__(self, k: str) -> Any:
        return self._d[k]

    def __contains__(self, k: object) -> bool:
        return k in self._d

    def __iter__(self) -> Iterator[str]:
        return iter(self._d)


# ---------------------------------------------------------------- mmengine's rules
def test_build_by_name_class_and_callable(reg: Registry) -> None:
    net = reg.build(dict(type="Net", depth=50))
    assert (net.depth, net.stages, net.norm) == (50, 4, "BN")
    assert reg.build(dict(type="ResNet", depth=18)).depth == 18
    assert reg.build(dict(type=Net, depth=1, stages=2)).stages == 2
    assert reg.build(dict(type="net_fn", depth=3)) == ("fn", 3)
    part = functools.partial(Net, stages=9)
    assert reg.build(dict(type=part, depth=1)).stages == 9


def test_default_args_do_not_override_cfg(reg: Registry) -> None:
    net = build_from_cfg(dict(type="Net", depth=50), reg, dict(depth=18, norm="GN"))
    assert (net.depth, net.norm) == (50, "GN")
    net = build_from_cfg(dict(depth=1), reg, default_args=dict(type="Net"))
    assert net.depth == 1


def test_cfg_is_not_mutated(reg: Registry) -> None:
    cfg = dict(type="Net", depth=50, _scope_="bfroot")
    build_from_cfg(cfg, reg, dict(stages=2))
    assert cfg == dict(type="Net", depth=50, _scope_="bfroot")


@pytest.mark.parametrize("factory", [FrozenCfg, ConfigLike])
def test_mapping_like_cfg(reg: Registry, factory: Any) -> None:
    assert reg.build(factory(type="Net", depth=7)).depth == 7
    net = build_from_cfg(dict(type="Net"), reg, default_args=factory(depth=8))
    assert net.depth == 8


def test_manager_mixin_built_with_get_instance(reg: Registry) -> None:
    try:
        first = reg.build(dict(type="Hub", name="bf-hub", value=3))
        again = reg.build(dict(type="Hub", name="bf-hub"))
        assert first is again and first.value == 3
        assert Hub.get_current_instance() is first
    finally:
        Hub._instance_dict.clear()


def test_scope_key_switches_registry(reg: Registry) -> None:
    child = Registry("model", parent=reg, scope="bfchild")

    @child.register_module(name="Net")
    class ChildNet(Net):
        pass

    assert type(reg.build(dict(type="Net", depth=1))) is Net
    assert type(reg.build(dict(type="Net", depth=1, _scope_="bfchild"))) is ChildNet
    assert type(reg.build(dict(type="bfchild.Net", depth=1))) is ChildNet
    # the default scope decides where a build from the root starts
    DefaultScope.get_instance("bf-default", scope_name="bfchild")
    assert type(reg.build(dict(type="Net", depth=1))) is ChildNet
    assert type(reg.build(dict(type="Net", depth=1, _scope_="bfroot"))) is Net


def test_dotted_path_types(reg: Registry) -> None:
    torch = pytest.importorskip("torch")
    params = [torch.nn.Parameter(torch.zeros(2))]
    opt = reg.build(dict(type="torch.optim.SGD", params=params, lr=0.5))
    assert isinstance(opt, torch.optim.SGD) and opt.defaults["lr"] == 0.5
    tm = pytest.importorskip("torchmetrics")
    metric = reg.build(dict(type="torchmetrics.classification.MulticlassAccuracy", num_classes=3))
    assert isinstance(metric, tm.classification.MulticlassAccuracy)


def test_mmengine_prefixed_path_builds_mmlight_object(reg: Registry) -> None:
    built = reg.build(dict(type="mmengine.registry.Registry", name="x", scope="bf-built"))
    assert isinstance(built, Registry) and built.scope == "bf-built"


def test_mmengine_scope_alias_for_root_registries() -> None:
    pytest.importorskip("torch")
    import torch

    params = [torch.nn.Parameter(torch.zeros(2))]
    child = Registry("optimizer", parent=OPTIMIZERS, scope="bfproj")
    assert (
        child.build(dict(type="mmengine.SGD", params=params, lr=0.1)).__class__ is torch.optim.SGD
    )
    sgd = child.build(dict(type="SGD", params=params, lr=0.1, _scope_="mmengine"))
    assert type(sgd) is torch.optim.SGD
    DefaultScope.get_instance("bf-mmengine", scope_name="mmengine")
    assert type(child.build(dict(type="SGD", params=params, lr=0.1))) is torch.optim.SGD


# ---------------------------------------------------------------- input errors
def test_cfg_not_a_dict(reg: Registry) -> None:
    with pytest.raises(
        ConfigTypeError, match=r"cfg should be a dict, ConfigDict or Config, but got <class 'list'>"
    ):
        reg.build([dict(type="Net")])


def test_missing_type_names_keys(reg: Registry) -> None:
    msg = (
        r'`cfg` or `default_args` must contain the key "type" to build from the bfroot::model '
        r"registry, but got cfg keys \['depth', 'stages'\] and default_args keys \['norm'\]"
    )
    with pytest.raises(MissingTypeError, match=msg) as info:
        build_from_cfg(dict(depth=1, stages=2), reg, dict(norm="GN"))
    assert isinstance(info.value, KeyError)
    assert info.value.cfg_keys == ["depth", "stages"]


def test_bad_registry_and_default_args(reg: Registry) -> None:
    with pytest.raises(TypeError, match=r"registry must be an mmlight\.registry\.Registry object"):
        build_from_cfg(dict(type="Net"), object())  # type: ignore[arg-type]
    with pytest.raises(
        TypeError, match="default_args should be a dict, ConfigDict, Config or None"
    ):
        build_from_cfg(dict(type="Net"), reg, default_args=[1])


def test_type_of_wrong_kind(reg: Registry) -> None:
    with pytest.raises(TypeError, match="type must be a str or valid type, but got int: 3"):
        reg.build(dict(type=3))


# ---------------------------------------------------------------- unknown type
def test_unknown_type_suggests_and_lists_scopes(reg: Registry) -> None:
    child = Registry("model", parent=reg, scope="bfkid")

    @child.register_module()
    class MaskRCNN:
        pass

    msg = (
        r"'ResNett' is not in the bfkid::model registry \(searched: bfkid::model, "
        r"bfroot::model\), did you mean one of 'ResNet', 'Net'\?"
    )
    with pytest.raises(UnknownTypeError, match=msg) as info:
        child.build(dict(type="ResNett"))
    err = info.value
    assert isinstance(err, KeyError)
    assert (err.type_name, err.registry_name, err.scope) == ("ResNett", "model", "bfkid")
    assert err.searched == ["bfkid::model", "bfroot::model"]
    assert err.suggestions[0] == "ResNet"
    with pytest.raises(UnknownTypeError, match="did you mean 'MaskRCNN'"):
        child.build(dict(type="maskrcnn"))


def test_unknown_scoped_type(reg: Registry) -> None:
    other = Registry("model", parent=reg, scope="bfother")
    # the scope's registry answers for its ancestors too, as mmengine
    assert reg.get("bfother.Net") is Net and other.get("Net") is Net
    with pytest.raises(
        UnknownTypeError,
        match=r"searched: bfother::model, bfroot::model\), did you mean one of 'Net'",
    ):
        reg.build(dict(type="bfother.Nett"))


def test_unknown_dotted_path_suggests_attribute(reg: Registry) -> None:
    pytest.importorskip("torch")
    msg = (
        r"'torch.optim.SGDD' is not in the bfroot::model registry and is not an importable "
        r"dotted path, did you mean one of 'torch.optim.SGD'"
    )
    with pytest.raises(UnknownTypeError, match=msg):
        reg.build(dict(type="torch.optim.SGDD"))


def test_unknown_scope_not_installed(reg: Registry) -> None:
    msg = (
        r"'bfnotinstalled\.ResNet' is not in the bfroot::model registry and is not an importable "
        r"dotted path \(no registry has the scope 'bfnotinstalled' and no package "
        r"'bfnotinstalled' is installed\)"
    )
    with pytest.raises(UnknownTypeError, match=msg):
        reg.build(dict(type="bfnotinstalled.ResNet"))


def test_unknown_in_empty_registry() -> None:
    empty = Registry("metric", scope="bfempty")
    with pytest.raises(UnknownTypeError, match="and nothing is registered there yet"):
        empty.build(dict(type="Accuracy"))


# ---------------------------------------------------------------- constructor arguments
def test_unexpected_keyword_suggests_argument(reg: Registry) -> None:
    msg = (
        r"Net \(from the bfroot::model registry\) got an unexpected keyword argument 'dept' "
        r"\(did you mean 'depth'\?\); missing required argument 'depth'\. "
        r"Net accepts: depth, stages, norm\."
    )
    with pytest.raises(BuildArgumentError, match=msg) as info:
        reg.build(dict(type="Net", dept=50))
    err = info.value
    assert isinstance(err, TypeError)
    assert isinstance(err.__cause__, TypeError) and "dept" in str(err.__cause__)
    assert err.unexpected == ["dept"] and err.missing == ["depth"]
    assert err.suggestions == {"dept": "depth"}


def test_torch_optimizer_lrr() -> None:
    torch = pytest.importorskip("torch")
    params = [torch.nn.Parameter(torch.zeros(2))]
    with pytest.raises(
        TypeError,
        match=r"SGD \(from the mmlight::optimizer registry\) got an "
        r"unexpected keyword argument 'lrr' \(did you mean 'lr'\?\)",
    ):
        OPTIMIZERS.build(dict(type="SGD", params=params, lrr=0.1))
    with pytest.raises(BuildArgumentError, match="missing required argument 'params'"):
        OPTIMIZERS.build(dict(type="SGD", lr=0.1))


def test_missing_several_and_manager_name(reg: Registry) -> None:
    def two(a: int, b: int) -> int:
        return a + b

    reg.register_module(module=two)
    with pytest.raises(BuildArgumentError, match="missing required arguments 'a', 'b'"):
        reg.build(dict(type="two"))
    with pytest.raises(BuildArgumentError, match=r"Hub .* missing required argument 'name'"):
        reg.build(dict(type="Hub", value=1))


def test_type_error_inside_constructor_is_untouched(reg: Registry) -> None:
    with pytest.raises(TypeError, match="inner failure with 1") as info:
        reg.build(dict(type="Raises", x=1))
    assert not isinstance(info.value, BuildArgumentError)
    if sys.version_info >= (3, 11):
        assert info.value.__notes__ == ["(while building 'Raises' from the bfroot::model registry)"]


def test_kwargs_constructor_accepts_anything(reg: Registry) -> None:
    assert reg.build(dict(type="Flexible", anything=1)).kwargs == {"anything": 1}


def test_nested_build_error_propagates_with_note(reg: Registry) -> None:
    @reg.register_module()
    class Outer:
        def __init__(self, backbone: dict[str, Any]) -> None:
            self.backbone = reg.build(backbone)

    with pytest.raises(UnknownTypeError, match="'Nett' is not in") as info:
        reg.build(dict(type="Outer", backbone=dict(type="Nett")))
    if sys.version_info >= (3, 11):
        assert info.value.__notes__ == ["(while building 'Outer' from the bfroot::model registry)"]


def test_errors_pickle(reg: Registry) -> None:
    with pytest.raises(BuildArgumentError) as info:
        reg.build(dict(type="Net", dept=50))
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is BuildArgumentError
    assert str(again) == str(info.value) and again.unexpected == ["dept"]
