"""``cfg.compile`` -> ``torch.compile`` of ``train_step`` (CPU, eager backends: fast)."""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from mmlight.lightning.compile import CompileConfigError, maybe_compile
from mmlight.model import BaseModel
from mmlight.optim import OptimWrapper


class TinyModel(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(3, 1)
        with torch.no_grad():
            self.linear.weight.fill_(0.1)
            self.linear.bias.zero_()

    def forward(self, inputs: Any, target: Any = None, mode: str = "tensor") -> Any:
        pred = self.linear(inputs).squeeze(1)
        if mode == "loss":
            return dict(loss=F.mse_loss(pred, target))
        return pred


def _train(model: TinyModel) -> torch.Tensor:
    wrapper = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.1))
    data = dict(inputs=torch.arange(6.0).reshape(2, 3), target=torch.tensor([1.0, -1.0]))
    for _ in range(3):
        model.train_step(data, optim_wrapper=wrapper)
    return model.linear.weight.detach().clone()


@pytest.mark.parametrize("cfg", [None, False])
def test_disabled_compile_leaves_the_model_alone(cfg: Any) -> None:
    model = TinyModel()
    assert maybe_compile(model, cfg) is False
    assert "train_step" not in vars(model)


def test_compiled_train_step_trains_the_same() -> None:
    expected = _train(TinyModel())
    model = TinyModel()
    assert maybe_compile(model, dict(backend="aot_eager")) is True
    assert "train_step" in vars(model)  # replaced on the instance, as mmengine does
    assert "val_step" not in vars(model)  # only train_step is compiled
    torch.testing.assert_close(_train(model), expected)


def test_bad_compile_config() -> None:
    with pytest.raises(CompileConfigError, match="compile must be True/False or a dict"):
        maybe_compile(TinyModel(), "yes")
    with pytest.raises(TypeError, match="compile="):
        maybe_compile(TinyModel(), dict(backnd="eager"))
