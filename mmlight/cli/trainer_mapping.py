"""How each ``--trainer.*`` flag (and ``--seed_everything``) reaches an MMEngine run.

The Runner builds the ``lightning.Trainer`` from the config, so a Trainer flag either edits
the MMEngine config where MMEngine owns the concept (epochs, iterations, validation interval,
gradient clipping, accumulation, seeding, work_dir) or passes through to ``cfg.trainer``, the
extra Trainer arguments the Runner hands to its Trainer. ``TRAINER_FLAGS`` is the whole table;
a test checks it names every ``Trainer.__init__`` parameter.

Only flags whose value differs from Lightning's default act, so the ``trainer:`` section that
``--print_config`` writes (all defaults spelled out) leaves the config alone.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from typing import Any

from mmlight.cli.errors import CLIError

__all__ = [
    "CONFIG_FLAGS",
    "PASS_THROUGH",
    "TRAINER_FLAGS",
    "apply_seed",
    "apply_trainer_flags",
    "changed_trainer_flags",
    "is_plain",
]


def _train_cfg(cfg: Any, flag: str) -> Any:
    train_cfg = cfg.get("train_cfg", None)
    if train_cfg is None:
        raise CLIError(f"--trainer.{flag} edits train_cfg, but the config has no train_cfg")
    return train_cfg


def _is_iter_based(train_cfg: Mapping[str, Any]) -> bool:
    kind = str(train_cfg.get("type", ""))
    if kind:
        return "IterBased" in kind
    by_epoch = train_cfg.get("by_epoch", None)
    return by_epoch is False or (by_epoch is None and "max_iters" in train_cfg)


def _set_max_epochs(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    train_cfg = _train_cfg(cfg, "max_epochs")
    if _is_iter_based(train_cfg):  # switch to epoch-based training, as the flag asks
        train_cfg.pop("max_iters", None)
        if train_cfg.get("type") == "IterBasedTrainLoop":
            train_cfg["type"] = "EpochBasedTrainLoop"
        elif "by_epoch" in train_cfg:
            train_cfg["by_epoch"] = True
    train_cfg["max_epochs"] = value


def _set_max_iters(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    train_cfg = _train_cfg(cfg, "max_steps")
    if not _is_iter_based(train_cfg):  # switch to iteration-based training
        train_cfg.pop("max_epochs", None)
        if train_cfg.get("type") == "EpochBasedTrainLoop":
            train_cfg["type"] = "IterBasedTrainLoop"
        else:
            train_cfg["by_epoch"] = False
    train_cfg["max_iters"] = value


def _set_val_interval(by_epoch: bool) -> Callable[[Any, Any, Mapping[str, Any]], None]:
    flag = "check_val_every_n_epoch" if by_epoch else "val_check_interval"

    def apply(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, int):
            raise CLIError(
                f"--trainer.{flag}={value!r}: MMEngine validates every N "
                f"{'epochs' if by_epoch else 'iterations'}, so give a whole number"
            )
        train_cfg = _train_cfg(cfg, flag)
        if _is_iter_based(train_cfg) == by_epoch:
            right = "val_check_interval" if by_epoch else "check_val_every_n_epoch"
            raise CLIError(
                f"--trainer.{flag} does not fit this {'iteration' if by_epoch else 'epoch'}"
                f"-based train_cfg; use --trainer.{right}"
            )
        train_cfg["val_interval"] = value

    return apply


def _set_work_dir(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    cfg["work_dir"] = str(value)


def _set_accumulation(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    _optim_wrapper(cfg, "accumulate_grad_batches")["accumulative_counts"] = value


def _set_clip(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    if value is None:
        return
    wrapper = _optim_wrapper(cfg, "gradient_clip_val")
    if flags.get("gradient_clip_algorithm") == "value":
        wrapper["clip_grad"] = dict(type="value", clip_value=value)
    else:
        wrapper["clip_grad"] = dict(max_norm=value, norm_type=2)


def _check_clip_algorithm(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    if value not in (None, "norm", "value"):
        raise CLIError(
            f"--trainer.gradient_clip_algorithm={value!r}: valid choices are 'norm', 'value'"
        )


def _set_deterministic(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    if not isinstance(value, bool):
        raise CLIError(
            f"--trainer.deterministic={value!r}: MMEngine's randomness.deterministic is true or "
            "false"
        )
    cfg.setdefault("randomness", {})["deterministic"] = value


def _set_benchmark(cfg: Any, value: Any, flags: Mapping[str, Any]) -> None:
    if value is not None:
        cfg.setdefault("env_cfg", {})["cudnn_benchmark"] = bool(value)


def _optim_wrapper(cfg: Any, flag: str) -> Any:
    wrapper = cfg.get("optim_wrapper", None)
    if wrapper is None:
        raise CLIError(f"--trainer.{flag} edits optim_wrapper, but the config has none")
    return wrapper


# Flags that edit the MMEngine config: flag -> (config key it sets, how).
CONFIG_FLAGS: dict[str, tuple[str, Callable[[Any, Any, Mapping[str, Any]], None]]] = {
    "max_epochs": ("train_cfg.max_epochs (epoch-based loop)", _set_max_epochs),
    "max_steps": ("train_cfg.max_iters (iteration-based loop)", _set_max_iters),
    "check_val_every_n_epoch": ("train_cfg.val_interval (epoch-based)", _set_val_interval(True)),
    "val_check_interval": ("train_cfg.val_interval (iteration-based)", _set_val_interval(False)),
    "default_root_dir": ("work_dir", _set_work_dir),
    "accumulate_grad_batches": ("optim_wrapper.accumulative_counts", _set_accumulation),
    "gradient_clip_val": ("optim_wrapper.clip_grad", _set_clip),
    "gradient_clip_algorithm": ("optim_wrapper.clip_grad (with gradient_clip_val)",
                                _check_clip_algorithm),
    "deterministic": ("randomness.deterministic", _set_deterministic),
    "benchmark": ("env_cfg.cudnn_benchmark", _set_benchmark),
}

# Flags handed to the Trainer the Runner builds (``cfg.trainer``), and what they control.
PASS_THROUGH: dict[str, str] = {
    name: "cfg.trainer"
    for name in (
        "accelerator", "strategy", "devices", "num_nodes", "precision", "logger", "callbacks",
        "fast_dev_run", "min_epochs", "min_steps", "max_time", "limit_train_batches",
        "limit_val_batches", "limit_test_batches", "limit_predict_batches", "overfit_batches",
        "num_sanity_val_steps", "log_every_n_steps", "enable_checkpointing",
        "enable_progress_bar", "enable_model_summary", "inference_mode",
        "use_distributed_sampler", "profiler", "detect_anomaly", "barebones", "plugins",
        "sync_batchnorm", "reload_dataloaders_every_n_epochs", "enable_autolog_hparams",
        "model_registry",
    )
}

TRAINER_FLAGS: dict[str, str] = {
    **{name: target for name, (target, _) in CONFIG_FLAGS.items()},
    **PASS_THROUGH,
}


def trainer_defaults() -> dict[str, Any]:
    import lightning.pytorch as pl

    return {
        name: param.default
        for name, param in inspect.signature(pl.Trainer.__init__).parameters.items()
        if param.default is not inspect.Parameter.empty
    }


def changed_trainer_flags(values: Mapping[str, Any]) -> dict[str, Any]:
    """The flags whose value differs from ``lightning.Trainer``'s default."""
    defaults = trainer_defaults()
    return {k: v for k, v in values.items() if k not in defaults or v != defaults[k]}


def is_plain(value: Any) -> bool:
    """Data a config file can hold (so it may go into ``cfg.trainer`` and be dumped)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    if isinstance(value, Mapping):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    return False


def apply_trainer_flags(cfg: Any, flags: Mapping[str, Any]) -> dict[str, Any]:
    """Apply changed Trainer ``flags`` to ``cfg``; return the objects (callbacks, loggers...)
    that cannot live in a config and go straight to ``runner.trainer_kwargs``."""
    objects: dict[str, Any] = {}
    for name, value in flags.items():
        if name in CONFIG_FLAGS:
            CONFIG_FLAGS[name][1](cfg, value, flags)
        elif name in PASS_THROUGH:
            if is_plain(value):
                trainer = cfg.get("trainer", None)
                if trainer is None:
                    cfg["trainer"] = {}
                    trainer = cfg["trainer"]
                trainer[name] = value
            else:
                objects[name] = value
        else:
            raise CLIError(f"--trainer.{name} is not a lightning.Trainer argument mmlight knows")
    return objects


def apply_seed(cfg: Any, seed: bool | int | None) -> None:
    """``--seed_everything N`` -> ``randomness.seed=N``; ``true`` -> a random seed (None)."""
    if seed is None or seed is False:
        return
    cfg.setdefault("randomness", {})["seed"] = None if seed is True else int(seed)
