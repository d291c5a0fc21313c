"""AMP optim wrappers through the Runner: Lightning's precision plugin with MMEngine's scope."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.lightning.precision import OptimWrapperPrecision, precision_trainer_kwargs
from mmlight.model import BaseModel
from mmlight.optim import AmpOptimWrapper, OptimWrapper
from mmlight.runner import Runner


class DtypeRecorder(BaseModel):
    """Records the dtype its linear layer computes in, to see where autocast applies."""

    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(4, 1)
        self.forward_dtypes: list[torch.dtype] = []
        self.loss_dtypes: list[torch.dtype] = []

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs))
        self.forward_dtypes.append(out.dtype)
        if mode == "loss":
            return dict(loss=F.mse_loss(out.float().squeeze(1), torch.stack(data_samples)))
        return out

    def parse_losses(self, losses: dict) -> Any:
        self.loss_dtypes.append(torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu")
                                else torch.float32)
        return super().parse_losses(losses)


def _data() -> list[dict]:
    gen = torch.Generator().manual_seed(0)
    return [dict(inputs=torch.randn(4, generator=gen), data_samples=torch.randn((), generator=gen))
            for _ in range(16)]


def _runner(tmp_path: Any, model: nn.Module, optim_wrapper: dict) -> Runner:
    return Runner(
        model=model,
        work_dir=str(tmp_path),
        train_dataloader=dict(dataset=_data(), sampler=dict(type="DefaultSampler", shuffle=False),
                              batch_size=4),
        train_cfg=dict(by_epoch=True, max_epochs=2),
        optim_wrapper=optim_wrapper,
        default_hooks=dict(checkpoint=None, logger=None),
        randomness=dict(seed=0),
    )


def test_plain_optim_wrapper_keeps_full_precision() -> None:
    model = nn.Linear(2, 2)
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    assert precision_trainer_kwargs(wrapper) == {}


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the CPU bfloat16 path")
def test_bf16_trains_on_cpu_with_autocast_only_in_optim_context(tmp_path: Any) -> None:
    model = DtypeRecorder()
    reference = copy.deepcopy(model)
    runner = _runner(tmp_path, model, dict(type="AmpOptimWrapper", dtype="bfloat16",
                                           optimizer=dict(type="SGD", lr=0.1)))
    runner.train()

    trainer = runner._trainer
    assert trainer.precision == "bf16-mixed"
    assert isinstance(trainer.precision_plugin, OptimWrapperPrecision)
    # The forward ran in bfloat16 (optim_context), parse_losses outside autocast (MMEngine).
    assert model.forward_dtypes == [torch.bfloat16] * 8
    assert model.loss_dtypes == [torch.float32] * 8

    # The same arithmetic by hand: autocast around the forward and loss only.
    optimizer = torch.optim.SGD(reference.parameters(), lr=0.1)
    batches = _data()
    for _ in range(2):
        for start in range(0, 16, 4):
            batch = batches[start:start + 4]
            inputs = torch.stack([b["inputs"] for b in batch])
            targets = torch.stack([b["data_samples"] for b in batch])
            with torch.autocast("cpu", dtype=torch.bfloat16):
                out = reference.linear(inputs)
                loss = F.mse_loss(out.float().squeeze(1), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for got, want in zip(model.parameters(), reference.parameters(), strict=True):
        torch.testing.assert_close(got, want, rtol=0, atol=0)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="fp16 loss scaling needs CUDA")
def test_fp16_dynamic_loss_scale_uses_the_wrappers_scaler(tmp_path: Any) -> None:
    model = DtypeRecorder()
    runner = _runner(tmp_path, model, dict(type="AmpOptimWrapper", loss_scale="dynamic",
                                           optimizer=dict(type="SGD", lr=0.1)))
    runner.train()
    trainer = runner._trainer
    assert trainer.precision == "16-mixed"
    wrapper = runner.optim_wrapper
    assert isinstance(wrapper, AmpOptimWrapper)
    assert trainer.precision_plugin.scaler is wrapper.loss_scaler
    assert wrapper.loss_scaler.get_scale() > 0
    assert model.forward_dtypes == [torch.float16] * 8


@pytest.mark.skipif(not torch.cuda.is_available(), reason="a static loss scale needs CUDA")
def test_fp16_static_loss_scale_stays_fixed(tmp_path: Any) -> None:
    runner = _runner(tmp_path, DtypeRecorder(), dict(type="AmpOptimWrapper", loss_scale=256.0,
                                                     optimizer=dict(type="SGD", lr=0.1)))
    runner.train()
    assert runner.optim_wrapper.loss_scaler.get_scale() == 256.0
