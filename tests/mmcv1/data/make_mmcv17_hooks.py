"""Record what an MMCV 1.x hook sees under MMCV 1.7.2's own runners, for ``mmcv17_hooks.json``.

Runs ``legacy_run``'s net and recorder hook (subclassing ``mmcv.runner.Hook``) under the real
``EpochBasedRunner`` (workflow ``[('train', 1), ('val', 1)]``) and ``IterBasedRunner``
(workflow ``[('train', 1)]``), with the lr/momentum, optimizer and text-logger hooks
``tools/train.py`` would register (``legacy_run.SCHEDULES``), on CPU. The tests replay the same run under mmlight and compare call by call.
Regenerate (MMCV 1.7.2's source on the path; it needs no compiled ops):

    git -C <mmcv clone> archive v1.7.2 mmcv | tar -x -C /tmp/mmcv17
    PYTHONPATH=/tmp/mmcv17 python tests/mmcv1/data/make_mmcv17_hooks.py [OUT.json]
"""

from __future__ import annotations

import json
import logging
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from legacy_run import (  # noqa: E402
    BATCH_SIZE,
    LR,
    MAX_EPOCHS,
    MAX_ITERS,
    MOMENTUM,
    SCHEDULES,
    LegacyNet,
    PairDataset,
    make_recorder,
    train_samples,
    val_samples,
)
from make_mmcv17_schedules import _stub_torchvision  # noqa: E402


def _run(kind: str) -> list[dict]:
    import torch
    from mmcv.runner import EpochBasedRunner, Hook, IterBasedRunner
    from torch.utils.data import DataLoader

    model = LegacyNet()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    calls: list[dict] = []
    with tempfile.TemporaryDirectory() as work_dir:
        logger = logging.getLogger(f"mmcv17-{kind}")
        if kind == "epoch":
            runner = EpochBasedRunner(
                model, optimizer=optimizer, work_dir=work_dir, logger=logger,
                max_epochs=MAX_EPOCHS,
            )  # fmt: skip
        else:
            runner = IterBasedRunner(
                model, optimizer=optimizer, work_dir=work_dir, logger=logger, max_iters=MAX_ITERS
            )
        runner.register_training_hooks(
            lr_config=SCHEDULES[kind]["lr_config"],
            momentum_config=SCHEDULES[kind]["momentum_config"],
            optimizer_config=dict(grad_clip=None),
            log_config=dict(interval=2, hooks=[dict(type="TextLoggerHook")]),
        )
        runner.register_hook(make_recorder(Hook)(calls), priority="NORMAL")
        train = DataLoader(PairDataset(train_samples()), batch_size=BATCH_SIZE, shuffle=False)
        val = DataLoader(PairDataset(val_samples()), batch_size=BATCH_SIZE, shuffle=False)
        if kind == "epoch":
            runner.run([train, val], [("train", 1), ("val", 1)])
        else:
            runner.run([train], [("train", 1)])
    return calls


def main() -> None:
    _stub_torchvision()
    time.sleep = lambda seconds: None  # the runners pause between epochs for their loggers
    import mmcv

    assert mmcv.__version__ == "1.7.2", mmcv.__version__
    out = {"mmcv": mmcv.__version__, "epoch": _run("epoch"), "iter": _run("iter")}
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "mmcv17_hooks.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"recorded {len(out['epoch'])} + {len(out['iter'])} hook calls")


if __name__ == "__main__":
    main()
