"""``mmlight``: one entry point for the Lightning-style stages and the migration helpers.

Dispatch happens on the first word before anything heavy is imported, so ``mmlight --help``
and the helpers that need no torch stay fast.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["HELPERS", "HELPER_COMMANDS", "STAGES", "main"]

STAGES = ("fit", "validate", "test", "predict")
# helper command -> (what it does, the module whose ``main(argv)`` runs it); imported on use.
HELPER_COMMANDS = {
    "print-config": (
        "print the fully resolved MMEngine config (after _base_ and --cfg-options)",
        "mmlight.cli.print_config",
    ),
    "registry": (
        "list what is registered in each registry (and in which scope)",
        "mmlight.cli.registry_list",
    ),
    "check": (
        "check a config without running it; reports every problem at once",
        "mmlight.cli.check",
    ),
    "plot": (
        "draw the logged loss, lr and metrics of one or more runs into an image",
        "mmlight.cli.plot",
    ),
    "migrate-config": (
        "translate an MMCV 1.x config (mmdet 2.x, mmseg 0.x, ...) to MMEngine style",
        "mmlight.cli.migrate_config",
    ),
    "migrate-imports": (
        "rename mmengine to mmlight in a repo's Python imports (gradual migration)",
        "mmlight.cli.migrate_imports",
    ),
}
HELPERS = {name: text for name, (text, _) in HELPER_COMMANDS.items()}

USAGE = """usage: mmlight [-h] [-V] COMMAND [ARGS ...]

Run MMEngine-style configs on PyTorch Lightning.

stages (LightningCLI: --config/-c, --trainer.*, --ckpt_path, --seed_everything, --print_config):
  fit            train (Runner.train); --ckpt_path resumes from a checkpoint
  validate       run the val loop (Runner.val); --ckpt_path loads weights
  test           run the test loop (Runner.test); --ckpt_path loads weights
  predict        model.test_step over test_dataloader; --out FILE (.pt or .json)

helpers:
{helpers}

OpenMMLab-style scripts: mmlight-train CONFIG [...], mmlight-test CONFIG CHECKPOINT [...]
Every command takes --debug to show tracebacks. `mmlight COMMAND --help` for details.
"""


def _usage() -> str:
    helpers = "\n".join(f"  {name:<16} {text}" for name, text in HELPERS.items())
    return USAGE.format(helpers=helpers)


def _run_stage(argv: Sequence[str]) -> int:
    from mmlight.cli.lightning_cli import main as stage_main

    return stage_main(list(argv))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in ("-h", "--help"):
        sys.stdout.write(_usage())
        return 0 if args else 2
    command, rest = args[0], args[1:]
    if command in ("-V", "--version"):
        from mmlight import __version__

        sys.stdout.write(f"mmlight {__version__}\n")
        return 0
    if command in STAGES:
        if rest in (["-h"], ["--help"]):  # kept from the first time: no torch, no Lightning
            from mmlight.cli.help_cache import print_stage_help

            return print_stage_help(command, _run_stage)
        return _run_stage([command, *rest])
    if command in HELPER_COMMANDS:
        import importlib

        module = importlib.import_module(HELPER_COMMANDS[command][1])
        return int(module.main(rest))
    from mmlight.config.errors import did_you_mean

    choices = [*STAGES, *HELPERS]
    sys.stderr.write(
        f"mmlight: error: unknown command {command!r}.{did_you_mean(command, choices)} "
        f"Commands: {', '.join(choices)}\n"
    )
    return 2


if __name__ == "__main__":
    sys.exit(main())
