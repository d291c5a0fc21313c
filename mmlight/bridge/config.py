"""An mmengine ``Config`` handed to mmlight becomes mmlight's, keeping its file and text.

mmengine's ``RUNNERS.build(cfg)`` (a repo's ``tools/train.py`` with ``runner_type``) calls
``Runner.from_cfg`` with mmengine's ``Config``; mmlight's Runner, its visualizer's
``add_config`` and its config dump expect mmlight's. The values are plain dicts either way
(``to_dict``), so only the container changes; ``filename`` names the experiment and ``text``
is what the work_dir's config dump and the visualizer record.
"""

from __future__ import annotations

from typing import Any

from mmengine.config import Config as MmengineConfig
from mmengine.config import ConfigDict as MmengineConfigDict

from mmlight.config import Config

__all__ = ["as_mmlight_config"]


def as_mmlight_config(cfg: Any) -> Any:
    """``cfg`` as mmlight's ``Config`` if it is mmengine's ``Config``/``ConfigDict``, else as is."""
    if isinstance(cfg, MmengineConfig):
        return Config(
            cfg.to_dict(),
            cfg_text=cfg.text,
            filename=cfg.filename,
            env_variables=dict(getattr(cfg, "env_variables", None) or {}),
        )
    if isinstance(cfg, MmengineConfigDict):
        return Config(cfg.to_dict())
    return cfg
