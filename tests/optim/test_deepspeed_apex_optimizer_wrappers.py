"""DeepSpeedOptimWrapper and ApexOptimWrapper: registered under mmengine's names; DeepSpeed's
forwards backward/step to the engine (or the bound stepper), apex's is refused on Lightning.

Neither DeepSpeed nor apex is installed here: the install hints are tested as they are, and
DeepSpeed's behaviour with the availability check patched (the wrapper itself imports nothing
from DeepSpeed).
"""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
import torch
from torch import nn

from mmlight.optim import ApexOptimWrapper
from mmlight.optim.optimizer import DeepSpeedOptimWrapper
from mmlight.optim.optimizer import deepspeed_optimizer_wrapper as ds_module
from mmlight.registry import OPTIM_WRAPPERS

_HAS_DEEPSPEED = importlib.util.find_spec("deepspeed") is not None
_HAS_APEX = importlib.util.find_spec("apex") is not None


def _optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD(nn.Linear(2, 1).parameters(), lr=0.1)


@pytest.mark.skipif(_HAS_DEEPSPEED, reason="deepspeed is installed here")
def test_deepspeed_optim_wrapper_without_deepspeed_gives_the_install_hint() -> None:
    with pytest.raises(ModuleNotFoundError,
                       match=r"optim_wrapper=dict\(type='DeepSpeedOptimWrapper'\) needs "
                       r"DeepSpeed, which is not installed: pip install deepspeed"):
        OPTIM_WRAPPERS.build(dict(type="DeepSpeedOptimWrapper", optimizer=_optimizer()))


@pytest.mark.skipif(_HAS_APEX, reason="apex is installed here")
def test_apex_optim_wrapper_without_apex_gives_the_install_hint() -> None:
    assert OPTIM_WRAPPERS.get("ApexOptimWrapper") is ApexOptimWrapper
    with pytest.raises(ModuleNotFoundError, match=r"Apex is not installed\. Please check "
                       r"https://github\.com/NVIDIA/apex#linux\..*type='AmpOptimWrapper'"):
        OPTIM_WRAPPERS.build(dict(type="ApexOptimWrapper", optimizer=_optimizer()))


def test_apex_optim_wrapper_is_refused_on_lightning_even_with_apex(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from mmlight.optim.optimizer import apex_optimizer_wrapper as apex_module

    monkeypatch.setattr(apex_module.importlib.util, "find_spec", lambda name: object())
    with pytest.raises(NotImplementedError, match=r"not supported on Lightning .*dtype='float16'"):
        ApexOptimWrapper(opt_level="O1", optimizer=_optimizer())


class _Engine:
    """Stands in for a DeepSpeed engine: records what the wrapper asks of it."""

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def backward(self, loss: torch.Tensor) -> None:
        self.calls.append(("backward", float(loss)))

    def step(self) -> None:
        self.calls.append("step")


class _Stepper:
    handles_precision = True

    def __init__(self) -> None:
        self.calls: list[Any] = []

    def backward(self, loss: torch.Tensor, wrapper: Any = None, **kwargs: Any) -> None:
        self.calls.append(("backward", float(loss)))

    def step(self, wrapper: Any, **kwargs: Any) -> None:
        self.calls.append("step")


@pytest.fixture
def deepspeed_wrapper(monkeypatch: pytest.MonkeyPatch) -> DeepSpeedOptimWrapper:
    monkeypatch.setattr(ds_module.importlib.util, "find_spec", lambda name: object())
    wrapper = OPTIM_WRAPPERS.build(dict(type="DeepSpeedOptimWrapper", optimizer=_optimizer()))
    assert isinstance(wrapper, DeepSpeedOptimWrapper)
    return wrapper


def test_deepspeed_wrapper_uses_the_engine_as_mmengines(
    deepspeed_wrapper: DeepSpeedOptimWrapper,
) -> None:
    with pytest.raises(ValueError, match=r"model attribute should be set before accessing\."):
        deepspeed_wrapper.model  # noqa: B018
    engine = _Engine()
    deepspeed_wrapper.model = engine
    deepspeed_wrapper.update_params(torch.tensor(2.0))
    assert engine.calls == [("backward", 2.0), "step"]
    with pytest.raises(NotImplementedError, match="does not support zero_grad method currently"):
        deepspeed_wrapper.zero_grad()


def test_deepspeed_wrapper_goes_through_the_lightning_stepper(
    deepspeed_wrapper: DeepSpeedOptimWrapper,
) -> None:
    stepper = _Stepper()
    deepspeed_wrapper.bind_stepper(stepper)
    deepspeed_wrapper.update_params(torch.tensor(3.0))
    assert stepper.calls == [("backward", 3.0), "step"]  # no zero_grad: the engine zeroes


def test_deepspeed_wrapper_state_dict_matches_mmengine(
    deepspeed_wrapper: DeepSpeedOptimWrapper,
) -> None:
    mm_deepspeed = pytest.importorskip("mmengine._strategy.deepspeed")
    model = nn.Linear(2, 1)
    groups = [dict(params=[model.weight], lr=0.1), dict(params=[model.bias], lr=0.2)]
    theirs = mm_deepspeed.DeepSpeedOptimWrapper(torch.optim.SGD(groups, lr=0.1))
    ours = DeepSpeedOptimWrapper(torch.optim.SGD(
        [dict(params=[model.weight], lr=0.1), dict(params=[model.bias], lr=0.2)], lr=0.1))
    assert ours.state_dict() == theirs.state_dict()
    assert deepspeed_wrapper.state_dict() == {}  # one group: no base_param_settings
    ours.load_state_dict(dict(base_param_settings=dict(lr=0.5), other=1))
    assert ours.base_param_settings == dict(lr=0.5)
