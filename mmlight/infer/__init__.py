"""Inference on top of a trained model (``mmengine.infer``'s API): :class:`BaseInferencer`."""

from mmlight.infer.infer import BaseInferencer

__all__ = ["BaseInferencer"]
