"""The quickstart's model, dataset and metric, written as an OpenMMLab codebase writes them.

Only the imports say ``mmlight``; with ``mmengine`` in their place this module runs under
MMEngine's Runner unchanged.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import Dataset

from mmlight.evaluator import BaseMetric
from mmlight.model import BaseModel
from mmlight.registry import DATASETS, METRICS, MODELS


@DATASETS.register_module()
class DigitsDataset(Dataset):
    """scikit-learn's 1797 8x8 digit images, split 80/20 by a fixed permutation."""

    METAINFO = dict(classes=tuple(str(d) for d in range(10)))

    def __init__(self, split: str = "train", val_fraction: float = 0.2, seed: int = 0) -> None:
        try:
            from sklearn.datasets import load_digits
        except ImportError as error:  # pragma: no cover - depends on the environment
            raise ImportError(
                "the digits quickstart needs scikit-learn: pip install 'mmlight[examples]'"
            ) from error
        if split not in ("train", "val"):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        digits = load_digits()
        images = torch.tensor(digits.images, dtype=torch.float32) / 16.0
        labels = torch.tensor(digits.target, dtype=torch.long)
        order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
        n_val = int(len(labels) * val_fraction)
        chosen = order[:n_val] if split == "val" else order[n_val:]
        self.images = images[chosen].unsqueeze(1)  # N x 1 x 8 x 8
        self.labels = labels[chosen]
        self.metainfo = dict(self.METAINFO)

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return dict(inputs=self.images[index], data_samples=self.labels[index])


@MODELS.register_module()
class DigitsCNN(BaseModel):
    """Two 3x3 convolutions, a 2x2 max-pool and a two-layer classifier head."""

    def __init__(self, channels: tuple[int, int] = (16, 32), hidden: int = 64) -> None:
        super().__init__()
        c1, c2 = channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c1, 3, padding=1), nn.ReLU(),
            nn.Conv2d(c1, c2, 3, padding=1), nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Linear(c2 * 4 * 4, hidden), nn.ReLU(), nn.Linear(hidden, 10)
        )

    def forward(self, inputs: Any, data_samples: Any = None, mode: str = "tensor") -> Any:
        images = torch.stack(inputs) if isinstance(inputs, (list, tuple)) else inputs
        logits = self.head(self.features(images))
        if mode == "tensor":
            return logits
        labels = torch.stack(data_samples) if isinstance(data_samples, (list, tuple)) \
            else data_samples
        if mode == "loss":
            return dict(loss=F.cross_entropy(logits, labels))
        return [dict(pred=int(p), label=int(t)) for p, t in zip(logits.argmax(1), labels)]


@METRICS.register_module()
class DigitsAccuracy(BaseMetric):
    """Top-1 accuracy in percent, as OpenMMLab's classification metrics report it."""

    default_prefix = "digits"

    def process(self, data_batch: Any, data_samples: list[dict]) -> None:
        self.results.extend(int(s["pred"] == s["label"]) for s in data_samples)

    def compute_metrics(self, results: list[int]) -> dict[str, float]:
        return dict(accuracy=100.0 * sum(results) / len(results))
