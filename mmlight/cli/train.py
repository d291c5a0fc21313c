"""``mmlight-train``: a drop-in for an OpenMMLab repo's ``tools/train.py``.

Same flags, same order of edits to the config (launcher, ``--cfg-options``, work_dir, AMP,
auto-scale-lr, resume), then ``runner.train()``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from typing import Any

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["build_parser", "main", "prepare_config"]

PROG = "mmlight-train"


def build_parser() -> argparse.ArgumentParser:
    from mmlight.cli import flags

    parser = argparse.ArgumentParser(
        prog=PROG, description="Train a model from an MMEngine-style config (tools/train.py)."
    )
    parser.add_argument("config", help="train config file path")
    parser.add_argument("--work-dir", help="the dir to save logs and models")
    parser.add_argument(
        "--amp", action="store_true", default=False,
        help="enable automatic-mixed-precision training (OptimWrapper -> AmpOptimWrapper)",
    )
    parser.add_argument(
        "--auto-scale-lr", action="store_true", help="enable automatically scaling LR"
    )
    parser.add_argument(
        "--resume", nargs="?", type=str, const="auto",
        help="resume from this checkpoint; without a path, from the latest one in work_dir",
    )
    flags.add_cfg_options(parser, example="optim_wrapper.optimizer.lr=0.1")
    flags.add_unsafe_load(parser)
    flags.add_launch_flags(parser)
    flags.add_debug(parser)
    return parser


def prepare_config(args: argparse.Namespace) -> Any:
    """The config ``tools/train.py`` would hand to the Runner."""
    from mmlight.cli.resolve import prepare_script_config

    resumed = [] if args.resume in (None, "auto") else [(args.resume, "--resume")]
    cfg, unsafe = prepare_script_config(args, PROG, checkpoints=resumed)
    if args.amp:
        _enable_amp(cfg)
    if args.auto_scale_lr:
        scale = cfg.get("auto_scale_lr", None)
        if not scale or "enable" not in scale or "base_batch_size" not in scale:
            raise CLIError(
                "--auto-scale-lr needs auto_scale_lr = dict(enable=False, base_batch_size=N) in "
                f"{args.config} (can not find 'auto_scale_lr', 'auto_scale_lr.enable' or "
                "'auto_scale_lr.base_batch_size')"
            )
        cfg.auto_scale_lr.enable = True
    if args.resume == "auto":
        cfg.resume = True
        cfg.load_from = None
    elif args.resume is not None:
        from mmlight.cli.resolve import check_checkpoint

        check_checkpoint(args.resume, "--resume", unsafe_load=unsafe)
        cfg.resume = True
        cfg.load_from = args.resume
    return cfg


def _enable_amp(cfg: Any) -> None:
    from mmlight.logging import print_log

    wrapper = cfg.get("optim_wrapper", None)
    if wrapper is None:
        raise CLIError("--amp needs an `optim_wrapper` in the config; it has none")
    kind = wrapper.get("type", "OptimWrapper")
    if kind == "AmpOptimWrapper":
        print_log(
            "AMP training is already enabled in your config.", logger="current",
            level=logging.WARNING,
        )
        return
    if kind != "OptimWrapper":
        raise CLIError(
            f"--amp is only supported when optim_wrapper.type is 'OptimWrapper', but the config "
            f"says {kind!r}"
        )
    wrapper.type = "AmpOptimWrapper"
    wrapper.loss_scale = "dynamic"


def _body(argv: list[str], phase: Phase) -> None:
    from mmlight.cli.flags import export_local_rank
    from mmlight.cli.resolve import build_runner

    args = build_parser().parse_args(argv)
    export_local_rank(args)

    runner = build_runner(prepare_config(args), training=True)
    phase.running()
    runner.train()


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
