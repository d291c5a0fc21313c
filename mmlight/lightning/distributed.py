"""Launchers and ``env_cfg`` -> Lightning devices, strategy and cluster environment.

(Placeholder: only ``launcher='none'``; the scale-out issue fills this in.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

__all__ = ["DistributedSetup", "setup_distributed"]


@dataclass
class DistributedSetup:
    """What the Runner needs to know about the process group, and what the Trainer gets."""

    launcher: str = "none"
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    trainer_kwargs: dict[str, Any] = field(default_factory=dict)

    @property
    def distributed(self) -> bool:
        return self.launcher != "none"


def setup_distributed(
    launcher: str,
    env_cfg: dict,
    model_wrapper_cfg: dict | None = None,
    strategy: Any = None,
    trainer_kwargs: dict[str, Any] | None = None,
) -> DistributedSetup:
    if env_cfg.get("cudnn_benchmark"):
        torch.backends.cudnn.benchmark = True
    if launcher != "none":
        raise NotImplementedError(
            f"launcher={launcher!r} is not supported yet; run with launcher='none'"
        )
    return DistributedSetup(trainer_kwargs=dict(accelerator="auto", devices=1))
