"""The same optimizer/scheduler scenarios under mmengine.optim and mmlight.optim, compared exactly.

Schedulers: every scenario builds identical tiny optimizers on both sides, builds the configs
through each library's PARAM_SCHEDULERS (with ``epoch_length`` in ``default_args``, as the
runner does), replays ParamSchedulerHook's stepping order for a few epochs, and compares *every*
param-group entry (lr, momentum, betas, weight_decay, initial_*, max_*/min_*, ...) after every
iteration with ``==``: tolerance 0. mmlight evaluates mmengine's formulas in the same float
operation order, so no tolerance is needed; a reordering would show up here as a failure.

Optimizer wrappers: accumulation with a partial last group, clipping by norm and by value (with
the norm logged to each library's MessageHub), paramwise_cfg param groups (hyper-parameters and
parameter identity), state-dict round trips across the two libraries, and 5 training steps.
"""

from __future__ import annotations

import copy
import sys
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import torch
from torch import nn

mmengine = pytest.importorskip("mmengine")

import mmengine.optim as me_optim  # noqa: E402
import mmengine.optim.optimizer.default_constructor as me_default_constructor  # noqa: E402
from mmengine.logging import MessageHub as MeMessageHub  # noqa: E402
from mmengine.registry import PARAM_SCHEDULERS as ME_SCHEDULERS  # noqa: E402

import mmlight.optim as ml_optim  # noqa: E402
from mmlight.logging import MessageHub as MlMessageHub  # noqa: E402
from mmlight.registry import PARAM_SCHEDULERS as ML_SCHEDULERS  # noqa: E402

SIDES = {"mmengine": (me_optim, ME_SCHEDULERS), "mmlight": (ml_optim, ML_SCHEDULERS)}

EPOCHS = 5
EPOCH_LENGTH = 4


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        yield


# ---- scheduler scenarios ------------------------------------------------------------------


def make_model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 2))


def make_optimizer(kind: str, model: nn.Module, groups: int) -> torch.optim.Optimizer:
    if groups == 1:
        params: Any = model.parameters()
    else:
        params = [
            {"params": model[0].parameters()},
            {"params": model[2].parameters(), "lr": 0.05, "weight_decay": 1e-3},
        ]
    if kind == "sgd":
        return torch.optim.SGD(params, lr=0.1, momentum=0.9, weight_decay=1e-4)
    if kind == "adam":
        return torch.optim.Adam(params, lr=0.1, betas=(0.9, 0.999), weight_decay=1e-4)
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=0.02, betas=(0.85, 0.99))
    raise AssertionError(kind)


def snapshot(param_groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in group.items() if k != "params"} for group in param_groups]


def run_schedule(
    side: str,
    cfgs: list[dict[str, Any]],
    *,
    optimizer: str = "sgd",
    groups: int = 2,
    wrap: bool = True,
    metrics: list[dict[str, float]] | None = None,
) -> tuple[list[Any], list[dict[str, Any]]]:
    """Replay ParamSchedulerHook's order; returns the per-iteration trace and final states."""
    lib, registry = SIDES[side]
    model = make_model()
    optim = make_optimizer(optimizer, model, groups)
    target: Any = lib.OptimWrapper(optim) if wrap else optim
    schedulers = [
        registry.build(
            copy.deepcopy(cfg), default_args={"optimizer": target, "epoch_length": EPOCH_LENGTH}
        )
        for cfg in cfgs
    ]
    trace: list[Any] = [snapshot(target.param_groups)]
    for epoch in range(EPOCHS):
        for _ in range(EPOCH_LENGTH):
            target.step()
            trace.append(snapshot(target.param_groups))
            for scheduler in schedulers:
                if not scheduler.by_epoch:
                    scheduler.step()
            trace.append([s.get_last_value() for s in schedulers])
        for scheduler in schedulers:
            if scheduler.by_epoch:
                scheduler.step()
        if metrics is not None:
            for scheduler in schedulers:
                if getattr(scheduler, "need_val_args", False):
                    scheduler.step(metrics[epoch])
        trace.append(snapshot(target.param_groups))
    if wrap:
        trace.append(target.get_lr())
        trace.append(target.get_momentum())
    return trace, [s.state_dict() for s in schedulers]


def comparable_state(state: dict[str, Any]) -> dict[str, Any]:
    """mmengine keeps OneCycle's annealing *function* in the state; mmlight keeps its name."""
    state = dict(state)
    func = state.pop("anneal_func", None)
    if func is not None:
        state["anneal_strategy"] = "linear" if "linear" in func.__name__ else "cos"
    return state


L = dict  # short alias for config literals below

SCHEDULE_SCENARIOS: dict[str, list[dict[str, Any]]] = {
    # every family, LR form, by epoch
    "step": [L(type="StepLR", step_size=2, gamma=0.5)],
    "multistep_repeated": [L(type="MultiStepLR", milestones=[1, 3, 3], gamma=0.3)],
    "constant": [L(type="ConstantLR", factor=0.25, end=3)],
    "exponential": [L(type="ExponentialLR", gamma=0.8)],
    "cosine": [L(type="CosineAnnealingLR", T_max=4, eta_min=0.001)],
    "cosine_default_tmax": [L(type="CosineAnnealingLR", begin=1, end=4)],
    "cosine_ratio_wraps": [L(type="CosineAnnealingLR", T_max=2, eta_min_ratio=0.1)],
    "linear": [L(type="LinearLR", start_factor=0.2, end_factor=0.9, end=4)],
    "poly": [L(type="PolyLR", eta_min=1e-4, power=2.0, end=5)],
    "cosine_restart": [
        L(type="CosineRestartLR", periods=[2, 3], restart_weights=[1, 0.5], eta_min=0.001)
    ],
    "cosine_restart_ratio": [
        L(type="CosineRestartLR", periods=[3, 2], restart_weights=[1, 0.7], eta_min_ratio=0.05)
    ],
    # iteration based, windows
    "iter_linear_window": [L(type="LinearLR", start_factor=0.1, by_epoch=False, begin=3, end=9)],
    "iter_exponential_window": [L(type="ExponentialLR", gamma=0.9, by_epoch=False, begin=2, end=7)],
    "iter_step_window": [L(type="StepLR", step_size=3, by_epoch=False, begin=4, end=15)],
    "iter_poly_window": [L(type="PolyLR", power=0.5, by_epoch=False, begin=2, end=12)],
    # composition: warm-up + decay, and several overlapping windows
    "warmup_multistep": [
        L(type="LinearLR", start_factor=0.001, by_epoch=False, begin=0, end=6),
        L(type="MultiStepLR", milestones=[2, 4], gamma=0.1),
    ],
    "warmup_cosine_converted": [
        L(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=5),
        L(type="CosineAnnealingLR", begin=1, end=5, eta_min=1e-5, convert_to_iter_based=True),
    ],
    "constant_then_poly": [
        L(type="ConstantLR", factor=0.5, by_epoch=False, begin=0, end=4),
        L(type="PolyLR", eta_min=0.0, by_epoch=False, begin=4, end=20),
    ],
    # convert_to_iter_based for every scaled argument
    "convert_step": [L(type="StepLR", step_size=2, gamma=0.5, convert_to_iter_based=True)],
    "convert_multistep": [L(type="MultiStepLR", milestones=[1, 3], convert_to_iter_based=True)],
    "convert_cosine_tmax": [L(type="CosineAnnealingLR", T_max=3, convert_to_iter_based=True)],
    "convert_cosine_restart": [
        L(
            type="CosineRestartLR",
            periods=[2, 2],
            restart_weights=[1, 0.5],
            eta_min=1e-3,
            convert_to_iter_based=True,
        )
    ],
    "convert_linear_window": [
        L(type="LinearLR", start_factor=0.3, begin=1, end=3, convert_to_iter_based=True)
    ],
    "convert_exponential_inf_end": [
        L(type="ExponentialLR", gamma=0.95, convert_to_iter_based=True)
    ],
    "convert_poly": [L(type="PolyLR", power=1.5, end=4, convert_to_iter_based=True)],
    "convert_constant": [L(type="ConstantLR", factor=0.1, end=2, convert_to_iter_based=True)],
    # OneCycle
    "onecycle_cos": [L(type="OneCycleLR", eta_max=0.5, total_steps=20, by_epoch=False)],
    "onecycle_linear_three_phase": [
        L(
            type="OneCycleLR",
            eta_max=[0.4, 0.2, 0.3],
            total_steps=20,
            pct_start=0.25,
            anneal_strategy="linear",
            three_phase=True,
            by_epoch=False,
        )
    ],
    "onecycle_window": [L(type="OneCycleLR", eta_max=0.3, by_epoch=False, begin=0, end=20)],
    "onecycle_convert": [
        L(type="OneCycleLR", eta_max=0.3, total_steps=5, convert_to_iter_based=True)
    ],
    # generic param form
    "param_weight_decay": [
        L(type="StepParamScheduler", param_name="weight_decay", step_size=2, gamma=0.5)
    ],
    "param_lr_cosine": [
        L(type="CosineAnnealingParamScheduler", param_name="lr", T_max=5, by_epoch=False)
    ],
    "param_linear_wd": [
        L(type="LinearParamScheduler", param_name="weight_decay", start_factor=0.5, end=3)
    ],
    "param_onecycle": [
        L(
            type="OneCycleParamScheduler",
            param_name="lr",
            eta_max=0.2,
            total_steps=20,
            by_epoch=False,
        )
    ],
    "param_restart": [
        L(
            type="CosineRestartParamScheduler",
            param_name="lr",
            periods=[3, 3],
            restart_weights=[1, 1],
            eta_min=0.0,
        )
    ],
    # momentum forms (SGD momentum)
    "momentum_step": [L(type="StepMomentum", step_size=2, gamma=0.9)],
    "momentum_multistep": [L(type="MultiStepMomentum", milestones=[2, 3], gamma=0.95)],
    "momentum_constant": [L(type="ConstantMomentum", factor=0.5, end=2)],
    "momentum_exponential": [L(type="ExponentialMomentum", gamma=0.97, by_epoch=False)],
    "momentum_cosine": [L(type="CosineAnnealingMomentum", T_max=10, eta_min=0.8, by_epoch=False)],
    "momentum_linear": [L(type="LinearMomentum", start_factor=0.9, by_epoch=False, end=10)],
    "momentum_poly": [L(type="PolyMomentum", eta_min=0.85, by_epoch=False, end=12)],
    "momentum_restart": [
        L(
            type="CosineRestartMomentum",
            periods=[4, 4],
            restart_weights=[1, 0.9],
            eta_min=0.8,
            by_epoch=False,
        )
    ],
    "lr_and_momentum": [
        L(type="CosineAnnealingLR", T_max=5),
        L(type="CosineAnnealingMomentum", T_max=5, eta_min=0.85),
    ],
}

OPTIMIZER_VARIANTS = {
    "sgd-2groups-wrapper": dict(optimizer="sgd", groups=2, wrap=True),
    "adam-1group-raw": dict(optimizer="adam", groups=1, wrap=False),
}


@pytest.mark.parametrize("variant", list(OPTIMIZER_VARIANTS))
@pytest.mark.parametrize("name", list(SCHEDULE_SCENARIOS))
def test_scheduler_values_identical(name: str, variant: str) -> None:
    cfgs = SCHEDULE_SCENARIOS[name]
    options = OPTIMIZER_VARIANTS[variant]
    if name == "onecycle_linear_three_phase":
        options = {**options, "groups": 2, "wrap": True}  # three eta_max values: 2 groups + base
    expected, me_states = run_schedule("mmengine", cfgs, **options)
    actual, ml_states = run_schedule("mmlight", cfgs, **options)
    assert actual == expected
    assert [comparable_state(s) for s in ml_states] == [comparable_state(s) for s in me_states]


@pytest.mark.parametrize(
    "cfgs",
    [
        [L(type="StepMomentum", step_size=2, gamma=0.9)],
        [L(type="CosineAnnealingMomentum", T_max=6, eta_min=0.8, by_epoch=False)],
        [L(type="LinearMomentum", start_factor=0.95, end=3), L(type="ExponentialLR", gamma=0.9)],
        [L(type="CosineRestartMomentum", periods=[2, 3], restart_weights=[1, 1], eta_min=0.7)],
    ],
    ids=["step", "cosine", "linear+lr", "restart"],
)
@pytest.mark.parametrize("kind", ["adam", "adamw"])
@pytest.mark.parametrize("wrap", [True, False])
def test_adam_betas_momentum_identical(cfgs: list[dict[str, Any]], kind: str, wrap: bool) -> None:
    expected, me_states = run_schedule("mmengine", cfgs, optimizer=kind, groups=2, wrap=wrap)
    actual, ml_states = run_schedule("mmlight", cfgs, optimizer=kind, groups=2, wrap=wrap)
    assert actual == expected
    assert ml_states == me_states


METRICS_LESS = [{"loss": v} for v in (1.0, 0.9, 0.95, 0.97, 0.96)]
METRICS_GREATER = [{"acc": v} for v in (0.5, 0.6, 0.6, 0.5, 0.6)]

PLATEAU_SCENARIOS = {
    "lr_less_rel": ([L(type="ReduceOnPlateauLR", patience=1, factor=0.5)], METRICS_LESS),
    "lr_less_abs_cooldown": (
        [
            L(
                type="ReduceOnPlateauLR",
                patience=0,
                factor=0.5,
                threshold=0.01,
                threshold_rule="abs",
                cooldown=1,
            )
        ],
        METRICS_LESS,
    ),
    "lr_greater_min_value_list": (
        [
            L(
                type="ReduceOnPlateauLR",
                monitor="acc",
                rule="greater",
                patience=0,
                factor=0.1,
                min_value=[0.02, 0.01],
            )
        ],
        METRICS_GREATER,
    ),
    "momentum": (
        [L(type="ReduceOnPlateauMomentum", patience=0, factor=0.5, min_value=0.3)],
        METRICS_LESS,
    ),
    "param_window": (
        [
            L(
                type="ReduceOnPlateauParamScheduler",
                param_name="weight_decay",
                patience=0,
                factor=0.5,
                begin=1,
                end=4,
            )
        ],
        METRICS_LESS,
    ),
    "plateau_with_warmup": (
        [
            L(type="LinearLR", start_factor=0.5, by_epoch=False, end=5),
            L(type="ReduceOnPlateauLR", patience=1, factor=0.2),
        ],
        METRICS_LESS,
    ),
}


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("name", list(PLATEAU_SCENARIOS))
def test_reduce_on_plateau_identical(name: str, kind: str) -> None:
    cfgs, metrics = PLATEAU_SCENARIOS[name]
    expected, me_states = run_schedule("mmengine", cfgs, optimizer=kind, metrics=metrics)
    actual, ml_states = run_schedule("mmlight", cfgs, optimizer=kind, metrics=metrics)
    assert actual == expected
    assert ml_states == me_states


def test_scheduler_state_loads_across_libraries() -> None:
    """A scheduler state saved by one library resumes identically in the other."""
    cfg = L(type="MultiStepLR", milestones=[2, 6, 9], gamma=0.5, by_epoch=False)
    states = {}
    for side in SIDES:
        lib, registry = SIDES[side]
        optim = make_optimizer("sgd", make_model(), 2)
        wrapper = lib.OptimWrapper(optim)
        scheduler = registry.build(dict(cfg), default_args={"optimizer": wrapper})
        for _ in range(4):
            wrapper.step()
            scheduler.step()
        states[side] = (wrapper.state_dict(), scheduler.state_dict())

    def resume(side: str, optim_state: dict[str, Any], sched_state: dict[str, Any]) -> list[Any]:
        lib, registry = SIDES[side]
        wrapper = lib.OptimWrapper(make_optimizer("sgd", make_model(), 2))
        wrapper.load_state_dict(copy.deepcopy(optim_state))
        scheduler = registry.build(dict(cfg), default_args={"optimizer": wrapper})
        scheduler.load_state_dict(copy.deepcopy(sched_state))
        values = []
        for _ in range(8):
            wrapper.step()
            scheduler.step()
            values.append(snapshot(wrapper.param_groups))
        return values

    reference = resume("mmengine", *states["mmengine"])
    assert resume("mmlight", *states["mmengine"]) == reference
    assert resume("mmengine", *states["mmlight"]) == reference


def test_onecycle_state_from_mmengine_loads() -> None:
    states = {}
    for side in SIDES:
        _lib, registry = SIDES[side]
        optim = make_optimizer("sgd", make_model(), 1)
        scheduler = registry.build(
            L(type="OneCycleLR", eta_max=0.3, total_steps=10, anneal_strategy="linear"),
            default_args={"optimizer": optim},
        )
        states[side] = scheduler
    states["mmlight"].load_state_dict(states["mmengine"].state_dict())
    assert states["mmlight"].anneal_strategy == "linear"
    assert states["mmlight"].anneal_func(1.0, 0.0, 0.25) == 0.75


# ---- optimizer wrappers -------------------------------------------------------------------


def _data() -> list[tuple[torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(1)
    return [(torch.randn(3, 4, generator=gen), torch.randn(3, 2, generator=gen)) for _ in range(10)]


def _loss(model: nn.Module, batch: tuple[torch.Tensor, torch.Tensor]) -> torch.Tensor:
    x, y = batch
    return ((model(x) - y) ** 2).mean()


def _train(
    side: str,
    steps: int,
    make_wrapper: Callable[[Any, nn.Module], Any],
    *,
    init_counts: tuple[int, int] | None = None,
    schedulers: list[dict[str, Any]] | None = None,
) -> tuple[nn.Module, Any, list[Any]]:
    lib, registry = SIDES[side]
    model = make_model()
    wrapper = make_wrapper(lib, model)
    if init_counts is not None:
        wrapper.initialize_count_status(model, *init_counts)
    built = [
        registry.build(dict(cfg), default_args={"optimizer": wrapper, "epoch_length": 5})
        for cfg in schedulers or []
    ]
    trace: list[Any] = []
    for batch in _data()[:steps]:
        with wrapper.optim_context(model):
            loss = _loss(model, batch)
        wrapper.update_params(loss)
        for scheduler in built:
            scheduler.step()
        trace.append(
            (
                [p.detach().clone() for p in model.parameters()],
                wrapper.get_lr(),
                wrapper.get_momentum(),
                wrapper.inner_count,
            )
        )
    return model, wrapper, trace


def _assert_traces_equal(a: list[Any], b: list[Any]) -> None:
    assert len(a) == len(b)
    for (pa, *ra), (pb, *rb) in zip(a, b):
        assert ra == rb
        for ta, tb in zip(pa, pb):
            assert torch.equal(ta, tb)


@pytest.mark.parametrize(
    ("acc", "max_counts"), [(3, 10), (4, 10), (2, 10), (5, 10)], ids=["3of10", "4of10", "2", "5"]
)
def test_accumulation_with_partial_last_group(acc: int, max_counts: int) -> None:
    def make(lib: Any, model: nn.Module) -> Any:
        return lib.OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9), accumulative_counts=acc
        )

    _, _, expected = _train("mmengine", max_counts, make, init_counts=(0, max_counts))
    _, _, actual = _train("mmlight", max_counts, make, init_counts=(0, max_counts))
    _assert_traces_equal(actual, expected)


def test_accumulation_resumed_mid_run() -> None:
    def make(lib: Any, model: nn.Module) -> Any:
        return lib.OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1), accumulative_counts=3)

    _, _, expected = _train("mmengine", 6, make, init_counts=(4, 10))
    _, _, actual = _train("mmlight", 6, make, init_counts=(4, 10))
    _assert_traces_equal(actual, expected)


@pytest.mark.parametrize(
    "clip_grad",
    [
        {"max_norm": 0.05},
        {"type": "norm", "max_norm": 0.1, "norm_type": 1},
        {"max_norm": 0.2, "norm_type": float("inf")},
        {"type": "value", "clip_value": 0.01},
    ],
    ids=["norm", "norm-l1", "norm-inf", "value"],
)
def test_clip_grad_identical_and_logged(
    clip_grad: dict[str, Any], request: pytest.FixtureRequest
) -> None:
    hub_name = f"optim_parity_{request.node.name}"  # a fresh current hub per case
    hubs = {
        "mmengine": MeMessageHub.get_instance(hub_name),
        "mmlight": MlMessageHub.get_instance(hub_name),
    }

    def make(lib: Any, model: nn.Module) -> Any:
        return lib.OptimWrapper(
            torch.optim.SGD(model.parameters(), lr=0.5), clip_grad=copy.deepcopy(clip_grad)
        )

    _, _, expected = _train("mmengine", 5, make)
    _, _, actual = _train("mmlight", 5, make)
    _assert_traces_equal(actual, expected)
    me_hub, ml_hub = hubs["mmengine"], hubs["mmlight"]
    if clip_grad.get("type", "norm") == "norm":
        me_norms = list(me_hub.get_scalar("train/grad_norm").data[0])
        ml_norms = list(ml_hub.get_scalar("train/grad_norm").data[0])
        assert len(ml_norms) == 5
        assert ml_norms == me_norms
    else:
        assert "train/grad_value" not in ml_hub.log_scalars
        assert "train/grad_value" not in me_hub.log_scalars


def test_five_training_steps_identical_weights() -> None:
    """A full mmengine-style recipe: paramwise groups, clipping, warm-up + decay schedulers."""
    cfg = L(
        optimizer=L(type="SGD", lr=0.2, momentum=0.9, weight_decay=1e-3, nesterov=True),
        clip_grad=L(max_norm=1.0),
        accumulative_counts=1,
        paramwise_cfg=L(bias_lr_mult=2.0, bias_decay_mult=0.0),
    )
    schedulers = [
        L(type="LinearLR", start_factor=0.1, by_epoch=False, end=3),
        L(type="MultiStepLR", milestones=[4], gamma=0.1, by_epoch=False),
    ]

    def make(lib: Any, model: nn.Module) -> Any:
        return lib.build_optim_wrapper(model, copy.deepcopy(cfg))

    me_model, me_wrapper, expected = _train("mmengine", 5, make, schedulers=schedulers)
    ml_model, ml_wrapper, actual = _train("mmlight", 5, make, schedulers=schedulers)
    _assert_traces_equal(actual, expected)
    for pa, pb in zip(ml_model.parameters(), me_model.parameters()):
        assert torch.equal(pa, pb)
    me_state, ml_state = me_wrapper.state_dict(), ml_wrapper.state_dict()
    assert ml_state["param_groups"] == me_state["param_groups"]
    assert ml_state["state"].keys() == me_state["state"].keys()
    for key in me_state["state"]:
        assert torch.equal(
            ml_state["state"][key]["momentum_buffer"], me_state["state"][key]["momentum_buffer"]
        )


def test_adam_training_with_accumulation_and_momentum_schedule() -> None:
    cfg = L(optimizer=L(type="AdamW", lr=0.01, weight_decay=0.05), accumulative_counts=2)
    schedulers = [L(type="CosineAnnealingMomentum", T_max=5, eta_min=0.8, by_epoch=False)]

    def make(lib: Any, model: nn.Module) -> Any:
        wrapper = lib.build_optim_wrapper(model, copy.deepcopy(cfg))
        return wrapper

    _, _, expected = _train("mmengine", 7, make, init_counts=(0, 7), schedulers=schedulers)
    _, _, actual = _train("mmlight", 7, make, init_counts=(0, 7), schedulers=schedulers)
    _assert_traces_equal(actual, expected)


def test_wrapper_state_dict_round_trip_across_libraries() -> None:
    def make(lib: Any, model: nn.Module) -> Any:
        optim = make_optimizer("adam", model, 2)
        return lib.OptimWrapper(optim)

    _, me_wrapper, _ = _train("mmengine", 3, make)
    _, ml_wrapper, _ = _train("mmlight", 3, make)
    me_state, ml_state = me_wrapper.state_dict(), ml_wrapper.state_dict()
    assert me_state.keys() == ml_state.keys() == {"state", "param_groups", "base_param_settings"}
    assert ml_state["param_groups"] == me_state["param_groups"]
    assert torch.equal(
        ml_state["base_param_settings"].pop("params"), me_state["base_param_settings"].pop("params")
    )
    assert ml_state["base_param_settings"] == me_state["base_param_settings"]

    # mmengine's state into a fresh mmlight wrapper, and back, then one identical step each
    fresh = {side: make(SIDES[side][0], make_model()) for side in SIDES}
    fresh["mmlight"].load_state_dict(copy.deepcopy(me_wrapper.state_dict()))
    fresh["mmengine"].load_state_dict(copy.deepcopy(ml_wrapper.state_dict()))
    for side in SIDES:
        assert fresh[side].get_lr() == me_wrapper.get_lr()
    assert fresh["mmlight"].state_dict()["param_groups"] == me_state["param_groups"]


# ---- paramwise_cfg ------------------------------------------------------------------------


class _DCNLike(nn.Module):
    """Stands in for mmcv's DeformConv2dPack (a DeformConv2d with a ``conv_offset`` child)."""

    def __init__(self) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(4, 4, 3, 3))
        self.bias = nn.Parameter(torch.zeros(4))
        self.conv_offset = nn.Conv2d(4, 18, 3)


class DeformConv2d(_DCNLike):
    pass


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.conv1 = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.dwconv = nn.Conv2d(4, 4, 3, groups=4)
        self.gn = nn.GroupNorm(2, 4)
        self.ln = nn.LayerNorm(4)
        self.inorm = nn.InstanceNorm2d(4, affine=True)
        self.backbone = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 4))
        self.head = nn.Linear(4, 2)
        self.scale = nn.Parameter(torch.ones(4))
        self.frozen = nn.Linear(2, 2)
        self.frozen.weight.requires_grad_(False)
        self.dcn = DeformConv2d()
        self.shared = self.head  # the same parameters reachable twice


PARAMWISE_SCENARIOS: dict[str, dict[str, Any]] = {
    "bias_lr_and_decay": L(bias_lr_mult=2.0, bias_decay_mult=0.5),
    "norm_decay": L(norm_decay_mult=0.0),
    "dwconv_decay": L(dwconv_decay_mult=0.1),
    "flat_decay": L(flat_decay_mult=0.3),
    "all_rules": L(
        bias_lr_mult=2.0,
        bias_decay_mult=0.5,
        norm_decay_mult=0.0,
        dwconv_decay_mult=0.1,
        flat_decay_mult=0.3,
    ),
    "custom_keys_longest_match": L(
        custom_keys={
            "backbone": L(lr_mult=0.1, decay_mult=0.9),
            "backbone.0": L(lr_mult=0.01),
            "head": L(lr_mult=10.0, decay_mult=0.0, betas_note="kept"),
            "conv": L(lr_mult=0.5),
            "onv": L(lr_mult=0.7),
        },
        norm_decay_mult=0.0,
        bias_lr_mult=3.0,
    ),
    "custom_keys_tie_alphabetical": L(
        custom_keys={"bn.": L(lr_mult=0.2), "ln.": L(lr_mult=0.3), ".bias": L(lr_mult=4.0)}
    ),
    "bypass_duplicate": L(bypass_duplicate=True, bias_lr_mult=2.0),
    "dcn_offset": L(dcn_offset_lr_mult=0.1, bias_lr_mult=2.0, bias_decay_mult=0.0),
}


@pytest.fixture
def fake_mmcv(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let mmengine recognise the test's DeformConv2d as mmcv's (mmcv is not installed)."""
    ops = types.ModuleType("mmcv.ops")
    ops.DeformConv2d = DeformConv2d  # type: ignore[attr-defined]
    ops.ModulatedDeformConv2d = type("ModulatedDeformConv2d", (_DCNLike,), {})  # type: ignore[attr-defined]
    mmcv = types.ModuleType("mmcv")
    mmcv.ops = ops  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "mmcv", mmcv)
    monkeypatch.setitem(sys.modules, "mmcv.ops", ops)
    monkeypatch.setattr(me_default_constructor, "mmcv_full_available", lambda: True)


def _groups_by_name(model: nn.Module, wrapper: Any) -> list[tuple[list[str], dict[str, Any]]]:
    names = {id(p): n for n, p in model.named_parameters(remove_duplicate=False)}
    return [
        (
            [names[id(p)] for p in group["params"]],
            {k: v for k, v in group.items() if k != "params"},
        )
        for group in wrapper.optimizer.param_groups
    ]


@pytest.mark.usefixtures("fake_mmcv")
@pytest.mark.parametrize("optimizer", ["SGD", "AdamW"])
@pytest.mark.parametrize("name", list(PARAMWISE_SCENARIOS))
def test_paramwise_groups_identical(name: str, optimizer: str) -> None:
    model = _Net()
    if name != "bypass_duplicate":
        model.shared = nn.Identity()  # duplicates without bypass_duplicate are a torch error
    cfg = L(
        optimizer=L(type=optimizer, lr=0.01, weight_decay=1e-4),
        paramwise_cfg=PARAMWISE_SCENARIOS[name],
    )
    me = me_optim.build_optim_wrapper(model, copy.deepcopy(cfg))
    ml = ml_optim.build_optim_wrapper(model, copy.deepcopy(cfg))
    assert type(ml).__name__ == type(me).__name__
    assert _groups_by_name(model, ml) == _groups_by_name(model, me)
    for me_group, ml_group in zip(me.optimizer.param_groups, ml.optimizer.param_groups):
        assert all(a is b for a, b in zip(me_group["params"], ml_group["params"]))
    assert ml.get_lr() == me.get_lr()


def test_paramwise_without_paramwise_cfg_is_one_group() -> None:
    model = _Net()
    model.shared = nn.Identity()
    cfg = L(type="OptimWrapper", optimizer=L(type="SGD", lr=0.01), accumulative_counts=2)
    me = me_optim.build_optim_wrapper(model, copy.deepcopy(cfg))
    ml = ml_optim.build_optim_wrapper(model, copy.deepcopy(cfg))
    assert len(ml.optimizer.param_groups) == len(me.optimizer.param_groups) == 1
    assert [p is q for p, q in zip(ml.param_groups[0]["params"], me.param_groups[0]["params"])]
    assert ml._accumulative_counts == me._accumulative_counts == 2


# ---- AMP (mmengine refuses CPU, so only on a GPU) -----------------------------------------


@pytest.mark.skipif(not torch.cuda.is_available(), reason="mmengine's AmpOptimWrapper needs CUDA")
@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"loss_scale": 512.0},
        {"loss_scale": {"init_scale": 2.0**10}, "clip_grad": {"max_norm": 0.1}},
    ],
    ids=["dynamic", "static", "dict+clip"],
)
def test_amp_training_identical_on_cuda(kwargs: dict[str, Any]) -> None:
    def make(lib: Any, model: nn.Module) -> Any:
        model.cuda()
        return lib.AmpOptimWrapper(
            optimizer=torch.optim.SGD(model.parameters(), lr=0.1), **copy.deepcopy(kwargs)
        )

    def train(side: str) -> tuple[list[torch.Tensor], dict[str, Any]]:
        lib = SIDES[side][0]
        model = make_model()
        wrapper = make(lib, model)
        for x, y in _data()[:5]:
            with wrapper.optim_context(model):
                loss = ((model(x.cuda()) - y.cuda()) ** 2).mean()
            wrapper.update_params(loss)
        return [p.detach().cpu() for p in model.parameters()], wrapper.state_dict()["loss_scaler"]

    me_params, me_scaler = train("mmengine")
    ml_params, ml_scaler = train("mmlight")
    for a, b in zip(ml_params, me_params):
        assert torch.equal(a, b)
    assert ml_scaler == me_scaler
