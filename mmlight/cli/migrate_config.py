"""``mmlight migrate-config OLD.py [-o NEW.py]``: an MMCV 1.x config as an MMEngine-style one."""

from __future__ import annotations

import argparse
import os.path as osp
import sys
from collections.abc import Sequence

from mmlight.cli.errors import CLIError, Phase, run_guarded

__all__ = ["main"]

PROG = "mmlight migrate-config"


def build_parser() -> argparse.ArgumentParser:
    from mmlight.cli import flags

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Translate an MMCV 1.x config (mmdet 2.x, mmseg 0.x, mmcls 0.x) into an "
        "MMEngine-style config: runner, evaluation, optimizer, lr/momentum policies, hooks, "
        "logging, data loaders, environment. Fields that need your attention get a # NOTE.",
    )
    parser.add_argument("config", help="the MMCV 1.x config file (_base_ files are resolved)")
    parser.add_argument("-o", "--output", help="write the new config here (default: stdout)")
    parser.add_argument(
        "-f", "--force", action="store_true", help="overwrite --output if it exists"
    )
    flags.add_debug(parser)
    return parser


def _body(argv: list[str], phase: Phase) -> None:
    from mmlight.cli.resolve import _add_cwd_to_path
    from mmlight.config import Config
    from mmlight.mmcv1.config_translation import translate_config
    from mmlight.mmcv1.detect import is_mmcv1_config
    from mmlight.mmcv1.render import render_config

    args = build_parser().parse_args(argv)
    if args.output and osp.exists(args.output) and not args.force:
        raise CLIError(f"{args.output} exists; pass --force to overwrite it")
    _add_cwd_to_path()
    old = Config.fromfile(args.config, import_custom_modules=False).to_dict()
    if not is_mmcv1_config(old):
        raise CLIError(
            f"{args.config} is not an MMCV 1.x config (it has no runner, lr_config, "
            "optimizer_config, ... or already has MMEngine keys such as optim_wrapper or "
            "train_dataloader); nothing to migrate"
        )
    translation = translate_config(old)
    text = render_config(translation, osp.basename(args.config))
    if args.output:
        with open(args.output, "w", encoding="utf-8") as file:
            file.write(text)
        sys.stderr.write(
            f"{PROG}: wrote {args.output} ({translation.note_count} NOTE(s) to review)\n"
        )
    else:
        sys.stdout.write(text)


def main(argv: Sequence[str] | None = None) -> int:
    return run_guarded(PROG, _body, argv)
