"""``mmengine.runner.base_loop``'s import path for :class:`~mmlight.runner.loops.BaseLoop`."""

from mmlight.runner.loops import BaseLoop

__all__ = ["BaseLoop"]
