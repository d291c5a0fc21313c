"""mmengine optim wrappers through the bridge: what a downstream optim-wrapper constructor
returns (mmengine's ``OptimWrapper`` with layer-wise learning-rate decay, an
``OptimWrapperDict`` for a two-optimizer model) is adopted as mmlight's wrapper over the same
optimizer and driven through Lightning's manual optimization; per-iteration losses and learning
rates equal those of mmengine's Runner on the same config."""

from __future__ import annotations

import itertools
from functools import partial
from pathlib import Path
from typing import Any

import mmengine.hooks as engine_hooks
import mmengine.optim as engine_optim
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight import bridge
from mmlight.optim import OptimWrapper, OptimWrapperDict
from tests.bridge.conftest import MakeDownstream
from tests.parity.conftest import ToyDataset, library, toy_dataloaders, toy_model_class

pytestmark = pytest.mark.interop

_names = itertools.count()


def wrappers_of(optim_wrapper: Any) -> dict[str, Any]:
    if hasattr(optim_wrapper, "optim_wrappers"):
        return dict(optim_wrapper.optim_wrappers)
    return {"": optim_wrapper}


class StepRecorder(engine_hooks.Hook):
    """Losses and every param group's lr of each training iteration (an mmengine hook: both
    runners take it)."""

    def __init__(self, log: list) -> None:
        self.log = log

    def after_train_iter(
        self, runner: Any, batch_idx: int, data_batch: Any = None, outputs: Any = None
    ) -> None:
        lrs = {
            name: [group["lr"] for group in wrapper.optimizer.param_groups]
            for name, wrapper in wrappers_of(runner.optim_wrapper).items()
        }
        losses = {
            key: float(torch.as_tensor(value).detach()) for key, value in (outputs or {}).items()
        }
        self.log.append((runner.iter, losses, lrs))


def two_part_model_class(base: type, name: str) -> type:
    """Two classifiers, ``first`` and ``second``, each with its own optimizer."""

    class TwoPart(base):  # type: ignore[misc,valid-type]
        def __init__(self, data_preprocessor: Any = None, init_cfg: Any = None) -> None:
            super().__init__(data_preprocessor=data_preprocessor, init_cfg=init_cfg)
            self.first = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
            self.second = nn.Linear(7, 3)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            return self.first(torch.stack(inputs))

        def train_step(self, data: Any, optim_wrapper: Any) -> dict:
            data = self.data_preprocessor(data, True)
            x = torch.stack(data["inputs"])
            y = torch.tensor(data["data_samples"])
            with optim_wrapper["first"].optim_context(self):
                logits = self.first(x)
                loss_first = F.cross_entropy(logits, y)
            optim_wrapper["first"].update_params(loss_first)
            with optim_wrapper["second"].optim_context(self):
                features = torch.cat([x, logits.detach().softmax(1)], 1)
                loss_second = F.cross_entropy(self.second(features), y)
            optim_wrapper["second"].update_params(loss_second)
            return dict(loss_first=loss_first.detach(), loss_second=loss_second.detach())

    TwoPart.__name__ = TwoPart.__qualname__ = name
    return TwoPart


def _train(
    lib_name: str,
    tmp_path: Path,
    scope: str,
    model_class: Any,
    optim_wrapper: dict,
    param_scheduler: Any = None,
    max_epochs: int = 3,
    model_base: type | None = None,
) -> tuple[list, Any]:
    lib = library(lib_name)
    model_name = f"BridgeOptimModel{next(_names)}"
    model = model_class(model_base or lib.BaseModel, model_name)
    lib.MODELS.register_module(name=model_name, module=model)
    log: list = []
    runner = lib.Runner(
        work_dir=str(tmp_path / lib_name),
        experiment_name=f"optim_{lib_name}_{next(_names)}",
        model=dict(type=model_name),
        train_dataloader=toy_dataloaders(
            partial(ToyDataset, noise=1.5), iter_based=False
        )["train_dataloader"],
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs),
        optim_wrapper=optim_wrapper,
        param_scheduler=param_scheduler,
        default_hooks=dict(logger=None, checkpoint=None),
        custom_hooks=[StepRecorder(log)],
        default_scope=scope,
        randomness=dict(seed=3),
    )
    runner.train()
    return log, runner


@pytest.mark.parametrize("mmlight_model_base", ["mmlight", "mmengine"])
def test_a_layer_decay_constructors_wrapper_trains_as_under_mmengine(
    tmp_path: Path, make_downstream: MakeDownstream, mmlight_model_base: str
) -> None:
    """(Under mmlight's Runner the model is also an mmengine ``BaseModel``, with mmengine's
    data preprocessor: the same numbers.)"""
    scope = make_downstream()
    optim_wrapper = dict(
        constructor="LayerDecayConstructor",
        paramwise_cfg=dict(layer_decay_rate=0.5),
        optimizer=dict(type="SGD", lr=0.2, momentum=0.9),
        clip_grad=dict(max_norm=0.5),
        accumulative_counts=2,
    )
    scheduler = [dict(type="LinearLR", start_factor=0.25, by_epoch=False, begin=0, end=10)]
    model = partial(toy_model_class, middle="norm")
    expected, _ = _train("mmengine", tmp_path, scope, model, optim_wrapper, scheduler)
    actual, runner = _train(
        "mmlight", tmp_path, scope, model, optim_wrapper, scheduler,
        model_base=library(mmlight_model_base).BaseModel,
    )

    assert actual == expected
    assert type(runner.model).__mro__[1] is library(mmlight_model_base).BaseModel
    assert len(actual) == 15
    _, _, lrs = actual[0]
    assert lrs[""] == [0.2 * 0.25 * 0.5**2, 0.2 * 0.25 * 0.5, 0.2 * 0.25]  # 3 layers, decayed
    assert len({lr for *_, lrs in actual for lr in lrs[""]}) > 10  # the scheduler stepped them
    wrapper = runner.optim_wrapper
    assert type(wrapper) is OptimWrapper and wrapper.stepper is None  # unbound after training
    assert wrapper._accumulative_counts == 2 and wrapper.clip_grad_kwargs == dict(max_norm=0.5)


def test_a_two_optimizer_constructors_wrapper_dict_trains_as_under_mmengine(
    tmp_path: Path, make_downstream: MakeDownstream
) -> None:
    scope = make_downstream()
    optim_wrapper = dict(
        constructor="TwoPartConstructor",
        first=dict(optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
                   clip_grad=dict(type="value", clip_value=0.05)),
        second=dict(optimizer=dict(type="Adam", lr=0.01), accumulative_counts=3),
    )
    scheduler = dict(
        first=[dict(type="StepLR", step_size=4, gamma=0.5, by_epoch=False)],
        second=[dict(type="LinearLR", start_factor=0.5, by_epoch=False, begin=0, end=6)],
    )
    expected, _ = _train(
        "mmengine", tmp_path, scope, two_part_model_class, optim_wrapper, scheduler
    )
    actual, runner = _train(
        "mmlight", tmp_path, scope, two_part_model_class, optim_wrapper, scheduler
    )

    assert actual == expected
    assert len(actual) == 15 and set(actual[0][1]) == {"loss_first", "loss_second"}
    assert len({lrs["first"][0] for *_, lrs in actual}) == 4
    assert isinstance(runner.optim_wrapper, OptimWrapperDict)
    assert list(runner.optim_wrapper.optim_wrappers) == ["first", "second"]


def test_an_mmengine_wrapper_is_adopted_over_the_same_optimizer() -> None:
    optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    engine = engine_optim.OptimWrapper(
        optimizer, accumulative_counts=4, clip_grad=dict(type="value", clip_value=0.1)
    )
    own = bridge.adopt(engine)

    assert type(own) is OptimWrapper and own.optimizer is optimizer
    assert own._accumulative_counts == 4
    assert own.clip_grad_kwargs == dict(clip_value=0.1) and own.grad_name == "grad_value"
    as_dict = bridge.adopt(engine_optim.OptimWrapperDict(a=engine))
    assert isinstance(as_dict, OptimWrapperDict) and as_dict["a"].optimizer is optimizer


def test_a_subclass_of_mmengines_wrapper_is_refused_by_name() -> None:
    class Tweaked(engine_optim.OptimWrapper):
        pass

    optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    with pytest.raises(TypeError, match=r"Tweaked is a subclass of mmengine's OptimWrapper"):
        bridge.adopt(Tweaked(optimizer))


@pytest.mark.parametrize("loss_scale", ["dynamic", 512.0])
def test_mmengines_amp_wrapper_is_adopted_with_its_dtype_and_scale(
    monkeypatch: pytest.MonkeyPatch, loss_scale: Any
) -> None:
    """(mmengine's AmpOptimWrapper insists on a GPU; told there is one, it builds on CPU with
    bfloat16, which mmlight's autocasts on CPU without a scaler.)"""
    import mmengine.optim.optimizer.amp_optimizer_wrapper as engine_amp

    from mmlight.optim import AmpOptimWrapper

    monkeypatch.setattr(engine_amp, "is_cuda_available", lambda: True)
    optimizer = torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)
    with pytest.warns(UserWarning, match="CUDA is not available"):
        engine = engine_optim.AmpOptimWrapper(
            optimizer=optimizer, dtype="bfloat16", loss_scale=loss_scale, accumulative_counts=2
        )
    own = bridge.adopt(engine)

    assert type(own) is AmpOptimWrapper and own.optimizer is optimizer
    assert own.cast_dtype == torch.bfloat16 and own._accumulative_counts == 2
    assert own._scale_update_param == engine._scale_update_param
