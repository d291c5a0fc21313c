"""Vis backends whose records go to Lightning loggers (CSV, TensorBoard, Weights & Biases, MLflow).

Each backend keeps mmengine's constructor arguments and builds the matching
``lightning.pytorch.loggers`` logger on first use. The optional package a logger needs is
checked when the backend is built, so a missing ``pip install`` fails before training starts,
with the command to run, rather than at the first log line.
"""

from __future__ import annotations

import os
import os.path as osp
import sys
import warnings
from abc import abstractmethod
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any, ClassVar

from mmlight.registry import VISBACKENDS
from mmlight.utils.package_utils import module_available
from mmlight.visualization.errors import (
    MissingVisBackendPackageError,
    VisualizationArgumentError,
    VisualizationTypeError,
)
from mmlight.visualization.vis_backend import BaseVisBackend, check_scalar_dict, force_init_env

__all__ = [
    "CSVVisBackend",
    "LightningLoggerVisBackend",
    "MLflowVisBackend",
    "TensorboardVisBackend",
    "WandbVisBackend",
    "flatten_dict",
]


def flatten_dict(tree: Mapping, parent_key: str = "", sep: str = ".") -> dict[str, Any]:
    """``{'a': {'b': 1}, 'l': [{'x': 2}]}`` -> ``{'a.b': 1, 'l.0.x': 2}``.

    Lists of plain values stay as they are (MLflow and CSV params are flat).
    """
    flat: dict[str, Any] = {}
    for key, value in tree.items():
        name = f"{parent_key}{sep}{key}" if parent_key else str(key)
        if isinstance(value, MutableMapping):
            flat.update(flatten_dict(value, name, sep))
        elif isinstance(value, list) and any(isinstance(item, dict) for item in value):
            for index, item in enumerate(value):
                if isinstance(item, Mapping):
                    flat.update(flatten_dict(item, f"{name}{sep}{index}", sep))
                else:
                    flat[f"{name}{sep}{index}"] = item
        else:
            flat[name] = value
    return flat


def _is_number(value: Any) -> bool:
    """int, float, a numpy number, or a one-element array or tensor."""
    import numpy as np

    if isinstance(value, (int, float, np.number)):
        return True
    if isinstance(value, np.ndarray):
        return value.size == 1
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(value, torch.Tensor) and value.numel() == 1


def _config_dict(config: Any, owner: str) -> dict:
    to_dict = getattr(config, "to_dict", None)
    if callable(to_dict):
        return dict(to_dict())
    if isinstance(config, Mapping):
        return dict(config)
    raise VisualizationTypeError(
        f"{owner}.add_config needs a Config or a dict, but got {type(config).__name__}"
    )


class LightningLoggerVisBackend(BaseVisBackend):
    """A vis backend that writes through a ``lightning.pytorch.loggers.Logger``.

    Subclasses say which packages they need (``required_modules``, any one of them is enough,
    installed with ``pip install <pip_package>``) and build the logger in ``_build_logger``.
    ``lightning_logger`` gives the logger itself, e.g. to hand it to a ``lightning.Trainer``.
    """

    required_modules: ClassVar[tuple[str, ...]] = ()
    pip_package: ClassVar[str] = ""

    def __init__(self, save_dir: str | None) -> None:
        self._check_installed()
        super().__init__(save_dir)
        self._logger: Any = None

    @classmethod
    def _check_installed(cls) -> None:
        if not cls.required_modules:
            return
        if any(module_available(name) for name in cls.required_modules):
            return
        names = " or ".join(repr(name) for name in cls.required_modules)
        raise MissingVisBackendPackageError(
            f"{cls.__name__} needs the {names} package, which is not installed; "
            f'run "pip install {cls.pip_package}" (or remove {cls.__name__} from '
            "visualizer.vis_backends)",
            name=cls.required_modules[0],
        )

    @abstractmethod
    def _build_logger(self) -> Any:
        """The Lightning logger this backend writes to."""

    def _init_env(self) -> None:
        if self._save_dir is not None:
            os.makedirs(self._save_dir, exist_ok=True)
        self._logger = self._build_logger()

    @property
    @force_init_env
    def lightning_logger(self) -> Any:
        return self._logger

    @property
    @force_init_env
    def experiment(self) -> Any:
        return self._logger.experiment

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        self._logger.log_hyperparams(flatten_dict(_config_dict(config, type(self).__name__)))

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        self._log_numbers({name: value}, step)

    @force_init_env
    def add_scalars(
        self,
        scalar_dict: dict,
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        check_scalar_dict(self, scalar_dict)
        if "step" in scalar_dict:
            raise VisualizationArgumentError(
                f"{type(self).__name__}.add_scalars: pass the step as step=..., not as a 'step' "
                "key of scalar_dict"
            )
        self._log_numbers(scalar_dict, step)

    def _log_numbers(self, values: Mapping[str, Any], step: int) -> None:
        numbers = {}
        for key, value in values.items():
            if _is_number(value):
                numbers[key] = float(value.item() if hasattr(value, "item") else value)
            else:
                warnings.warn(
                    f"{type(self).__name__}: skipped {key!r}, a {type(value).__name__}; only "
                    "numbers (int, float, one-element tensors or arrays) can be logged",
                    stacklevel=3,
                )
        if numbers:
            self._logger.log_metrics(numbers, step=step)
            self._logger.save()

    def close(self) -> None:
        if self._logger is not None:
            self._logger.finalize("success")


@VISBACKENDS.register_module()
class CSVVisBackend(LightningLoggerVisBackend):
    """Scalars to ``<save_dir>/<name>/<version>/metrics.csv`` through Lightning's ``CSVLogger``.

    Needs no optional package. The config goes to ``hparams.yaml`` next to it (plain values
    only: objects in a config cannot be written as YAML). Images are saved as PNG files in
    ``<log_dir>/vis_image`` like ``LocalVisBackend`` does.

    Args:
        save_dir: root folder (the Runner passes ``<log_dir>/vis_data``).
        name: sub-folder of ``save_dir`` (Lightning's ``name``).
        version: sub-folder of ``name``; ``''`` writes straight into it.
        prefix: prepended to every metric name.
    """

    def __init__(
        self, save_dir: str, name: str = "csv", version: str = "", prefix: str = ""
    ) -> None:
        super().__init__(save_dir)
        self._name = name
        self._version = version
        self._prefix = prefix

    def _build_logger(self) -> Any:
        from lightning.pytorch.loggers import CSVLogger

        return CSVLogger(
            str(self._save_dir), name=self._name, version=self._version, prefix=self._prefix
        )

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        flat = flatten_dict(_config_dict(config, type(self).__name__))
        self._logger.log_hyperparams({k: v for k, v in flat.items() if _is_plain(v)})
        self._logger.save()

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        from mmlight.visualization._png import write_png

        folder = osp.join(self._logger.log_dir, "vis_image")
        os.makedirs(folder, exist_ok=True)
        write_png(osp.join(folder, f"{name}_{step}.png"), image)


def _is_plain(value: Any) -> bool:
    if value is None or isinstance(value, (str, int, float, bool)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_is_plain(item) for item in value)
    return False


@VISBACKENDS.register_module()
class TensorboardVisBackend(LightningLoggerVisBackend):
    """Scalars, images and the config as TensorBoard events in ``save_dir`` (mmengine's place).

    Built on Lightning's ``TensorBoardLogger``; needs ``tensorboard`` (or ``tensorboardX``).
    """

    required_modules = ("tensorboard", "tensorboardX")
    pip_package = "tensorboard"

    def __init__(self, save_dir: str) -> None:
        super().__init__(save_dir)

    def _build_logger(self) -> Any:
        from lightning.pytorch.loggers import TensorBoardLogger

        return TensorBoardLogger(str(self._save_dir), name="", version="", default_hp_metric=False)

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        self._logger.experiment.add_text("config", config.pretty_text)

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        self._logger.experiment.add_image(name, image, step, dataformats="HWC")


@VISBACKENDS.register_module()
class WandbVisBackend(LightningLoggerVisBackend):
    """Records to a Weights & Biases run through Lightning's ``WandbLogger``.

    As in mmengine, ``step`` is not passed to wandb (it keeps its own step; ``commit`` says
    whether each call advances it).

    Args:
        save_dir: local folder for wandb's files (``init_kwargs['dir']`` wins).
        init_kwargs: arguments of ``wandb.init`` (``project``, ``name``, ``entity``, ...).
        define_metric_cfg: ``{metric: summary}`` or a list of ``wandb.define_metric`` kwargs.
        commit: whether each ``add_*`` call commits (advances wandb's step).
        log_code_name: name of the code artifact ``add_config`` logs.
        watch_kwargs: arguments of ``WandbLogger.watch`` used by ``add_graph``.
    """

    required_modules = ("wandb",)
    pip_package = "wandb"

    def __init__(
        self,
        save_dir: str,
        init_kwargs: dict | None = None,
        define_metric_cfg: dict | list | None = None,
        commit: bool | None = True,
        log_code_name: str | None = None,
        watch_kwargs: dict | None = None,
    ) -> None:
        super().__init__(save_dir)
        if define_metric_cfg is not None and not isinstance(define_metric_cfg, (dict, list)):
            raise VisualizationArgumentError(
                "WandbVisBackend: define_metric_cfg must be a dict {metric: summary} or a list "
                f"of define_metric kwargs, but got {type(define_metric_cfg).__name__}"
            )
        self._init_kwargs = init_kwargs
        self._define_metric_cfg = define_metric_cfg
        self._commit = commit
        self._log_code_name = log_code_name
        self._watch_kwargs = watch_kwargs if watch_kwargs is not None else {}

    def _build_logger(self) -> Any:
        from lightning.pytorch.loggers import WandbLogger

        kwargs = dict(self._init_kwargs or {})
        kwargs.setdefault("dir", self._save_dir)
        self._init_kwargs = kwargs
        logger = WandbLogger(save_dir=kwargs.pop("dir"), **kwargs)
        run = logger.experiment  # starts the wandb run
        if isinstance(self._define_metric_cfg, dict):
            for metric, summary in self._define_metric_cfg.items():
                run.define_metric(metric, summary=summary)
        elif isinstance(self._define_metric_cfg, list):
            for metric_cfg in self._define_metric_cfg:
                run.define_metric(**metric_cfg)
        return logger

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        allow_val_change = (self._init_kwargs or {}).get("allow_val_change", False)
        run = self._logger.experiment
        run.config.update(
            _config_dict(config, "WandbVisBackend"), allow_val_change=allow_val_change
        )
        run.log_code(name=self._log_code_name)

    @force_init_env
    def add_graph(self, model: Any, data_batch: Sequence[dict] | None, **kwargs: Any) -> None:
        self._logger.watch(model, **self._watch_kwargs)

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        import wandb

        self._logger.experiment.log({name: wandb.Image(image)}, commit=self._commit)

    def _log_numbers(self, values: Mapping[str, Any], step: int) -> None:
        self._logger.experiment.log(dict(values), commit=self._commit)

    def close(self) -> None:
        if self._logger is not None:
            self._logger.finalize("success")
            self._logger.experiment.finish()


@VISBACKENDS.register_module()
class MLflowVisBackend(LightningLoggerVisBackend):
    """Records to an MLflow run through Lightning's ``MLFlowLogger``.

    Arguments as mmengine's: without ``tracking_uri`` the runs are stored under
    ``file://<save_dir>``; ``close`` uploads the files of the config's ``work_dir`` that end
    with ``artifact_suffix`` and ends the run.
    """

    required_modules = ("mlflow",)
    pip_package = "mlflow"

    def __init__(
        self,
        save_dir: str,
        exp_name: str | None = None,
        run_name: str | None = None,
        tags: dict | None = None,
        params: dict | None = None,
        tracking_uri: str | None = None,
        artifact_suffix: Sequence[str] | str = (".json", ".log", ".py", "yaml"),
        tracked_config_keys: Sequence[str] | None = None,
        artifact_location: str | None = None,
    ) -> None:
        super().__init__(save_dir)
        self._exp_name = exp_name
        self._run_name = run_name
        self._tags = tags
        self._params = params
        self._tracking_uri = tracking_uri
        self._artifact_suffix = artifact_suffix
        self._tracked_config_keys = tracked_config_keys
        self._artifact_location = artifact_location
        self.cfg: Any = None

    def _build_logger(self) -> Any:
        from lightning.pytorch.loggers import MLFlowLogger

        uri = self._tracking_uri or f"file://{osp.abspath(str(self._save_dir))}"
        self._exp_name = self._exp_name or "Default"
        logger = MLFlowLogger(
            experiment_name=self._exp_name,
            run_name=self._run_name,
            tracking_uri=uri,
            tags=self._tags,
            save_dir=self._save_dir,
            artifact_location=self._artifact_location,
        )
        if self._params is not None:
            logger.log_hyperparams(self._params)
        return logger

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        self.cfg = config
        cfg_dict = _config_dict(config, "MLflowVisBackend")
        if self._tracked_config_keys is not None:
            cfg_dict = {key: cfg_dict[key] for key in self._tracked_config_keys}
        self._logger.log_hyperparams(flatten_dict(cfg_dict))
        self._logger.experiment.log_text(self._logger.run_id, config.pretty_text, "config.py")

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        self._logger.experiment.log_image(self._logger.run_id, image, name)

    def close(self) -> None:
        if self._logger is None:
            return
        work_dir = getattr(self.cfg, "work_dir", None) if self.cfg is not None else None
        if work_dir:
            from mmlight.hooks._log_files import iter_files

            for rel_path in iter_files(str(work_dir), self._artifact_suffix):
                self._logger.experiment.log_artifact(
                    self._logger.run_id,
                    osp.join(str(work_dir), rel_path),
                    osp.dirname(rel_path) or None,
                )
        self._logger.finalize("success")
