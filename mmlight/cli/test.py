"""``mmlight-test``: a drop-in for an OpenMMLab repo's ``tools/test.py``.

Loads ``CHECKPOINT`` as ``load_from`` and runs ``runner.test()``; ``--out`` also writes the raw
predictions (``.pkl`` as OpenMMLab does, or ``.json``/``.pt``, which load without pickle).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["build_parser", "main", "prepare_config"]

PROG = "mmlight-test"
OUT_EXTENSIONS = (".pkl", ".json", ".pt")


def build_parser() -> argparse.ArgumentParser:
    from mmlight.cli import flags

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
    flags.add_cfg_options(parser, example="test_dataloader.batch_size=4")
    flags.add_unsafe_load(parser)
    flags.add_launch_flags(parser)
    flags.add_debug(parser)
    return parser


def prepare_config(args: argparse.Namespace) -> Any:
    from mmlight.cli.outputs import check_output_path
    from mmlight.cli.resolve import check_checkpoint, prepare_script_config

    if args.out is not None:
        check_output_path(args.out, "--out", OUT_EXTENSIONS)
    cfg, unsafe = prepare_script_config(args, PROG, checkpoints=[(args.checkpoint, "checkpoint")])
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
    from mmlight.cli.flags import export_local_rank
    from mmlight.cli.resolve import build_runner

    args = build_parser().parse_args(argv)
    export_local_rank(args)

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
