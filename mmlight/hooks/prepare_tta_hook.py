"""Test-time augmentation: wrap the model in a TTA model when testing starts.

``PrepareTTAHook(tta_cfg)`` is mmengine's hook of the same name (``mmengine.hooks``, defined in
its ``test_time_aug_hook`` module): in ``before_test`` it builds ``tta_cfg`` from ``MODELS`` with
``module=runner.model`` and makes the result the runner's model. ``build_runner_with_tta(cfg)``
builds a runner from a config that has ``tta_model`` and ``tta_pipeline``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mmlight.hooks.errors import HookArgumentTypeError
from mmlight.hooks.hook import Hook
from mmlight.registry import HOOKS, MODELS, RUNNERS, config_key_path

__all__ = ["PrepareTTAHook", "build_runner_with_tta"]


class TTAConfigError(KeyError, AssertionError):
    """The config lacks ``tta_model``/``tta_pipeline`` (mmengine asserts)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


@HOOKS.register_module()
class PrepareTTAHook(Hook):
    """Replace ``runner.model`` by ``MODELS.build({**tta_cfg, 'module': runner.model})``.

    Args:
        tta_cfg: config of the TTA model (a ``BaseTTAModel`` subclass); its ``module`` key is
            filled in with the runner's model.
    """

    def __init__(self, tta_cfg: dict) -> None:
        if not isinstance(tta_cfg, Mapping):
            raise HookArgumentTypeError(
                "PrepareTTAHook: tta_cfg must be the config dict of a TTA model, e.g. "
                f"dict(type='MyTTAModel'), got {type(tta_cfg).__name__}"
            )
        self.tta_cfg = tta_cfg

    def before_test(self, runner: Any) -> None:
        # mmengine writes `module` into tta_cfg itself; do the same so code reading it agrees.
        self.tta_cfg["module"] = runner.model
        with config_key_path("tta_model"):
            runner.model = MODELS.build(self.tta_cfg)


def build_runner_with_tta(cfg: Any) -> Any:
    """A runner whose test dataset uses ``cfg.tta_pipeline`` and whose model is wrapped in
    ``cfg.tta_model`` when testing starts."""
    missing = [key for key in ("tta_model", "tta_pipeline") if key not in cfg]
    if missing:
        raise TTAConfigError(
            f"build_runner_with_tta: the config has no {' or '.join(repr(k) for k in missing)}; "
            "define tta_model (the TTA model config) and tta_pipeline (the test pipeline with "
            "augmentations) in it"
        )
    cfg["test_dataloader"]["dataset"]["pipeline"] = cfg["tta_pipeline"]
    if "runner_type" in cfg:
        runner = RUNNERS.build(cfg)
    else:
        from mmlight.runner import Runner

        runner = Runner.from_cfg(cfg)
    runner.register_hook(PrepareTTAHook(tta_cfg=cfg["tta_model"]))
    return runner
