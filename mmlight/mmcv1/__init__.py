"""Run MMCV 1.x-era configs (mmdet 2.x, mmseg 0.x, mmcls 0.x): translate what the runner owns
into an MMEngine-style config. Importing this package does not import torch."""

__all__: list[str] = []
