"""A two-input linear regressor for Runner tests: ``loss`` is MSE, ``predict`` yields each
sample's absolute error."""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from mmlight.model import BaseModel

__all__ = ["TinyRegressor"]


class TinyRegressor(BaseModel):
    def __init__(self) -> None:
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        out = self.linear(torch.stack(inputs)).squeeze(1)
        if mode == "loss":
            return dict(loss=F.mse_loss(out, torch.tensor(data_samples)))
        if mode == "predict":
            return [dict(err=abs(o - t)) for o, t in zip(out.tolist(), data_samples)]
        return out
