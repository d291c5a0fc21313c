"""mmlight's Runner under torchrun (2 CPU ranks) validating and testing with an mmengine
``BaseMetric``; every rank saves the metrics it was given to ``<out>/rank<r>.pt``.

Usage: python ddp_metric_script.py WORK_DIR OUT (started by tests/bridge/test_evaluator.py).
"""

from __future__ import annotations

import os
import sys
from typing import Any

import mmengine.evaluator as engine_evaluator  # (the import activates the bridge)
import torch
from mmengine.registry import METRICS

from mmlight.dist import get_dist_info
from mmlight.runner import Runner

# Imported by file location, not as ``tests.runner``: mmsegmentation's wheel installs a top-level
# ``tests`` package, which shadows this repository's (a namespace package) in the interop env.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, "runner"))
import ddp_script  # noqa: F401  (registers DDPLineDataset and DDPLineModel)


@METRICS.register_module()
class EngineIndexMetric(engine_evaluator.BaseMetric):
    """Which samples were evaluated (padding duplicates would show) and their mean error."""

    default_prefix = "engine"

    def process(self, data_batch: Any, data_samples: Any) -> None:
        self.results.extend(data_samples)

    def compute_metrics(self, results: list) -> dict:
        return dict(
            indices=sorted(r["index"] for r in results),
            mae=sum(r["err"] for r in results) / len(results),
        )


def _loader(size: int, seed: int) -> dict:
    return dict(
        batch_size=4,
        dataset=dict(type="DDPLineDataset", size=size, seed=seed),
        sampler=dict(type="DefaultSampler", shuffle=False),
        collate_fn=dict(type="pseudo_collate"),
    )


def main() -> None:
    work_dir, out = sys.argv[1], sys.argv[2]
    # (arguments, not a Config: an Evaluator object has no source form to dump)
    runner = Runner(
        model=dict(type="DDPLineModel"),
        work_dir=work_dir,
        # 13 and 11 samples over 2 ranks of batch 4: the samplers pad, the metric must not count.
        val_dataloader=_loader(13, 1),
        val_evaluator=dict(type="EngineIndexMetric"),
        val_cfg=dict(),
        test_dataloader=_loader(11, 2),
        test_evaluator=engine_evaluator.Evaluator(EngineIndexMetric(prefix="engine_test")),
        test_cfg=dict(),
        launcher=os.environ.get("LAUNCHER", "pytorch"),
    )
    result = dict(val=runner.val(), test=runner.test(), world_size=get_dist_info()[1])
    os.makedirs(out, exist_ok=True)
    torch.save(result, os.path.join(out, f"rank{get_dist_info()[0]}.pt"))


if __name__ == "__main__":
    main()
