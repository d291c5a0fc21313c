"""``mmlight fit|validate|test|predict``: LightningCLI over MMEngine configs.

The parser is LightningCLI's (``-c/--config`` repeatable, ``--trainer.*``, ``--ckpt_path``,
``--seed_everything``, ``--print_config``, ``--help``) with the MMEngine config as one more
top-level key, ``cfg``, in place of ``model``/``data``. ``--config`` files are read by a
jsonargparse loader: an MMEngine ``.py``/``.json``/``.yaml`` config goes through
``mmlight.config.Config`` (``_base_``, ``{{...}}``, ``read_base``, ``custom_imports``) and
becomes ``cfg``; the YAML ``--print_config`` writes is read as is. Several configs merge in the
order given, as ``_base_`` files do. The stage then runs through the Runner, which builds the
Trainer from ``cfg.trainer``. jsonargparse sees tuples as lists (YAML has none); the config the
Runner gets has the config files' tuples back (``crop_size=(512, 1024)``: OpenMMLab transforms
insist on tuples), also where a later YAML config gives a list for one; ``--cfg.*`` and
``--cfg-options`` edits are read as OpenMMLab's ``DictAction`` reads them (``(a,b)`` a tuple).
"""

from __future__ import annotations

import os
import os.path as osp
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import yaml
from lightning.pytorch.cli import LightningArgumentParser, LightningCLI

from mmlight.cli.argv import check_config_paths, split_argv
from mmlight.cli.errors import CLIError, Phase, run_guarded
from mmlight.cli.resolve import (
    apply_unsafe_load,
    apply_work_dir,
    build_runner,
    check_checkpoint,
    import_custom_modules,
    parse_cfg_options,
    to_plain,
)
from mmlight.cli.trainer_mapping import (
    CONFIG_FLAGS,
    apply_seed,
    apply_trainer_flags,
    changed_trainer_flags,
    trainer_defaults,
)

__all__ = ["PARSER_MODE", "MMLightCLI", "main", "with_tuples"]

PARSER_MODE = "mmlight"
# Top-level keys of the YAML --print_config writes; a YAML file with only these is read as is.
CLI_KEYS = frozenset(
    {"cfg", "trainer", "seed_everything", "ckpt_path", "config", "verbose", "weights_only",
     "return_predictions", "out"}
)
RUNNER_KEYS = (
    "model", "work_dir", "train_dataloader", "val_dataloader", "test_dataloader", "train_cfg",
    "val_cfg", "test_cfg", "auto_scale_lr", "optim_wrapper", "param_scheduler", "val_evaluator",
    "test_evaluator", "default_hooks", "custom_hooks", "data_preprocessor", "load_from",
    "resume", "launcher", "env_cfg", "log_processor", "log_level", "visualizer",
    "default_scope", "randomness", "experiment_name", "trainer", "custom_imports",
)
EPILOG = (
    "MMEngine config edits: --cfg-options KEY=VALUE ... (as tools/train.py) or "
    "--cfg.KEY.PATH VALUE. --trainer.max_epochs/max_steps/check_val_every_n_epoch/"
    "val_check_interval/default_root_dir/accumulate_grad_batches/gradient_clip_val edit "
    "train_cfg, work_dir and optim_wrapper; other --trainer.* flags go to cfg.trainer. "
    "--seed_everything N sets randomness.seed. --ckpt_path resumes (fit) or loads weights "
    "(validate/test/predict). --unsafe_load (or --unsafe-load) sets cfg.unsafe_load: "
    "checkpoints holding objects outside mmlight's allow-list load with full pickle, which can "
    "run code. Add --debug for tracebacks."
)


class _Sources:
    """The MMEngine configs read during one parse, merged in order."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.merged: dict[str, Any] | None = None
        self.typed: dict[str, Any] = {}  # merged as read: tuples kept
        self.filename: str | None = None
        self.error: BaseException | None = None

    def add(self, data: dict[str, Any], filename: str | None) -> dict[str, Any]:
        from mmlight.config import Config

        # a later YAML's list where an earlier config has a tuple stays a tuple
        self.typed = with_tuples(Config._merge_a_into_b(data, self.typed), self.typed)
        if self.merged is None:
            self.merged = to_plain(data)
        else:
            self.merged = to_plain(Config._merge_a_into_b(data, self.merged))
        if self.filename is None and filename is not None:
            self.filename = filename
        return dict(self.merged or {})


_SOURCES = _Sources()


def with_tuples(value: Any, typed: Any) -> Any:
    """``value`` (parsed: lists only) with a tuple wherever ``typed`` (the configs as read) has
    one; elsewhere as is."""
    if isinstance(value, Mapping) and isinstance(typed, Mapping):
        return {k: with_tuples(v, typed[k]) if k in typed else v for k, v in value.items()}
    if isinstance(value, list) and isinstance(typed, (list, tuple)):
        if len(value) == len(typed):
            value = [with_tuples(v, t) for v, t in zip(value, typed, strict=True)]
        return tuple(value) if isinstance(typed, tuple) else value
    return value


def _is_printed_yaml(data: Any) -> bool:
    return isinstance(data, dict) and bool(data) and set(data) <= CLI_KEYS and (
        "cfg" in data or "trainer" in data
    )


def _load(content: str, path: Any = "", ext_vars: Any = None) -> Any:
    """jsonargparse loader: config files (``path`` set) and command-line values (no path)."""
    if not path:
        return yaml.safe_load(content)
    # jsonargparse loads with the config's folder as the working directory and hands over a
    # path relative to it: make it absolute now, the run reads it again later.
    path = osp.abspath(str(path))
    try:
        if osp.splitext(path)[1].lower() in (".yaml", ".yml"):
            data = yaml.safe_load(content)
            if _is_printed_yaml(data):
                if data.get("cfg") is not None:
                    data["cfg"] = _SOURCES.add(data["cfg"], None)
                return data
        from mmlight.cli.resolve import load_config

        cfg = load_config(path)
        return {"cfg": _SOURCES.add(cfg.to_dict(), path)}
    except Exception as error:
        # jsonargparse would reword it; keep the original for the error report.
        _SOURCES.error = error
        raise TypeError(str(error)) from error


def _register_loader() -> None:
    from jsonargparse import set_loader

    set_loader(PARSER_MODE, _load, exceptions=(yaml.YAMLError,))


class MMLightCLI(LightningCLI):
    """LightningCLI whose model is an MMEngine config and whose stages run through the Runner."""

    def __init__(
        self, args: Sequence[str] | None = None, phase: Phase | None = None, build: bool = True
    ) -> None:
        """``build=False`` stops after the config is final (``self.final_cfg``): for tools and
        tests that want what a run would use without running it."""
        self.phase = phase or Phase()
        self._build = build
        self.final_cfg: Any = None
        self.unsafe_load = False  # --unsafe-load given, or unsafe_load=True in the config
        self.runner: Any = None
        self.predict_out: str | None = None
        _register_loader()
        super().__init__(
            save_config_callback=None,
            seed_everything_default=None,  # type: ignore[arg-type]
            parser_kwargs={name: {"epilog": EPILOG} for name in self.subcommands()},
            args=list(args) if args is not None else None,
            auto_configure_optimizers=False,
            load_from_checkpoint_support=False,
        )

    # -- parser ----------------------------------------------------------------------------
    def init_parser(self, **kwargs: Any) -> LightningArgumentParser:
        kwargs.update(parser_mode=PARSER_MODE, exit_on_error=False)
        parser = super().init_parser(**kwargs)
        for action in parser._actions:
            if "--config" in action.option_strings:
                action.help = (
                    "MMEngine config (.py/.json/.yaml, with _base_ etc.) or a YAML written by "
                    "--print_config; repeatable, later files override earlier ones"
                )
        return parser

    def add_default_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.add_argument(
            "--seed_everything", type=bool | int | None, default=None,
            help="An int sets the config's randomness.seed; true draws a random seed; "
            "unset keeps the config's randomness.",
        )

    def add_core_arguments_to_parser(self, parser: LightningArgumentParser) -> None:
        parser.add_lightning_class_args(self.trainer_class, "trainer")
        parser.add_argument(
            "--cfg", type=dict | None, default=None,
            help="The resolved MMEngine config (filled by --config). Keys a Runner reads: "
            + ", ".join(RUNNER_KEYS) + ". Edit with --cfg.KEY.PATH VALUE or --cfg-options.",
        )

    def _prepare_subcommand_parser(
        self, klass: type, subcommand: str, **kwargs: Any
    ) -> LightningArgumentParser:
        parser = super()._prepare_subcommand_parser(klass, subcommand, **kwargs)
        if subcommand == "predict":
            parser.add_argument(
                "--out", type=str | None, default=None,
                help="Where predictions go: .pt (torch.load(..., weights_only=True)) or .json; "
                "default <work_dir>/predictions.pt",
            )
        return parser

    def parse_arguments(self, parser: LightningArgumentParser, args: Any) -> None:
        from argparse import ArgumentError

        split = split_argv(sys.argv[1:] if args is None else args)
        _SOURCES.reset()
        check_config_paths(split.rest)
        try:
            self.config = parser.parse_args(split.rest)
        except ArgumentError as error:
            if _SOURCES.error is not None:
                raise _SOURCES.error from None
            options = [
                option
                for sub in getattr(self, "_subcommand_parsers", {}).values()
                for action in sub._actions
                for option in action.option_strings
            ]
            raise CLIError(_short_argument_error(str(error), options)) from error
        subcommand = self.config["subcommand"]
        namespace = self.config[subcommand]
        self.cfg = self._resolve(namespace, split.cfg_options)
        self.unsafe_load = apply_unsafe_load(self.cfg, split.unsafe_load, f"mmlight {subcommand}")
        namespace["cfg"] = to_plain(self.cfg.to_dict())
        if split.print_config is not None:
            _fold_config_flags(self.cfg, namespace)
            sub_parser = self._subcommand_parsers[subcommand]
            sys.stdout.write(_dump(sub_parser, namespace, split.print_config))
            raise SystemExit(0)

    def _resolve(self, namespace: Any, cfg_options: list[str]) -> Any:
        from mmlight.config import Config

        data = namespace.get("cfg")
        if not data:
            raise CLIError(
                "no MMEngine config given: pass one with --config CONFIG (a .py/.json/.yaml "
                "config, or a YAML written by --print_config)"
            )
        cfg = Config(with_tuples(data, _SOURCES.typed), filename=_SOURCES.filename)
        if cfg_options:
            cfg.merge_from_dict(parse_cfg_options(cfg_options))
        apply_work_dir(cfg, _SOURCES.filename)
        return cfg

    # -- LightningCLI steps mmlight replaces ---------------------------------------------
    def _parse_ckpt_path(self) -> None:
        """MMEngine checkpoints carry no Lightning hyper-parameters to read."""

    def _set_seed(self) -> None:
        """Seeding is the Runner's job (``randomness``); see ``apply_seed``."""

    def instantiate_classes(self) -> None:
        subcommand = self.config["subcommand"]
        namespace = self.config[subcommand]
        self.config_init = self.parser.instantiate_classes(self.config)
        trainer_values = dict(self.config_init[subcommand]["trainer"])
        cfg = self.cfg
        import_custom_modules(cfg, _SOURCES.filename or "the config")
        objects = apply_trainer_flags(cfg, changed_trainer_flags(trainer_values))
        apply_seed(cfg, namespace.get("seed_everything"))
        self._apply_ckpt_path(cfg, subcommand, namespace.get("ckpt_path"), self.unsafe_load)
        if subcommand == "predict":
            self.predict_out = namespace.get("out") or osp.join(cfg.work_dir, "predictions.pt")
            from mmlight.cli.outputs import check_output_path

            check_output_path(self.predict_out, "--out")
        self.final_cfg = cfg
        self.model = self.datamodule = None
        self.trainer = None  # type: ignore[assignment]  # the Runner builds the Trainer
        if not self._build:
            return
        self.runner = build_runner(cfg, training=subcommand == "fit")
        self.runner.trainer_kwargs.update(objects)
        self.model = self.runner.model

    @staticmethod
    def _apply_ckpt_path(
        cfg: Any, subcommand: str, ckpt_path: Any, unsafe_load: bool = False
    ) -> None:
        if ckpt_path is None:
            return
        ckpt_path = str(ckpt_path)
        pointer_dir = None  # the work_dir whose last_checkpoint named the file
        if ckpt_path == "last":
            if subcommand == "fit":
                cfg.resume, cfg.load_from = True, None
                return
            ckpt_path = _last_checkpoint(cfg.work_dir)
            pointer_dir = cfg.work_dir
        elif ckpt_path in ("best", "hpc", "registry"):
            raise CLIError(
                f"--ckpt_path {ckpt_path!r} is a Lightning checkpoint alias mmlight cannot "
                "resolve; give a checkpoint path (or 'last' for the latest in work_dir)"
            )
        try:
            check_checkpoint(ckpt_path, "--ckpt_path", unsafe_load=unsafe_load)
        except CLIError as error:
            if pointer_dir is not None:
                from mmlight.runner.runner_checkpoint import pointed_at_by_last_checkpoint
                from mmlight.utils.error_notes import set_note

                set_note(error, pointed_at_by_last_checkpoint(pointer_dir, ckpt_path))
            raise
        if subcommand == "fit":
            cfg.resume = True
        cfg.load_from = ckpt_path

    def _run_subcommand(self, subcommand: str) -> None:
        if not self._build:
            return
        self.phase.running()
        if subcommand == "fit":
            self.runner.train()
        elif subcommand == "validate":
            self.runner.val()
        elif subcommand == "test":
            self.runner.test()
        else:
            from mmlight.cli.predict import run_predict
            from mmlight.runner.failure_context import failures_located

            assert self.predict_out is not None  # set in instantiate_classes
            with failures_located(self.runner, "predict"):
                run_predict(self.runner, self.cfg, self.predict_out)


def _fold_config_flags(cfg: Any, namespace: Any) -> None:
    """Make ``--print_config`` write what will run: the ``--trainer.*`` flags that edit the
    MMEngine config (``CONFIG_FLAGS``) and ``--seed_everything`` are applied to a copy of
    ``cfg`` and go back to their defaults in the printed ``trainer`` section."""
    import copy

    trainer = namespace.get("trainer")
    if trainer is None:
        return
    mapped = changed_trainer_flags({name: trainer.get(name) for name in CONFIG_FLAGS})
    folded = copy.deepcopy(cfg)
    apply_trainer_flags(folded, mapped)
    apply_seed(folded, namespace.get("seed_everything"))
    namespace["cfg"] = to_plain(folded.to_dict())
    defaults = trainer_defaults()
    for name in mapped:
        trainer[name] = defaults[name]
    namespace["seed_everything"] = None


def _dump(parser: LightningArgumentParser, namespace: Any, flags: str) -> str:
    """YAML of ``namespace``; ``flags`` as jsonargparse's --print_config takes them."""
    import inspect

    wanted = {f.strip() for f in flags.split(",") if f.strip()}
    unknown = wanted - {"skip_null", "skip_unset", "skip_default"}
    if unknown:
        raise CLIError(
            f"--print_config={flags}: unknown flag(s) {sorted(unknown)}; valid: skip_default, "
            "skip_unset (alias skip_null)"
        )
    kwargs: dict[str, Any] = dict(format="yaml", skip_default="skip_default" in wanted)
    skip = bool(wanted & {"skip_null", "skip_unset"})
    if "skip_unset" in inspect.signature(parser.dump).parameters:
        kwargs["skip_unset"] = skip
    else:  # jsonargparse < 4.49
        kwargs["skip_none"] = skip
    return str(parser.dump(namespace, **kwargs))


def _last_checkpoint(work_dir: str) -> str:
    marker = osp.join(work_dir, "last_checkpoint")
    if not osp.isfile(marker):
        raise CLIError(
            f"--ckpt_path last: no {marker} (written by CheckpointHook); give a checkpoint path"
        )
    with open(marker, encoding="utf-8") as file:
        return file.read().strip()


def _short_argument_error(message: str, options: Sequence[str] = ()) -> str:
    """jsonargparse explains a bad value over many lines; say it in one, with a suggestion
    for a misspelt flag."""
    import re

    lines = [line.strip() for line in message.splitlines() if line.strip()]
    if not lines:
        return message
    head = lines[0].rstrip(":")
    expected = [
        m.group(1) for line in lines if (m := re.match(r"- Expected a <class '(\w+)'>", line))
    ]
    given = next((line.split(":", 1)[1].strip() for line in lines
                  if line.startswith("Given value:")), None)
    if expected or given is not None:
        text = head + ":"
        if expected:
            text += " expected " + " or ".join(e.replace("NoneType", "null") for e in expected)
        if given is not None:
            text += f", got {given!r}"
        return text
    unknown = re.match(r"unrecognized arguments: (\S+)", head)
    if unknown and options:
        from mmlight.config.errors import did_you_mean

        flag = unknown.group(1).split("=")[0]
        return head + did_you_mean(flag, options)
    return "; ".join(lines[:3])


def main(argv: Sequence[str] | None = None, prog: str = "mmlight") -> int:
    """Run ``fit|validate|test|predict`` with ``argv`` (without the program name)."""

    def body(args: list[str], phase: Phase) -> None:
        # Lightning's own calls trip jsonargparse deprecation notices users cannot act on.
        os.environ.setdefault("JSONARGPARSE_DEPRECATION_WARNINGS", "off")
        MMLightCLI(args=args, phase=phase)

    return run_guarded(prog, body, argv)


if __name__ == "__main__":
    sys.exit(main())
