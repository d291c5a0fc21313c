"""Is a loaded config of the MMCV 1.x generation? (Cheap: no torch, no translation.)"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["MMCV1_KEYS", "MMENGINE_KEYS", "is_loop_config", "is_mmcv1_config"]

# Top-level keys only an MMCV 1.x runner reads.
MMCV1_KEYS = (
    "runner",
    "total_epochs",
    "workflow",
    "lr_config",
    "momentum_config",
    "optimizer_config",
    "checkpoint_config",
    "log_config",
    "evaluation",
    "resume_from",
)
# Keys that make a config MMEngine-style, whatever else it has.
MMENGINE_KEYS = ("optim_wrapper", "train_dataloader", "param_scheduler", "default_hooks")


def is_loop_config(value: Any) -> bool:
    """``train_cfg`` of an MMEngine loop (not the model-level ``train_cfg`` of old mmdet)."""
    if not isinstance(value, Mapping):
        return False
    kind = str(value.get("type", ""))
    return kind.endswith("Loop") or any(
        key in value for key in ("max_epochs", "max_iters", "val_interval", "by_epoch")
    )


def is_mmcv1_config(cfg: Mapping[str, Any]) -> bool:
    """MMCV 1.x keys (``runner``, ``lr_config``, ``data=dict(samples_per_gpu=...)``, ...) and
    none of MMEngine's (``optim_wrapper``, ``train_dataloader``, a loop ``train_cfg``)."""
    if any(key in cfg for key in MMENGINE_KEYS) or is_loop_config(cfg.get("train_cfg")):
        return False
    data = cfg.get("data")
    old_data = isinstance(data, Mapping) and (
        "samples_per_gpu" in data or "imgs_per_gpu" in data or "workers_per_gpu" in data
    )
    return old_data or any(key in cfg for key in MMCV1_KEYS)
