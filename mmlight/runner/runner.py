"""``Runner``: MMEngine's facade, with a Lightning ``Trainer`` underneath.

The constructor, the builders and the attributes hooks read follow MMEngine's ``Runner``;
``train()``, ``val()`` and ``test()`` hand the loop to Lightning (see ``mmlight.lightning``).
Components are built lazily, for the stage that is run, in MMEngine's order - the order in
which random numbers are drawn depends on it.
"""

from __future__ import annotations

import copy
import functools
import os.path as osp
import random
import time
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from mmlight.bridge import as_mmlight_config, config_for, share_run_globals
from mmlight.registry import (
    EVALUATOR,
    LOG_PROCESSORS,
    LOOPS,
    MODELS,
    PARAM_SCHEDULERS,
    RUNNERS,
    DefaultScope,
    config_key_path,
)
from mmlight.runner.hook_registry import HookRegistryMixin

__all__ = ["Runner", "set_random_seed"]


def set_random_seed(
    seed: int | None = None, deterministic: bool = False, diff_rank_seed: bool = False
) -> int:
    """Seed python, numpy and torch the way MMEngine does; returns the seed used."""
    from mmlight.dist import get_rank, sync_random_seed

    if seed is None:
        seed = sync_random_seed()
    if diff_rank_seed:
        seed += get_rank()
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    if deterministic:
        torch.backends.cudnn.deterministic = True
        torch.backends.cudnn.benchmark = False
        torch.use_deterministic_algorithms(True)
    return seed


_STAGE_ARGS = {
    "train": ("train_dataloader", "train_cfg", "optim_wrapper"),
    "val": ("val_dataloader", "val_cfg", "val_evaluator"),
    "test": ("test_dataloader", "test_cfg", "test_evaluator"),
}


class AutoScaleLrError(KeyError, AssertionError):
    """``auto_scale_lr`` enabled without ``base_batch_size`` (mmengine asserts)."""

    def __str__(self) -> str:  # the message, not KeyError's repr of it
        return str(self.args[0]) if self.args else ""


class LoopConfigError(RuntimeError, ValueError):
    """A train_cfg with both ``type`` and ``by_epoch`` (mmengine raises RuntimeError)."""


class ParamSchedulerOrderError(RuntimeError, AssertionError):
    """Parameter schedulers built before their optimizer wrapper (mmengine asserts)."""


class ParamSchedulerArgumentError(ValueError, AssertionError):
    """A ``param_scheduler`` entry of the wrong kind (mmengine asserts on these)."""


def _check_param_scheduler_arg(param_scheduler: Any) -> None:
    """mmengine's shape rules for ``param_scheduler``, checked before anything is built.

    Accepted: None, a scheduler, a scheduler config dict (with ``type``), a list of schedulers
    or of config dicts (each with ``type``), or a dict mapping optimizer names to those.
    """
    if param_scheduler is None:
        return
    from mmlight.optim.scheduler.scheduler_bases import is_param_scheduler

    def single(item: Any) -> bool:
        return is_param_scheduler(item) or isinstance(item, Mapping)

    if is_param_scheduler(param_scheduler):
        return
    if isinstance(param_scheduler, (list, tuple)):
        if all(is_param_scheduler(item) for item in param_scheduler):
            return
        if all(isinstance(item, Mapping) for item in param_scheduler):
            for item in param_scheduler:
                if "type" not in item:
                    raise ParamSchedulerArgumentError(
                        "Each parameter scheduler should contain the key type, but got "
                        f"{dict(item)!r}"
                    )
            return
    elif isinstance(param_scheduler, Mapping):
        if "type" in param_scheduler:
            return
        for name, value in param_scheduler.items():
            if not (single(value) or isinstance(value, (list, tuple))):
                raise ParamSchedulerArgumentError(
                    "Each value of `param_scheduler` should be a dict or a list (the schedulers "
                    f"of optimizer {name!r}), but got {type(value).__name__}: {value!r}"
                )
        return
    raise TypeError(
        "`param_scheduler` should be a `_ParamScheduler`, `dict`, list or a tuple (of "
        "schedulers or of scheduler config dicts, or a dict of those per optimizer name), but "
        f"got {type(param_scheduler).__name__}: {param_scheduler!r}"
    )


def _check_stage_args(stage: str, values: dict[str, Any]) -> None:
    """MMEngine's rule: a stage's three arguments are all given or all None."""
    names = _STAGE_ARGS[stage]
    given = [name for name in names if values[name] is not None]
    if given and len(given) != len(names):
        missing = [name for name in names if values[name] is None]
        raise ValueError(
            f"{', '.join(names)} should be either all None or not None: "
            f"{', '.join(given)} given without {', '.join(missing)}; the {stage} stage needs "
            f"all of them (or none of them, to skip {stage})"
        )


# Also the name mmengine's RUNNERS finds it by (a repo's tools/train.py with
# ``runner_type='MMLightRunner'``): mmengine's registries fall back to mmlight's (mmlight.bridge).
@RUNNERS.register_module(name="MMLightRunner")
@RUNNERS.register_module()
class Runner(HookRegistryMixin):
    """Build a model, data, optimizers and hooks from config pieces and run them."""

    cfg: Any

    def __init__(
        self,
        model: nn.Module | dict,
        work_dir: str,
        train_dataloader: Any = None,
        val_dataloader: Any = None,
        test_dataloader: Any = None,
        train_cfg: dict | None = None,
        val_cfg: dict | None = None,
        test_cfg: dict | None = None,
        auto_scale_lr: dict | None = None,
        optim_wrapper: Any = None,
        param_scheduler: Any = None,
        val_evaluator: Any = None,
        test_evaluator: Any = None,
        default_hooks: dict | None = None,
        custom_hooks: list | None = None,
        data_preprocessor: dict | None = None,
        load_from: str | None = None,
        resume: bool = False,
        launcher: str = "none",
        env_cfg: dict | None = None,
        log_processor: dict | None = None,
        log_level: str | int = "INFO",
        visualizer: Any = None,
        default_scope: str | None = "mmengine",
        randomness: dict | None = None,
        experiment_name: str | None = None,
        cfg: Any = None,
    ) -> None:
        local = dict(locals())
        for stage in _STAGE_ARGS:
            _check_stage_args(stage, local)
        if param_scheduler is not None and optim_wrapper is None:
            raise ValueError(
                "param_scheduler should be None when optim_wrapper is None: schedulers act on "
                "the training optimizer, and this runner has no train stage"
            )
        _check_param_scheduler_arg(param_scheduler)
        from mmlight.runner.config_checks import check_runner_arguments

        # Bad values refused before anything is built or written (not even the work_dir).
        check_runner_arguments(local)
        from mmlight.runner.work_dir import prepare_work_dir

        # A local folder (made absolute, as MMEngine does) or an fsspec URL kept as written.
        self._work_dir = prepare_work_dir(work_dir)
        # (an mmengine Config, from a repo's own tools: mmlight's, filename and text kept)
        self.cfg = copy.deepcopy(as_mmlight_config(cfg)) if cfg is not None else _plain_config()
        if isinstance(self.cfg, dict):  # a plain dict becomes a Config, as under MMEngine
            self.cfg = _plain_config(self.cfg)
        self._train_dataloader = train_dataloader
        self._train_loop: Any = train_cfg
        self.optim_wrapper: Any = optim_wrapper
        self.auto_scale_lr = auto_scale_lr
        self.param_schedulers: Any = param_scheduler
        self._val_dataloader = val_dataloader
        self._val_evaluator = val_evaluator
        self._val_loop: Any = val_cfg
        self._test_dataloader = test_dataloader
        self._test_evaluator = test_evaluator
        self._test_loop: Any = test_cfg

        from mmlight.lightning.distributed import setup_distributed

        self._env_cfg = dict(env_cfg or dict(dist_cfg=dict(backend="nccl")))
        cfg_get = getattr(self.cfg, "get", None)
        # Extra ``lightning.Trainer`` arguments (the config's ``trainer`` dict, the CLI's
        # ``--trainer.*`` flags); they override what the factory derives.
        trainer_cfg = cfg_get("trainer") if cfg_get else None
        self.trainer_kwargs: dict[str, Any] = dict(trainer_cfg or {})
        self._dist = setup_distributed(
            launcher,
            self._env_cfg,
            model_wrapper_cfg=cfg_get("model_wrapper_cfg") if cfg_get else None,
            strategy=cfg_get("strategy") if cfg_get else None,
            trainer_kwargs=self.trainer_kwargs,
            sync_bn=cfg_get("sync_bn") if cfg_get else None,
            find_unused_parameters=bool(cfg_get("find_unused_parameters", False))
            if cfg_get else False,
        )
        self._launcher = self._dist.launcher  # 'pytorch' after a launch from one process
        self._distributed = self._dist.distributed
        self._rank, self._world_size = self._dist.rank, self._dist.world_size
        self._trainer: Any = None
        self._randomness_cfg = dict(randomness or dict(seed=None))
        self.set_randomness(**self._randomness_cfg)

        # Rank 0's clock, so every rank names the same log directory.
        self._timestamp = time.strftime("%Y%m%d_%H%M%S", time.localtime(self._dist.timestamp))
        if experiment_name is not None:
            self._experiment_name = f"{experiment_name}_{self._timestamp}"
        elif getattr(self.cfg, "filename", None):
            stem = osp.splitext(osp.basename(self.cfg.filename))[0]
            self._experiment_name = f"{stem}_{self._timestamp}"
        else:
            self._experiment_name = self._timestamp
        from mmlight.runner.work_dir import prepare_log_dir

        self._log_dir = prepare_log_dir(self._work_dir, self._timestamp)

        self.default_scope: Any = default_scope
        if default_scope is not None:
            self.default_scope = DefaultScope.get_instance(
                self._experiment_name, scope_name=default_scope
            )
        # mmengine's current instances follow (only where mmengine is imported: mmlight.bridge),
        # each as soon as it exists, so code run by the next builder already sees it.
        share_run_globals(default_scope=self.default_scope)
        self.log_processor = self.build_log_processor(log_processor or {})
        self.logger = self.build_logger(log_level=log_level)
        self._log_env(self._env_cfg)
        self.message_hub = self.build_message_hub()
        share_run_globals(logger=self.logger, message_hub=self.message_hub)
        self.visualizer = self.build_visualizer(visualizer)
        share_run_globals(visualizer=self.visualizer)
        if self.visualizer is not None and len(self.cfg):
            # mmengine's visualizers (SegLocalVisualizer) take mmengine's Config only
            self.visualizer.add_config(config_for(self.visualizer, self.cfg))

        self._load_from = load_from
        self._resume = resume
        self._has_loaded = False
        # Set by resume (the checkpoint's random state) and applied by resume_position.
        self._pending_rng_state: dict | None = None
        self._pending_rng: tuple[str, Any, bool] | None = None

        if isinstance(model, dict) and data_preprocessor is not None:
            model.setdefault("data_preprocessor", data_preprocessor)
        self.model = self._revert_sync_bn_unless_distributed(self.build_model(model))
        self._hooks: list[Any] = []
        self.register_hooks(default_hooks, custom_hooks)
        self.logger.info(f"Hooks will be executed in the following order:\n{self.get_hooks_info()}")
        self.dump_config()

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_cfg(cls, cfg: Any) -> Runner:
        """Build from a whole config, as MMEngine's ``Runner.from_cfg``.

        mmengine's ``Config`` is taken too (``RUNNERS.build`` in a repo's own ``tools/train.py``
        with ``runner_type='MMLightRunner'``): it becomes mmlight's, filename and text kept.
        """
        cfg = copy.deepcopy(as_mmlight_config(cfg))
        return cls(
            model=cfg["model"],
            work_dir=cfg["work_dir"],
            train_dataloader=cfg.get("train_dataloader"),
            val_dataloader=cfg.get("val_dataloader"),
            test_dataloader=cfg.get("test_dataloader"),
            train_cfg=cfg.get("train_cfg"),
            val_cfg=cfg.get("val_cfg"),
            test_cfg=cfg.get("test_cfg"),
            auto_scale_lr=cfg.get("auto_scale_lr"),
            optim_wrapper=cfg.get("optim_wrapper"),
            param_scheduler=cfg.get("param_scheduler"),
            val_evaluator=cfg.get("val_evaluator"),
            test_evaluator=cfg.get("test_evaluator"),
            default_hooks=cfg.get("default_hooks"),
            custom_hooks=cfg.get("custom_hooks"),
            data_preprocessor=cfg.get("data_preprocessor"),
            load_from=cfg.get("load_from"),
            resume=cfg.get("resume", False),
            launcher=cfg.get("launcher", "none"),
            env_cfg=cfg.get("env_cfg", dict(dist_cfg=dict(backend="nccl"))),
            log_processor=cfg.get("log_processor"),
            log_level=cfg.get("log_level", "INFO"),
            visualizer=cfg.get("visualizer"),
            default_scope=cfg.get("default_scope", "mmengine"),
            randomness=cfg.get("randomness", dict(seed=None)),
            experiment_name=cfg.get("experiment_name"),
            cfg=cfg,
        )

    def set_randomness(
        self, seed: int | None = None, diff_rank_seed: bool = False, deterministic: bool = False
    ) -> None:
        self._deterministic = deterministic
        self._seed = set_random_seed(
            seed=seed, deterministic=deterministic, diff_rank_seed=diff_rank_seed
        )

    def _log_env(self, env_cfg: Mapping[str, Any]) -> None:
        """MMEngine's opening lines: system and runtime environment, then the config."""
        from mmlight.runner.run_report import environment_text

        runtime = {
            **env_cfg, **self._randomness_cfg, "seed": self._seed,
            "Distributed launcher": self._launcher, "Distributed training": self._distributed,
            "GPU number": self._world_size,
        }  # fmt: skip
        self.logger.info(environment_text(runtime))
        if len(self.cfg):
            self.logger.info(f"Config:\n{self.cfg.pretty_text}")

    def build_log_processor(self, log_processor: Any) -> Any:
        if not isinstance(log_processor, dict):
            if not hasattr(log_processor, "get_log_after_iter"):
                raise TypeError(
                    "log processor should be a LogProcessor object or dict, but got "
                    f"{type(log_processor).__name__}"
                )
            return log_processor
        cfg = dict(log_processor)
        cfg.setdefault("type", "LogProcessor")
        with config_key_path("log_processor"):
            return LOG_PROCESSORS.build(cfg)

    def build_logger(self, log_level: str | int = "INFO", **kwargs: Any) -> Any:
        from mmlight.logging import MMLogger

        kwargs.setdefault("name", self._experiment_name)
        from mmlight.runner.work_dir import join_work_path

        # For a URL log_dir the logger stages the file locally and mirrors it to the URL.
        kwargs.setdefault("log_file", join_work_path(self._log_dir, f"{self._timestamp}.log"))
        return MMLogger.get_instance(log_level=log_level, **kwargs)

    def build_visualizer(self, visualizer: Any = None) -> Any:
        """MMEngine's rule: None means a ``Visualizer`` with a ``LocalVisBackend`` in log_dir."""
        from mmlight.registry import VISUALIZERS

        if visualizer is None:
            visualizer = dict(
                type="Visualizer",
                vis_backends=[dict(type="LocalVisBackend")],
                save_dir=self._log_dir,
            )
        if not isinstance(visualizer, Mapping):
            if not hasattr(visualizer, "add_scalars"):  # mmlight's or mmengine's Visualizer
                raise TypeError(
                    "visualizer should be Visualizer object, a dict or None, but got "
                    f"{type(visualizer).__name__}"
                )
            return visualizer
        cfg = dict(visualizer)
        cfg.setdefault("type", "Visualizer")
        cfg.setdefault("name", self._experiment_name)
        cfg.setdefault("save_dir", self._log_dir)
        with config_key_path("visualizer"):
            return VISUALIZERS.build(cfg)

    def build_message_hub(self, message_hub: dict | None = None) -> Any:
        """The experiment's ``MessageHub``; a dict gives ``get_instance`` arguments (``name``
        defaults to the experiment name), as in mmengine."""
        from mmlight.logging import MessageHub

        if message_hub is None:
            return MessageHub.get_instance(self._experiment_name)
        if not isinstance(message_hub, Mapping):
            raise TypeError(
                f"message_hub should be dict or None, but got {type(message_hub).__name__}"
            )
        kwargs = dict(message_hub)
        kwargs.setdefault("name", self._experiment_name)
        return MessageHub.get_instance(**kwargs)

    def build_model(self, model: nn.Module | dict) -> nn.Module:
        from mmlight.mmcv1.model_adapter import adapt_model  # an MMCV 1.x model trains wrapped

        if isinstance(model, nn.Module):
            return adapt_model(model)
        if isinstance(model, dict):
            with config_key_path("model"):
                return adapt_model(MODELS.build(model))
        raise TypeError(
            "model should be a nn.Module object or dict (an nn.Module or a config dict), got "
            f"{type(model).__name__}"
        )

    def _revert_sync_bn_unless_distributed(self, model: nn.Module) -> nn.Module:
        """As mmengine's wrap_model: one process has no group for SyncBatchNorm to sync over,
        so its layers become plain BatchNorm (which trains the same on one process)."""
        if self._distributed or not any(
            isinstance(m, nn.modules.batchnorm.SyncBatchNorm) for m in model.modules()
        ):
            return model
        from mmlight.model import revert_sync_batchnorm

        self.logger.info(
            "Distributed training is not used, all SyncBatchNorm (SyncBN) layers in the model "
            "will be automatically reverted to BatchNormXd layers if they are used."
        )
        return revert_sync_batchnorm(model)

    def build_dataloader(
        self,
        dataloader: Any,
        seed: int | None = None,
        diff_rank_seed: bool = False,
        cfg_key: str = "dataloader",
    ) -> Any:
        from mmlight.dataset import build_dataloader

        return build_dataloader(dataloader, seed=seed, diff_rank_seed=diff_rank_seed,
                                cfg_key=cfg_key)

    def build_evaluator(self, evaluator: Any, cfg_key: str = "evaluator") -> Any:
        from mmlight.evaluator import Evaluator
        from mmlight.evaluator.evaluator_bases import is_evaluator

        if is_evaluator(evaluator):  # mmlight's, or (with the bridge) mmengine's
            return evaluator
        # As mmengine: a bare metric object is refused (wrap it: Evaluator(metric)).
        if isinstance(evaluator, (str, bytes)) or not isinstance(evaluator, (Mapping, Sequence)):
            raise TypeError(
                "evaluator should be one of dict, list of dict, and Evaluator, but got "
                f"{type(evaluator).__name__}"
            )
        with config_key_path(cfg_key):
            if isinstance(evaluator, dict) and "metrics" in evaluator:
                cfg = dict(evaluator)
                cfg.setdefault("type", "Evaluator")
                return EVALUATOR.build(cfg)
            return Evaluator(evaluator)

    def build_optim_wrapper(self, optim_wrapper: Any) -> Any:
        from mmlight import bridge
        from mmlight.optim import OptimWrapper, OptimWrapperDict, build_optim_wrapper

        optim_wrapper = bridge.adopt(optim_wrapper)  # mmengine wrapper -> mmlight's, same optimizer
        if isinstance(optim_wrapper, (OptimWrapper, OptimWrapperDict)):
            return optim_wrapper
        if isinstance(optim_wrapper, Mapping):
            cfg = dict(optim_wrapper)
            if "optimizer" in cfg or "constructor" in cfg:
                if isinstance(cfg.get("optimizer"), torch.optim.Optimizer):
                    from mmlight.registry import OPTIM_WRAPPERS

                    cfg.setdefault("type", "OptimWrapper")
                    with config_key_path("optim_wrapper"):
                        return OPTIM_WRAPPERS.build(cfg)
                with config_key_path("optim_wrapper"):
                    return build_optim_wrapper(self.model, cfg)
            cfg = {name: bridge.adopt(value) for name, value in cfg.items()}
            if all(isinstance(v, OptimWrapper) for v in cfg.values()):
                return OptimWrapperDict(**cfg)
            if any(isinstance(v, OptimWrapper) for v in cfg.values()):
                raise ValueError(
                    "each item mush be an optimizer object when \"type\" and \"constructor\" "
                    "are not in optimizer: a dict of optim wrappers must hold only built "
                    "OptimWrappers (or use a `constructor` that builds them all), but got "
                    + ", ".join(f"{k}={type(v).__name__}" for k, v in cfg.items())
                )
        raise TypeError(
            "optimizer wrapper should be an OptimWrapper object or dict: an OptimWrapper, a dict "
            "with an `optimizer` (or `constructor`) key, or a dict of OptimWrappers; got "
            f"{optim_wrapper!r}"
        )

    def scale_lr(self, optim_wrapper: Any, auto_scale_lr: dict | None = None) -> None:
        if not auto_scale_lr or not auto_scale_lr.get("enable", False):
            return
        if "base_batch_size" not in auto_scale_lr:
            raise AutoScaleLrError(
                "Lack of `base_batch_size` in `auto_scale_lr`: auto_scale_lr needs "
                "`base_batch_size` when `enable=True`"
            )
        loader = self._train_dataloader
        batch_size = loader["batch_size"] if isinstance(loader, Mapping) else loader.batch_size
        ratio = self._world_size * batch_size / auto_scale_lr["base_batch_size"]
        from mmlight.lightning.module import iter_optim_wrappers

        for wrapper in iter_optim_wrappers(optim_wrapper):
            for group in wrapper.optimizer.param_groups:
                group["lr"] = group["lr"] * ratio

    def _build_param_scheduler(self, scheduler: Any, optim_wrapper: Any, key: str) -> list:
        from mmlight.optim.scheduler.scheduler_bases import (
            is_param_scheduler,
            scheduler_optimizer,
        )

        items = scheduler if isinstance(scheduler, Sequence) else [scheduler]
        built = []
        for index, item in enumerate(items):
            if is_param_scheduler(item):  # mmlight's, or (with the bridge) mmengine's
                built.append(item)
                continue
            if not isinstance(item, Mapping):
                raise TypeError(
                    f"{key}[{index}] must be a scheduler config dict or a scheduler, got {item!r}"
                )
            cfg = copy.deepcopy(dict(item))
            if isinstance(self._train_loop, _loops().BaseLoop):
                default_end = self.max_epochs if cfg.get("by_epoch", True) else self.max_iters
                cfg.setdefault("end", default_end)
            with config_key_path(f"{key}[{index}]"):
                built.append(
                    PARAM_SCHEDULERS.build(
                        cfg,
                        default_args=dict(
                            optimizer=scheduler_optimizer(_scheduler_class(cfg), optim_wrapper),
                            epoch_length=len(self.train_dataloader),
                        ),
                    )
                )
        return built

    def build_param_scheduler(self, scheduler: Any) -> Any:
        from mmlight.optim import OptimWrapperDict

        if isinstance(self.optim_wrapper, Mapping):  # still a config
            raise ParamSchedulerOrderError(
                "`build_optimizer` should be called before `build_param_scheduler`: the "
                "schedulers act on the built optimizer wrapper (call "
                "runner.optim_wrapper = runner.build_optim_wrapper(...) first)"
            )
        if not isinstance(self.optim_wrapper, OptimWrapperDict):
            return self._build_param_scheduler(scheduler, self.optim_wrapper, "param_scheduler")
        names = list(self.optim_wrapper.optim_wrappers)
        per_name = isinstance(scheduler, Mapping) and "type" not in scheduler
        return {
            name: self._build_param_scheduler(
                scheduler[name] if per_name else scheduler,
                self.optim_wrapper[name],
                f"param_scheduler.{name}" if per_name else "param_scheduler",
            )
            for name in names
        }

    def _build_loop(self, loop: Any, stage: str) -> Any:
        loops = _loops()
        if isinstance(loop, loops.BaseLoop):
            return loop
        if not isinstance(loop, Mapping):
            raise TypeError(
                f"{stage}_loop should be a Loop object or dict ({stage}_cfg must be a dict), "
                f"got {type(loop).__name__}"
            )
        cfg = copy.deepcopy(dict(loop))
        if stage == "train":
            default_args: dict[str, Any] = dict(runner=self, dataloader=self._train_dataloader)
            if "type" in cfg and "by_epoch" in cfg:
                raise LoopConfigError(
                    "Only one of `type` or `by_epoch` can exist in `loop_cfg`: train_cfg names "
                    f"the loop class ({cfg['type']!r}), which decides epochs or iterations"
                )
            if "type" not in cfg:
                by_epoch = cfg.pop("by_epoch", None)
                if by_epoch is None:
                    by_epoch = "max_iters" not in cfg
                cfg["type"] = loops.EpochBasedTrainLoop if by_epoch else loops.IterBasedTrainLoop
        else:
            default_args = dict(
                runner=self,
                dataloader=self._val_dataloader if stage == "val" else self._test_dataloader,
                evaluator=self._val_evaluator if stage == "val" else self._test_evaluator,
            )
            cfg.setdefault("type", loops.ValLoop if stage == "val" else loops.TestLoop)
        # Through the registry even for the default classes: a bad argument is reported with
        # the key path and the arguments the loop takes.
        with config_key_path(f"{stage}_cfg"):
            cfg["type"] = _adopted_loop_type(cfg["type"], cfg.get("_scope_"))
            return LOOPS.build(cfg, default_args=default_args)

    def build_train_loop(self, loop: Any) -> Any:
        return self._build_loop(loop, "train")

    def build_val_loop(self, loop: Any) -> Any:
        return self._build_loop(loop, "val")

    def build_test_loop(self, loop: Any) -> Any:
        return self._build_loop(loop, "test")

    def dump_config(self) -> None:
        if self._rank != 0:
            return
        if not getattr(self.cfg, "filename", None) and not len(self.cfg):
            return
        from mmlight.runner.work_dir import join_work_path

        name = osp.basename(self.cfg.filename) if self.cfg.filename else f"{self._timestamp}.py"
        from mmlight.runner.work_dir_lock import work_dir_holder

        holder = work_dir_holder(self._work_dir)
        if holder is not None:  # a training run owns the folder and its dump
            self.logger.info(
                f"work_dir {self._work_dir} is in use by another run ({holder}); this run "
                f"does not write its config dump {name} there"
            )
            return
        self.cfg.dump(join_work_path(self._work_dir, name))

    # ------------------------------------------------------------------ properties
    @property
    def experiment_name(self) -> str:
        return self._experiment_name

    @property
    def model_name(self) -> str:
        return type(self.model).__name__

    @property
    def work_dir(self) -> str:
        return self._work_dir

    @property
    def log_dir(self) -> str:
        return self._log_dir

    @property
    def timestamp(self) -> str:
        return self._timestamp

    @property
    def launcher(self) -> str:
        return self._launcher

    @property
    def distributed(self) -> bool:
        return self._distributed

    @property
    def rank(self) -> int:
        return self._rank

    @property
    def world_size(self) -> int:
        return self._world_size

    @property
    def deterministic(self) -> bool:
        return self._deterministic

    @property
    def seed(self) -> int:
        return self._seed

    @property
    def train_loop(self) -> Any:
        if self._train_loop is None:
            raise RuntimeError("`train_loop` needs train_dataloader, train_cfg and optim_wrapper")
        if not isinstance(self._train_loop, _loops().BaseLoop):
            self._train_loop = self.build_train_loop(self._train_loop)
        return self._train_loop

    @property
    def val_loop(self) -> Any:
        if self._val_loop is None:
            raise RuntimeError("`val_loop` needs val_dataloader, val_cfg and val_evaluator")
        if not isinstance(self._val_loop, _loops().BaseLoop):
            self._val_loop = self.build_val_loop(self._val_loop)
        return self._val_loop

    @property
    def test_loop(self) -> Any:
        if self._test_loop is None:
            raise RuntimeError("`test_loop` needs test_dataloader, test_cfg and test_evaluator")
        if not isinstance(self._test_loop, _loops().BaseLoop):
            self._test_loop = self.build_test_loop(self._test_loop)
        return self._test_loop

    @property
    def train_dataloader(self) -> Any:
        return self.train_loop.dataloader

    @property
    def val_dataloader(self) -> Any:
        return self.val_loop.dataloader

    @property
    def test_dataloader(self) -> Any:
        return self.test_loop.dataloader

    @property
    def val_evaluator(self) -> Any:
        return self.val_loop.evaluator

    @property
    def test_evaluator(self) -> Any:
        return self.test_loop.evaluator

    @property
    def val_interval(self) -> int:
        return getattr(self.train_loop, "val_interval", 1)

    @property
    def val_begin(self) -> int:
        return getattr(self.train_loop, "val_begin", 1)

    def _progress(self, name: str) -> int:
        # As mmengine: max_epochs/max_iters build a configured train loop (hooks read them in
        # before_train, a test may before train()); 0 when there is no train loop. An unbuilt
        # loop's epoch and iter are 0 without building it (a built one would say the same),
        # so val()/test() never build the train loop just to report progress.
        if self._train_loop is None:
            return 0
        if not isinstance(self._train_loop, _loops().BaseLoop) and name in ("epoch", "iter"):
            return 0
        loop = self.train_loop
        return int(getattr(loop, name)) if isinstance(loop, _loops().BaseLoop) else 0

    @property
    def max_epochs(self) -> int:
        return self._progress("max_epochs")

    @property
    def max_iters(self) -> int:
        return self._progress("max_iters")

    @property
    def epoch(self) -> int:
        return self._progress("epoch")

    @property
    def iter(self) -> int:
        return self._progress("iter")

    # ------------------------------------------------------------------ stages
    def train(self) -> nn.Module:
        """Train as MMEngine's ``Runner.train``, with Lightning running the loop."""
        from mmlight.runner.work_dir_lock import hold_work_dir

        # One training run per work_dir: another live one there -> refused before any write.
        hold_work_dir(self, self._work_dir, self._launcher)
        if not hasattr(self.model, "train_step"):
            raise TypeError(
                f"{type(self.model).__name__} has no train_step(): models trained by the Runner "
                "derive from mmlight.model.BaseModel (or define train_step/val_step/test_step)"
            )
        if self._train_loop is None:
            raise RuntimeError(
                "`self._train_loop` should not be None when calling train method: "
                "Runner.train() needs train_dataloader, train_cfg and optim_wrapper; the config "
                "has none of them"
            )
        self._train_loop = self.build_train_loop(self._train_loop)
        self.optim_wrapper = self.build_optim_wrapper(self.optim_wrapper)
        self.scale_lr(self.optim_wrapper, self.auto_scale_lr)
        if self.param_schedulers is not None:
            self.param_schedulers = self.build_param_scheduler(self.param_schedulers)
        if self._val_loop is not None:
            self._val_loop = self.build_val_loop(self._val_loop)
        self.call_hook("before_run")
        self._init_model_weights()
        self._turn_on_activation_checkpointing()
        self.load_or_resume()
        self.optim_wrapper.initialize_count_status(
            self.model, self.train_loop.iter, self.train_loop.max_iters
        )
        from mmlight.lightning.compile import maybe_compile

        maybe_compile(self.model, self.cfg.get("compile"), logger=self.logger)
        from mmlight.runner.run_report import model_summary_text, run_summary_text

        self.logger.info(model_summary_text(self.model))
        started = time.perf_counter()
        model = self.train_loop.run()
        self.call_hook("after_run")
        self.logger.info(run_summary_text(
            self._work_dir, self._hooks, time.perf_counter() - started,
            self.message_hub.runtime_info,
        ))  # fmt: skip
        return model

    def val(self) -> dict:
        return self._run_eval_stage("val")

    def test(self) -> dict:
        return self._run_eval_stage("test")

    def _run_eval_stage(self, stage: str) -> dict:
        """MMEngine's val()/test(): before_run, load, the loop on Lightning, after_run."""
        attr = f"_{stage}_loop"
        if getattr(self, attr) is None:
            needs = ", ".join(_STAGE_ARGS[stage])
            raise RuntimeError(
                f"`self._{stage}_loop` should not be None when calling {stage} method: "
                f"Runner.{stage}() needs {needs}"
            )
        setattr(self, attr, self._build_loop(getattr(self, attr), stage))
        self.call_hook("before_run")
        self.load_or_resume()
        metrics = getattr(self, attr).run()
        self.call_hook("after_run")
        return metrics

    def _lightning_module(self) -> Any:
        if getattr(self, "_pl_module", None) is None:
            from mmlight.lightning.module import MMLightningModule

            self._pl_module = MMLightningModule(self)
        return self._pl_module

    def _fit(self) -> nn.Module:
        from mmlight.lightning.trainer_factory import build_trainer
        from mmlight.runner.batch_source import EndlessTokens, EpochTokens
        from mmlight.runner.resume_position import position_resumed_loop

        loop = self.train_loop
        position_resumed_loop(self, loop)
        trainer = build_trainer(self, "fit")
        iter_based = isinstance(loop, _loops().IterBasedTrainLoop)
        tokens = EndlessTokens(loop.batch_source) if iter_based else EpochTokens(loop.batch_source)
        val_loaders = self.val_loop.dataloader if self._val_loop is not None else None
        trainer.fit(self._lightning_module(), train_dataloaders=tokens, val_dataloaders=val_loaders)
        return self.model

    def _restore_pending_rng(self, point: str) -> None:
        """Apply a resumed checkpoint's random state if ``point`` is the moment for it."""
        if self._pending_rng is not None:
            from mmlight.runner.resume_position import restore_pending_rng

            restore_pending_rng(self, point)

    def _evaluate(self, stage: str) -> dict:
        from mmlight.lightning.trainer_factory import build_trainer

        trainer = build_trainer(self, "validate" if stage == "val" else "test")
        dispatcher = trainer.callbacks[0]  # type: ignore[attr-defined]
        loop = self.val_loop if stage == "val" else self.test_loop
        if stage == "val":
            trainer.validate(self._lightning_module(), dataloaders=loop.dataloader, verbose=False)
        else:
            trainer.test(self._lightning_module(), dataloaders=loop.dataloader, verbose=False)
        return dispatcher.metrics[stage]

    def _turn_on_activation_checkpointing(self) -> None:
        """mmengine's ``activation_checkpointing`` config key: sub-module paths to checkpoint."""
        modules = self.cfg.get("activation_checkpointing", None)
        if modules is None:
            return
        from mmlight.runner.activation_checkpointing import turn_on_activation_checkpointing

        self.logger.info(
            f'Enabling the "activation_checkpointing" feature for sub-modules: {modules}'
        )
        turn_on_activation_checkpointing(self.model, modules)

    def _init_model_weights(self) -> None:
        init_weights = getattr(self.model, "init_weights", None)
        if callable(init_weights):
            init_weights()

    # ------------------------------------------------------------------ checkpoints
    # The logic lives in mmlight.runner.runner_checkpoint; these keep MMEngine's signatures.
    def load_or_resume(self) -> None:
        """``resume`` (a path, or True for the latest in work_dir) wins over ``load_from``."""
        from mmlight.runner import runner_checkpoint

        runner_checkpoint.load_or_resume(self)

    def load_checkpoint(
        self,
        filename: str,
        map_location: Any = "cpu",
        strict: bool = False,
        revise_keys: list[tuple[str, str]] | None = None,
    ) -> dict:
        """Load weights (never unpickling code), as MMEngine's ``Runner.load_checkpoint``."""
        from mmlight.runner import runner_checkpoint

        return runner_checkpoint.load_runner_checkpoint(
            self, filename, map_location=map_location, strict=strict, revise_keys=revise_keys
        )

    def resume(
        self,
        filename: str,
        resume_optimizer: bool = True,
        resume_param_scheduler: bool = True,
        map_location: Any = "default",
    ) -> None:
        """Restore weights, optimizer, schedulers, counters, message hub and RNG states."""
        from mmlight.runner import runner_checkpoint

        runner_checkpoint.resume_runner(
            self,
            filename,
            resume_optimizer=resume_optimizer,
            resume_param_scheduler=resume_param_scheduler,
            map_location=map_location,
        )

    def save_checkpoint(
        self,
        out_dir: str,
        filename: str,
        file_client_args: dict | None = None,
        save_optimizer: bool = True,
        save_param_scheduler: bool = True,
        meta: dict | None = None,
        by_epoch: bool = True,
        backend_args: dict | None = None,
    ) -> None:
        """Write an MMEngine-layout checkpoint atomically to ``out_dir/filename``."""
        from mmlight.runner import runner_checkpoint

        runner_checkpoint.save_runner_checkpoint(
            self,
            out_dir,
            filename,
            file_client_args=file_client_args,
            save_optimizer=save_optimizer,
            save_param_scheduler=save_param_scheduler,
            meta=meta,
            by_epoch=by_epoch,
            backend_args=backend_args,
        )


def _scheduler_class(cfg: Mapping) -> Any:
    """The class a scheduler config names (None when it names none PARAM_SCHEDULERS knows:
    building it then says so)."""
    scheduler_type = cfg.get("type")
    if not isinstance(scheduler_type, str):
        return scheduler_type
    with PARAM_SCHEDULERS.switch_scope_and_registry(cfg.get("_scope_")) as registry:
        return registry.get(scheduler_type)


@functools.cache
def _adopted_loop_type(loop_type: Any, scope: str | None) -> Any:
    """The loop class a ``*_cfg`` names, mmlight's own for one from mmengine's ``LOOPS``
    (``mmlight.bridge`` adopts it); a name nothing registers stays for ``LOOPS.build`` to report."""
    from mmlight import bridge

    if isinstance(loop_type, str):
        with LOOPS.switch_scope_and_registry(scope) as registry:
            found = registry.get(loop_type)
        if found is None:
            return loop_type
        loop_type = found
    return bridge.adopt(loop_type)


@functools.cache
def _loops() -> Any:
    """``mmlight.runner.loops``, imported on first use (it imports this module); cached because
    the Runner's counters read it several times per iteration."""
    from mmlight.runner import loops

    return loops


def _plain_config(cfg_dict: dict | None = None) -> Any:
    from mmlight.config import Config

    return Config(cfg_dict)
