"""``NaiveVisualizationHook``: mmengine's minimal hook that draws test predictions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mmlight.hooks._vis_images import iter_samples
from mmlight.hooks.errors import positive_int
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["NaiveVisualizationHook"]


@HOOKS.register_module()
class NaiveVisualizationHook(Hook):
    """Record the model graph before training and draw every ``interval``-th test batch.

    Each test sample goes to ``runner.visualizer.add_datasample(name, image, prediction, ...)``;
    the base ``Visualizer`` draws nothing, task visualizers (detection, segmentation) do.

    Args:
        interval: draw every ``interval`` test batches.
        draw_gt: ask the visualizer to draw the ground truth.
        draw_pred: ask the visualizer to draw the prediction.
    """

    priority = "NORMAL"

    def __init__(self, interval: int = 1, draw_gt: bool = True, draw_pred: bool = True) -> None:
        self._interval = positive_int("NaiveVisualizationHook", "interval", interval)
        self.draw_gt = draw_gt
        self.draw_pred = draw_pred

    def before_train(self, runner: Any) -> None:
        runner.visualizer.add_graph(runner.model, None)

    def after_test_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if not self.every_n_inner_iters(batch_idx, self._interval):
            return
        for name, image, prediction in iter_samples(data_batch, outputs, "test", batch_idx):
            runner.visualizer.add_datasample(
                name,
                image,
                data_sample=prediction,
                draw_gt=self.draw_gt,
                draw_pred=self.draw_pred,
                step=batch_idx,
            )
