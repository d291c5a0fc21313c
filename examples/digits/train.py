"""Train the quickstart CNN: ``python examples/digits/train.py [--work-dir DIR]``.

The same as ``mmlight-train configs/digits/cnn_digits.py`` from the repository root: load the
MMEngine-style config, build a Runner, train (Lightning runs the loop), then test the best
checkpoint's weights.
"""

from __future__ import annotations

import argparse
import os.path as osp
import sys
import time

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))
CONFIG = osp.join(ROOT, "configs", "digits", "cnn_digits.py")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=CONFIG)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--max-epochs", type=int, default=None)
    args = parser.parse_args()

    sys.path.insert(0, ROOT)  # custom_imports names examples.digits.digits_components
    from mmlight.config import Config
    from mmlight.runner import Runner

    cfg = Config.fromfile(args.config)
    if args.work_dir:
        cfg.work_dir = args.work_dir
    if args.max_epochs:
        cfg.train_cfg.max_epochs = args.max_epochs
    start = time.perf_counter()
    runner = Runner.from_cfg(cfg)
    runner.train()
    # CheckpointHook(save_best=...) recorded the best validation checkpoint; test its weights.
    best = runner.message_hub.get_info("best_ckpt")
    if best:
        runner.load_checkpoint(best)
    metrics = runner.test()
    seconds = time.perf_counter() - start
    tested = f"the best checkpoint ({osp.basename(best)})" if best else "the last weights"
    print(f"test accuracy {metrics['digits/accuracy']:.2f}% with {tested} after {seconds:.1f} s; "
          f"checkpoints and logs in {runner.work_dir}")


if __name__ == "__main__":
    main()
