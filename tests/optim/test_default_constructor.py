"""DefaultOptimWrapperConstructor and build_optim_wrapper: rules, precedence and errors."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.optim import (
    DefaultOptimWrapperConstructor,
    OptimWrapper,
    build_optim_wrapper,
)
from mmlight.registry import (
    OPTIM_WRAPPER_CONSTRUCTORS,
    OPTIMIZERS,
    Registry,
    UnknownTypeError,
)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.dw = nn.Conv2d(4, 4, 3, groups=4)
        self.backbone = nn.Sequential(nn.Linear(4, 4), nn.LayerNorm(4))
        self.head = nn.Linear(4, 2)
        self.scale = nn.Parameter(torch.ones(3))


def groups(wrapper: OptimWrapper, model: nn.Module) -> dict[str, dict[str, Any]]:
    names = {id(p): n for n, p in model.named_parameters()}
    return {
        names[id(g["params"][0])]: {k: v for k, v in g.items() if k in ("lr", "weight_decay")}
        for g in wrapper.optimizer.param_groups
    }


def build(model: nn.Module, paramwise_cfg: dict[str, Any] | None, **opt: Any) -> OptimWrapper:
    optimizer = {"type": "SGD", "lr": 0.1, "weight_decay": 0.01, **opt}
    optimizer = {k: v for k, v in optimizer.items() if v is not None}
    return build_optim_wrapper(model, {"optimizer": optimizer, "paramwise_cfg": paramwise_cfg})


def test_registered_and_default_single_group() -> None:
    assert OPTIM_WRAPPER_CONSTRUCTORS.get("DefaultOptimWrapperConstructor") is (
        DefaultOptimWrapperConstructor
    )
    model = Net()
    wrapper = build_optim_wrapper(model, {"optimizer": {"type": "SGD", "lr": 0.1}})
    assert type(wrapper) is OptimWrapper
    assert len(wrapper.optimizer.param_groups) == 1
    assert wrapper.optimizer.param_groups[0]["params"] == list(model.parameters())


def test_wrapper_arguments_pass_through_and_cfg_is_untouched() -> None:
    cfg = {
        "type": "OptimWrapper",
        "optimizer": {"type": "Adam", "lr": 0.001},
        "accumulative_counts": 4,
        "clip_grad": {"max_norm": 1.0},
        "paramwise_cfg": {"bias_lr_mult": 2.0},
    }
    original = copy.deepcopy(cfg)
    wrapper = build_optim_wrapper(Net(), cfg)
    assert cfg == original
    assert wrapper._accumulative_counts == 4 and wrapper.clip_grad_kwargs == {"max_norm": 1.0}
    assert isinstance(wrapper.optimizer, torch.optim.Adam)


def test_unwraps_module_attribute() -> None:
    class Wrapped(nn.Module):
        def __init__(self, module: nn.Module) -> None:
            super().__init__()
            self.module = module

    inner = Net()
    wrapper = build(Wrapped(inner), {"bias_lr_mult": 2.0})
    assert "conv.bias" in groups(wrapper, inner)  # names relative to the inner model


def test_bias_norm_dwconv_flat_rules_and_precedence() -> None:
    model = Net()
    wrapper = build(
        model,
        {
            "bias_lr_mult": 2.0,
            "bias_decay_mult": 0.5,
            "norm_decay_mult": 0.0,
            "dwconv_decay_mult": 0.1,
            "flat_decay_mult": 0.3,
        },
    )
    got = groups(wrapper, model)
    assert got["conv.weight"] == {"lr": 0.1, "weight_decay": 0.01}
    assert got["conv.bias"] == {"lr": 0.2, "weight_decay": 0.005}
    # norm layers: no bias_lr_mult, norm decay wins over bias decay
    assert got["bn.bias"] == {"lr": 0.1, "weight_decay": 0.0}
    assert got["backbone.1.weight"] == {"lr": 0.1, "weight_decay": 0.0}
    # depthwise conv: bias decay wins over dwconv decay for the bias
    assert got["dw.weight"]["weight_decay"] == pytest.approx(0.001)
    assert got["dw.bias"] == {"lr": 0.2, "weight_decay": 0.005}
    # a bare 1-D parameter takes flat_decay_mult
    assert got["scale"]["weight_decay"] == pytest.approx(0.003)


def test_custom_keys_longest_match_then_alphabetical() -> None:
    model = Net()
    wrapper = build(
        model,
        {
            "custom_keys": {
                "backbone": {"lr_mult": 0.1},
                "backbone.0": {"lr_mult": 0.5, "decay_mult": 0.0, "extra": "kept"},
                "ead": {"lr_mult": 3.0},
                "hea": {"lr_mult": 4.0},
            },
            "bias_lr_mult": 10.0,  # ignored where a custom key matched
        },
    )
    got = groups(wrapper, model)
    assert got["backbone.0.weight"] == {"lr": 0.05, "weight_decay": 0.0}
    assert got["backbone.1.bias"]["lr"] == pytest.approx(0.01)
    assert got["head.weight"]["lr"] == pytest.approx(0.3)  # 'ead' < 'hea'
    assert got["head.bias"]["lr"] == pytest.approx(0.3)
    assert got["conv.bias"]["lr"] == pytest.approx(1.0)
    extra = [g for g in wrapper.optimizer.param_groups if "extra" in g]
    assert len(extra) == 2 and extra[0]["lr_mult"] == 0.5


def test_frozen_and_duplicate_parameters(log_records: list[logging.LogRecord]) -> None:
    model = Net()
    model.head.weight.requires_grad_(False)
    model.alias = model.backbone[0]  # shared module: its params are reached twice
    wrapper = build(model, {"bypass_duplicate": True})
    messages = [r.getMessage() for r in log_records if r.levelno == logging.WARNING]
    assert "head.weight is skipped since its requires_grad=False" in messages
    assert any("alias.weight is a duplicate" in m for m in messages)
    params = [g["params"][0] for g in wrapper.optimizer.param_groups]
    assert len(params) == len({id(p) for p in params})
    assert all(p is not model.head.weight for p in params)


def test_paramwise_options_logged(log_records: list[logging.LogRecord]) -> None:
    build(Net(), {"bias_lr_mult": 2.0})
    assert "paramwise_options -- conv.bias:lr=0.2" in [r.getMessage() for r in log_records]


def test_dcn_detected_by_class_name() -> None:
    class DeformConv2d(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = nn.Parameter(torch.ones(2, 2, 1, 1))
            self.conv_offset = nn.Conv2d(2, 2, 1)

    class DeformConv2dPack(DeformConv2d):
        pass

    model = nn.Module()
    model.dcn = DeformConv2dPack()
    model.plain = nn.Module()
    model.plain.conv_offset = nn.Conv2d(2, 2, 1)  # not inside a DCN
    wrapper = build(model, {"dcn_offset_lr_mult": 0.1, "bias_lr_mult": 2.0}, weight_decay=None)
    got = groups(wrapper, model)
    assert got["dcn.conv_offset.weight"]["lr"] == pytest.approx(0.01)
    assert got["dcn.conv_offset.bias"]["lr"] == pytest.approx(0.01)  # not bias_lr_mult
    assert got["plain.conv_offset.bias"]["lr"] == pytest.approx(0.2)
    assert got["plain.conv_offset.weight"]["lr"] == 0.1  # the optimizer's own lr


@pytest.fixture
def register() -> Iterator[Callable[[Registry, type], None]]:
    """Register classes for one test only (the root registries are shared by every test)."""
    added: list[tuple[Registry, str]] = []

    def add(registry: Registry, cls: type) -> None:
        registry.register_module(module=cls)
        added.append((registry, cls.__name__))

    yield add
    for registry, name in added:
        registry._module_dict.pop(name, None)


def test_first_optimizer_argument_name_is_used(register: Any) -> None:
    class ModelParamsSGD(torch.optim.SGD):
        def __init__(self, model_params: Any, lr: float = 0.1) -> None:
            super().__init__(model_params, lr=lr)

    register(OPTIMIZERS, ModelParamsSGD)
    wrapper = build_optim_wrapper(Net(), {"optimizer": {"type": "ModelParamsSGD"}})
    assert isinstance(wrapper.optimizer, ModelParamsSGD)
    wrapper = build_optim_wrapper(
        Net(),
        {"optimizer": {"type": ModelParamsSGD, "lr": 0.1}, "paramwise_cfg": {"bias_lr_mult": 1.0}},
    )
    assert len(wrapper.optimizer.param_groups) > 1


def test_custom_constructor_from_config(register: Any) -> None:
    class HeadOnlyConstructor(DefaultOptimWrapperConstructor):
        def __call__(self, model: nn.Module) -> OptimWrapper:
            return super().__call__(model.head)

    register(OPTIM_WRAPPER_CONSTRUCTORS, HeadOnlyConstructor)
    model = Net()
    wrapper = build_optim_wrapper(
        model,
        {"constructor": "HeadOnlyConstructor", "optimizer": {"type": "SGD", "lr": 0.1}},
    )
    assert wrapper.optimizer.param_groups[0]["params"] == list(model.head.parameters())


# ---- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize("key", ["bias_decay_mult", "norm_decay_mult", "dwconv_decay_mult"])
def test_decay_mult_without_weight_decay(key: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"optim_wrapper\.paramwise_cfg\.{key} multiplies the weight decay, but "
        r"optim_wrapper\.optimizer sets no weight_decay: add weight_decay=\.\.\.",
    ):
        build(Net(), {key: 0.0}, weight_decay=None)


def test_all_decay_problems_reported_together() -> None:
    with pytest.raises(ValueError) as info:
        build(
            Net(),
            {"custom_keys": {"head": {"decay_mult": 0.0}}, "norm_decay_mult": 0.0},
            weight_decay=None,
        )
    message = str(info.value)
    assert "optim_wrapper.paramwise_cfg.custom_keys['head'].decay_mult" in message
    assert "optim_wrapper.paramwise_cfg.norm_decay_mult" in message


def test_flat_decay_without_weight_decay_only_warns(
    log_records: list[logging.LogRecord],
) -> None:
    build(Net(), {"flat_decay_mult": 0.0}, weight_decay=None)
    assert any("flat_decay_mult has no effect" in r.getMessage() for r in log_records)


def test_unknown_paramwise_key_warns_with_suggestion(
    log_records: list[logging.LogRecord],
) -> None:
    build(Net(), {"norm_decay_mul": 0.0})
    warnings = [r.getMessage() for r in log_records if r.levelno == logging.WARNING]
    assert any(
        "paramwise_cfg.norm_decay_mul is not an option" in m
        and "did you mean 'norm_decay_mult'?" in m
        for m in warnings
    )


def test_lr_mult_without_lr() -> None:
    with pytest.raises(TypeError, match=r"paramwise_cfg\.bias_lr_mult multiplies the learning"):
        build_optim_wrapper(
            Net(),
            {"optimizer": {"type": "Adam"}, "paramwise_cfg": {"bias_lr_mult": 2.0}},
        )


def test_unknown_optimizer_type_is_the_registry_error() -> None:
    with pytest.raises(UnknownTypeError, match=r"'SDG' is not in the .*did you mean 'SGD'\?") as e:
        build_optim_wrapper(Net(), {"optimizer": {"type": "SDG", "lr": 0.1}})
    assert isinstance(e.value, KeyError)
    assert e.value.key_path == "optimizer"


def test_missing_optimizer_type() -> None:
    with pytest.raises(KeyError, match=r'must contain the key "type"'):
        build_optim_wrapper(Net(), {"optimizer": {"lr": 0.1}})


@pytest.mark.parametrize(
    ("cfg", "paramwise", "exc", "match"),
    [
        ([], None, TypeError, r"optim_wrapper should be a dict, but got list"),
        (
            {"type": "OptimWrapper"},
            None,
            KeyError,
            r"`optim_wrapper_cfg` must contain \"optimizer\" config: .*must contain an 'optimizer'",
        ),
        ({"optimizer": "SGD"}, None, TypeError, r"optim_wrapper.optimizer should be a config"),
        ({"optimizer": {"type": "SGD"}}, [1], TypeError, r"paramwise_cfg should be None or a"),
        (
            {"optimizer": {"type": "SGD"}},
            {"custom_keys": ["a"]},
            TypeError,
            r"custom_keys should be a dict",
        ),
        (
            {"optimizer": {"type": "SGD"}},
            {"custom_keys": {"head": 0.1}},
            TypeError,
            r"custom_keys\['head'\] should be a dict such as dict\(lr_mult=0.1",
        ),
    ],
)
def test_constructor_argument_errors(
    cfg: Any, paramwise: Any, exc: type[Exception], match: str
) -> None:
    with pytest.raises(exc, match=match):
        DefaultOptimWrapperConstructor(cfg, paramwise)
