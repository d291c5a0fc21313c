"""turn_on_activation_checkpointing keeps outputs and gradients, as mmengine's."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from mmlight.runner import turn_on_activation_checkpointing


class _Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 4))
        self.head = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(x))


def test_same_outputs_and_gradients() -> None:
    torch.manual_seed(0)
    net, x = _Net(), torch.randn(3, 4, requires_grad=True)
    out = net(x)
    out.sum().backward()
    grad = x.grad.clone()
    x.grad = None
    turn_on_activation_checkpointing(net, ["block.0", "head"])
    out2 = net(x)
    out2.sum().backward()
    torch.testing.assert_close(out, out2)
    torch.testing.assert_close(grad, x.grad)
    assert net.block[0].forward.__wrapped__ is not None


def test_unknown_sub_module_is_named() -> None:
    with pytest.raises(AttributeError, match="_Net has no sub-module 'neck'"):
        turn_on_activation_checkpointing(_Net(), "neck")


def test_runner_config_key_turns_it_on(tmp_path: object) -> None:
    from typing import Any

    from torch.utils.data import DataLoader, TensorDataset

    from mmlight.model import BaseModel
    from mmlight.runner import Runner

    class Model(BaseModel):
        def __init__(self) -> None:
            super().__init__()
            self.linear = nn.Linear(1, 1)

        def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
            out = self.linear(inputs)
            return dict(loss=out.sum()) if mode == "loss" else out

    loader = DataLoader(
        TensorDataset(torch.zeros(4, 1)), batch_size=2,
        collate_fn=lambda b: dict(inputs=torch.stack([x[0] for x in b])),
    )
    runner = Runner(
        model=Model(), work_dir=str(tmp_path), train_dataloader=loader,
        train_cfg=dict(by_epoch=True, max_epochs=1),
        optim_wrapper=dict(optimizer=dict(type="SGD", lr=0.1)),
        cfg=dict(activation_checkpointing=["linear"]),
    )
    runner.train()
    assert hasattr(runner.model.linear.forward, "__wrapped__")
