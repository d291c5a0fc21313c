"""Run MMCV 1.x-era code (mmdet 2.x, mmseg 0.x, mmcls 0.x): translate what the runner owns
into an MMEngine-style config (``config_translation``), run 1.x hooks (``hook_adapter``,
``runner_view``, ``legacy_hook``) and 1.x models (``model_adapter``) as they are.
Importing this package does not import torch."""

__all__: list[str] = []
