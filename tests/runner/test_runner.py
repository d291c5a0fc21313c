"""Runner behaviour beyond the parity scenarios: argument checks and custom loops."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.model import BaseModel
from mmlight.registry import LOOPS
from mmlight.runner import EpochBasedTrainLoop, Runner


class TinyModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs))
        if mode == "loss":
            return dict(loss=F.mse_loss(out.squeeze(1), torch.tensor(data_samples)))
        return out


def _data(n: int = 8) -> list[dict]:
    return [dict(inputs=torch.tensor([float(i), 1.0]), data_samples=float(i)) for i in range(n)]


def _loader() -> dict:
    return dict(dataset=_data(), sampler=dict(type="DefaultSampler", shuffle=False), batch_size=4)


def test_stage_arguments_must_come_together(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="train_dataloader given without train_cfg, optim_wrapper"):
        Runner(model=TinyModel(), work_dir=str(tmp_path), train_dataloader=_loader())


@LOOPS.register_module(force=True)
class TwiceLoop(EpochBasedTrainLoop):
    """Trains on every batch twice: a custom loop that overrides only run_iter."""

    def run_iter(self, idx: int, data_batch: Any) -> None:
        for _ in range(2):
            super().run_iter(idx, data_batch)


def test_custom_loop_run_iter_is_used(tmp_path: Any) -> None:
    runner = Runner(
        model=TinyModel(),
        work_dir=str(tmp_path),
        train_dataloader=_loader(),
        train_cfg=dict(type="TwiceLoop", max_epochs=2),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.01)),
        default_hooks=dict(checkpoint=None, logger=None),
        randomness=dict(seed=0),
    )
    original = runner.optim_wrapper

    runner.train()

    assert runner.optim_wrapper is not original  # built from the dict
    # 8 samples / batch 4 = 2 batches per epoch, each trained twice, for 2 epochs.
    assert runner.iter == 8
    assert runner.epoch == 2
