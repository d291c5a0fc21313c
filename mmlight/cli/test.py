"""``mmlight-test``: a drop-in for an OpenMMLab repo's ``tools/test.py``.

Loads ``CHECKPOINT`` as ``load_from`` and runs ``runner.test()``; ``--out`` also writes the raw
predictions (``.pkl`` as OpenMMLab does, or ``.json``/``.pt``, which load without pickle).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["build_parser", "main", "prepare_config"]

PROG = "mmlight-test"
OUT_EXTENSIONS = (".pkl", ".json", ".pt")


def build_parser() -> argparse.ArgumentParser:
    from mmlight.cli.train import LAUNCHERS
    from mmlight.config import DictAction

    parser = argparse.ArgumentParser(
        prog=PROG, description="Test a checkpoint with an MMEngine-style config (tools/test.py)."
    )
    parser.add_argument("config", help="test config file path")
    parser.add_argument("checkpoint", help="checkpoint file")
    parser.add_argument(
        "--work-dir", help="the directory to save the file containing evaluation metrics"
    )
    parser.add_argument(
        "--out", type=str,
        help="dump predictions to a file for offline evaluation (.pkl, .json or .pt)",
    )
    parser.add_argument("--show", action="store_true", help="show prediction results")
    parser.add_argument(
        "--show-dir", help="directory where painted images will be saved (needs a "
        "'visualization' entry in default_hooks)",
    )
    parser.add_argument("--wait-time", type=float, default=2, help="the interval of show (s)")
    parser.add_argument(
        "--cfg-options", nargs="+", action=DictAction,
        help="override config settings, KEY=VALUE (xxx=yyy), e.g. test_dataloader.batch_size=4",
    )
    parser.add_argument(
        "--unsafe-load", action="store_true",
        help="load checkpoints with full pickle (may run arbitrary code): only for files you "
        "trust that hold objects outside mmlight's allow-list",
    )
    parser.add_argument("--launcher", choices=LAUNCHERS, default="none", help="job launcher")
    parser.add_argument("--local_rank", "--local-rank", type=int, default=0)
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    return parser


def prepare_config(args: argparse.Namespace) -> Any:
    from mmlight.cli.outputs import check_output_path
    from mmlight.cli.resolve import (
        apply_unsafe_load,
        apply_work_dir,
        check_checkpoint,
        load_config,
    )

    if args.out is not None:
        check_output_path(args.out, "--out", OUT_EXTENSIONS)
    cfg = load_config(args.config)
    cfg.launcher = args.launcher
    if args.cfg_options is not None:
        cfg.merge_from_dict(args.cfg_options)
    apply_work_dir(cfg, args.config, args.work_dir)
    unsafe = apply_unsafe_load(cfg, args.unsafe_load, PROG)
    check_checkpoint(args.checkpoint, unsafe_load=unsafe)
    cfg.load_from = args.checkpoint
    if args.show or args.show_dir:
        _trigger_visualization(cfg, args)
    return cfg


def _trigger_visualization(cfg: Any, args: argparse.Namespace) -> None:
    hooks = cfg.get("default_hooks", None) or {}
    if "visualization" not in hooks:
        raise CLIError(
            "--show/--show-dir need a 'visualization' hook in default_hooks, e.g. "
            "default_hooks = dict(visualization=dict(type='VisualizationHook'))"
        )
    hook = hooks["visualization"]
    hook["draw"] = True
    if args.show:
        hook["show"] = True
        hook["wait_time"] = args.wait_time
    if args.show_dir:
        hook["test_out_dir"] = args.show_dir


def _add_dump_metric(runner: Any, out: str) -> None:
    from mmlight.cli.outputs import check_output_path, safe_dump_metric

    if check_output_path(out, "--out", OUT_EXTENSIONS) == ".pkl":
        from mmlight.evaluator import DumpResults

        metric: Any = DumpResults(out_file_path=out)
    else:
        metric = safe_dump_metric(out)
    runner.test_evaluator.metrics.append(metric)


def _body(argv: list[str], phase: Phase) -> None:
    args = build_parser().parse_args(argv)
    if "LOCAL_RANK" not in os.environ:
        os.environ["LOCAL_RANK"] = str(args.local_rank)
    from mmlight.cli.resolve import build_runner

    cfg = prepare_config(args)
    for stage_key in ("test_dataloader", "test_cfg", "test_evaluator"):
        if cfg.get(stage_key, None) is None:
            raise CLIError(
                f"{args.config} has no `{stage_key}`: testing needs test_dataloader, test_cfg "
                "and test_evaluator"
            )
    runner = build_runner(cfg)
    if args.out is not None:
        _add_dump_metric(runner, args.out)
    phase.running()
    runner.test()


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)


if __name__ == "__main__":
    sys.exit(main())
