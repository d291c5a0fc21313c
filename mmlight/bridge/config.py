"""Configs cross between mmengine and mmlight as the receiving side's ``Config`` (file, text kept).

mmengine's ``RUNNERS.build(cfg)`` (a repo's ``tools/train.py`` with ``runner_type``) calls
``Runner.from_cfg`` with mmengine's ``Config``; mmlight's Runner, its visualizer's
``add_config`` and its config dump expect mmlight's. The other way, mmengine's visualizers
(a downstream ``SegLocalVisualizer``) and vis backends insist on mmengine's ``Config`` in
``add_config``. The values are plain dicts either way (``to_dict``), so only the container
changes; ``filename`` names the experiment and ``text`` is what the config dumps record.
"""

from __future__ import annotations

import sys
from typing import Any

from mmengine.config import Config as MmengineConfig
from mmengine.config import ConfigDict as MmengineConfigDict

from mmlight.config import Config

__all__ = ["as_mmengine_config", "as_mmlight_config", "config_for"]

# mmengine's classes whose ``add_config`` asserts an mmengine ``Config``: (module, class).
_ENGINE_CONFIG_TAKERS = (
    ("mmengine.visualization.visualizer", "Visualizer"),
    ("mmengine.visualization.vis_backend", "BaseVisBackend"),
)


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


def as_mmengine_config(cfg: Any) -> Any:
    """``cfg`` as mmengine's ``Config`` if it is mmlight's, else as is."""
    if not isinstance(cfg, Config):
        return cfg
    return MmengineConfig(
        cfg.to_dict(),
        cfg_text=cfg.text,
        filename=cfg.filename,
        env_variables=dict(cfg.env_variables or {}),
    )


def config_for(consumer: Any, cfg: Any) -> Any:
    """``cfg`` in the ``Config`` class ``consumer`` takes: mmengine's for mmengine's visualizers
    and vis backends, mmlight's (as is) for everything else."""
    for module, name in _ENGINE_CONFIG_TAKERS:
        engine_module = sys.modules.get(module)
        if engine_module is not None and isinstance(consumer, getattr(engine_module, name)):
            return as_mmengine_config(cfg)
    return cfg
