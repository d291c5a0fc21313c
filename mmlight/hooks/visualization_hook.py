"""``VisualizationHook``: draw validation and test predictions through the visualizer.

mmengine itself has no such hook; the OpenMMLab task libraries each define one
(``DetVisualizationHook``, ``SegVisualizationHook``, ...) with the same arguments and flow, which
this generic version follows: off unless ``draw=True``; during validation the first sample of
every ``interval``-th batch is recorded; during test every sample is, and with ``test_out_dir``
the drawn images are also written to ``<log_dir>/<test_out_dir>/``.
"""

from __future__ import annotations

import os
import os.path as osp
from collections.abc import Sequence
from typing import Any

from mmlight.hooks._vis_images import iter_samples
from mmlight.hooks.errors import positive_int
from mmlight.hooks.hook import DATA_BATCH, Hook
from mmlight.registry import HOOKS

__all__ = ["VisualizationHook"]


@HOOKS.register_module()
class VisualizationHook(Hook):
    """Send images with predictions to ``runner.visualizer.add_datasample``.

    Args:
        draw: whether to draw at all (off by default: drawing costs time).
        interval: record every ``interval``-th validation/test batch.
        show: ask the visualizer to display each image (``add_datasample(show=True)``).
        wait_time: seconds ``show`` waits.
        test_out_dir: folder under the log dir for drawn test images (None: not written).
        backend_args: accepted for compatibility; files are written locally.
    """

    priority = "NORMAL"

    def __init__(
        self,
        draw: bool = False,
        interval: int = 50,
        show: bool = False,
        wait_time: float = 0.0,
        test_out_dir: str | None = None,
        backend_args: dict | None = None,
    ) -> None:
        self.draw = draw
        self.interval = positive_int("VisualizationHook", "interval", interval)
        self.show = show
        self.wait_time = wait_time
        self.test_out_dir = test_out_dir
        self.backend_args = backend_args
        self._test_index = 0

    def after_val_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if not self._records(batch_idx):
            return
        step = int(getattr(runner, "iter", 0)) + batch_idx
        for name, image, prediction in iter_samples(data_batch, outputs, "val", batch_idx):
            self._add(runner.visualizer, f"val_{name}", image, prediction, step)
            break  # one sample per recorded batch, as the task libraries do

    def before_test(self, runner: Any) -> None:
        self._test_index = 0

    def after_test_iter(
        self,
        runner: Any,
        batch_idx: int,
        data_batch: DATA_BATCH = None,
        outputs: Sequence | None = None,
    ) -> None:
        if not self._records(batch_idx):
            return
        visualizer = runner.visualizer
        for name, image, prediction in iter_samples(data_batch, outputs, "test", batch_idx):
            self._test_index += 1
            self._add(visualizer, f"test_{name}", image, prediction, self._test_index)
            if self.test_out_dir is not None:
                self._write(runner, name, visualizer, image)

    def _records(self, batch_idx: int) -> bool:
        return bool(self.draw) and self.every_n_inner_iters(batch_idx, self.interval)

    def _add(self, visualizer: Any, name: str, image: Any, prediction: Any, step: int) -> None:
        visualizer.add_datasample(
            name, image, data_sample=prediction, show=self.show,
            wait_time=int(self.wait_time), step=step,
        )  # fmt: skip

    def _write(self, runner: Any, name: str, visualizer: Any, image: Any) -> None:
        from mmlight.visualization._png import write_png

        folder = osp.join(str(runner.log_dir), self.test_out_dir or "")
        os.makedirs(folder, exist_ok=True)
        stem = osp.splitext(name)[0]
        drawn = image
        if getattr(visualizer, "_image", None) is not None:
            drawn = visualizer.get_image()  # what add_datasample drew, when it drew
        write_png(osp.join(folder, f"{stem}.png"), drawn)
