"""``BaseInferencer``: mmengine's base of downstream inferencers (``MMSegInferencer``, ...).

The workflow and its hooks are mmengine's: the model comes from a config (file, ``Config``,
``ConfigDict`` or dict) plus a checkpoint, from a metafile model name of the scope's package,
or from a checkpoint alone that carries its config; ``__call__`` runs
``preprocess`` (``pipeline`` per input, chunked into batches of ``batch_size``, collated) ->
``forward`` (``model.test_step``) -> ``visualize`` -> ``postprocess``, dispatching keyword
arguments by the class's ``*_kwargs`` sets. Differences: checkpoints are read with mmlight's
safe loader (no pickled code is run), ``list_models()`` without a scope uses the default
scope (mmengine asserts one exists and then ignores it), and a scope outside mmengine's
package table works when it is an installed package that ships configs.
"""

from __future__ import annotations

import copy
import importlib
import importlib.util
import os.path as osp
import re
import warnings
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import torch
from torch import nn

from mmlight.config import Config, ConfigDict
from mmlight.config.errors import did_you_mean
from mmlight.config.utils import MODULE2PACKAGE
from mmlight.hub.packages import iter_metafile_models
from mmlight.logging import print_log
from mmlight.registry import FUNCTIONS, MODELS, VISUALIZERS, DefaultScope

__all__ = [
    "BaseInferencer",
    "ConfigType",
    "ImgType",
    "InferencerMeta",
    "InputType",
    "InputsType",
    "ModelType",
    "ResType",
]

InputType = str | np.ndarray | torch.Tensor
InputsType = InputType | Sequence[InputType]
ImgType = np.ndarray | Sequence[np.ndarray]
ResType = dict | list[dict]
ConfigType = Config | ConfigDict
ModelType = dict | ConfigType | str

_KWARG_SETS = ("preprocess_kwargs", "forward_kwargs", "visualize_kwargs", "postprocess_kwargs")


class InferencerMeta(ABCMeta):
    """Refuses, when the class is defined, ``*_kwargs`` sets that are not sets or share a
    key: ``__call__`` could not tell which step an argument is for."""

    def __init__(cls, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sets = [getattr(cls, name) for name in _KWARG_SETS]
        for name, keys in zip(_KWARG_SETS, sets):
            assert isinstance(keys, set), f"{cls.__name__}.{name} must be a set, got {keys!r}"
        union = set().union(*sets)
        if len(union) != sum(len(keys) for keys in sets):
            shared = sorted(k for k in union if sum(k in keys for keys in sets) > 1)
            raise AssertionError(
                f"Class define error! {cls.__name__} should not define duplicated keys for "
                "`preprocess_kwargs`, `forward_kwargs`, `visualize_kwargs` and "
                f"`postprocess_kwargs` are not allowed (shared: {shared})."
            )


def _track(items: Iterable[Any], description: str) -> Iterable[Any]:
    """``rich``'s progress bar over ``items`` where rich is installed, else ``items``."""
    try:
        from rich.progress import track
    except ImportError:
        return items
    return track(items, description=description)


class BaseInferencer(metaclass=InferencerMeta):
    """Base of task inferencers: subclasses give ``_init_pipeline``, ``visualize`` and
    ``postprocess`` (and may override any other step).

    Args:
        model: config file, ``Config``/``ConfigDict``/dict, or a model name (or alias) from
            the scope package's metafiles; None to take the config stored in ``weights``.
        weights: checkpoint; defaults to the metafile's weights for a model name.
        device: where to run; the available accelerator when None.
        scope: registry scope; the current default scope when None.
        show_progress: show a progress bar while forwarding.
    """

    preprocess_kwargs: set = set()
    forward_kwargs: set = set()
    visualize_kwargs: set = set()
    postprocess_kwargs: set = set()

    def __init__(
        self,
        model: ModelType | None = None,
        weights: str | None = None,
        device: str | None = None,
        scope: str | None = None,
        show_progress: bool = True,
    ) -> None:
        if scope is None:
            current = DefaultScope.get_current_instance()
            if current is not None:
                scope = current.scope_name
        self.scope = scope
        cfg: Any
        if isinstance(model, str):
            if osp.isfile(model):
                cfg = Config.fromfile(model)
            else:
                cfg, metafile_weights = self._load_model_from_metafile(model)
                if weights is None:
                    weights = metafile_weights
        elif isinstance(model, (Config, ConfigDict)):
            cfg = copy.deepcopy(model)
        elif isinstance(model, dict):
            cfg = copy.deepcopy(ConfigDict(model))
        elif model is None:
            if weights is None:
                raise ValueError(
                    "If model is None, the weights must be specified since the config needs to "
                    "be loaded from the weights"
                )
            cfg = ConfigDict()
        else:
            raise TypeError(
                "model must be a filepath or any ConfigType object (Config, ConfigDict or dict), "
                f"but got {type(model)}"
            )
        if device is None:
            from mmlight.device import get_device

            device = get_device()
        self.model = self._init_model(cfg, weights, device)
        self.pipeline = self._init_pipeline(cfg)
        self.collate_fn = self._init_collate(cfg)
        self.visualizer = self._init_visualizer(cfg)
        self.cfg = cfg
        self.show_progress = show_progress

    # ------------------------------------------------------------------------- workflow
    def __call__(
        self,
        inputs: InputsType,
        return_datasamples: bool = False,
        batch_size: int = 1,
        **kwargs: Any,
    ) -> Any:
        """Run preprocess -> forward -> visualize -> postprocess; ``kwargs`` go to the step
        whose ``*_kwargs`` set names them."""
        preprocess_kwargs, forward_kwargs, visualize_kwargs, postprocess_kwargs = (
            self._dispatch_kwargs(**kwargs)
        )
        ori_inputs = self._inputs_to_list(inputs)
        batches = self.preprocess(ori_inputs, batch_size=batch_size, **preprocess_kwargs)
        preds: list[Any] = []
        for data in _track(batches, "Inference") if self.show_progress else batches:
            preds.extend(self.forward(data, **forward_kwargs))
        visualization = self.visualize(ori_inputs, preds, **visualize_kwargs)
        return self.postprocess(preds, visualization, return_datasamples, **postprocess_kwargs)

    def _inputs_to_list(self, inputs: InputsType) -> list:
        """A list of inputs: a directory becomes its files, a single input a one-item list."""
        from mmlight.fileio import get_file_backend, isdir, join_path, list_dir_or_file

        if isinstance(inputs, str):
            backend = get_file_backend(inputs)
            # only backends that can tell a directory (not http) take one
            if hasattr(backend, "isdir") and isdir(inputs):
                inputs = [
                    join_path(inputs, name) for name in list_dir_or_file(inputs, list_dir=False)
                ]
        if not isinstance(inputs, (list, tuple)):
            return [inputs]
        return list(inputs)

    def preprocess(self, inputs: InputsType, batch_size: int = 1, **kwargs: Any) -> Iterator:
        """Yield collated batches of ``batch_size`` inputs passed through ``pipeline``."""
        chunks = self._get_chunk_data(map(self.pipeline, inputs), batch_size)
        yield from map(self.collate_fn, chunks)

    @torch.no_grad()
    def forward(self, inputs: dict | tuple, **kwargs: Any) -> Any:
        """The model's predictions for one batch (``model.test_step``)."""
        return self.model.test_step(inputs)  # type: ignore[operator]

    @abstractmethod
    def visualize(
        self, inputs: list, preds: Any, show: bool = False, **kwargs: Any
    ) -> Any:
        """Draw ``preds`` over ``inputs`` (as listed by ``_inputs_to_list``)."""

    @abstractmethod
    def postprocess(
        self,
        preds: Any,
        visualization: Any,
        return_datasample: bool = False,
        **kwargs: Any,
    ) -> Any:
        """Pack predictions (plain data unless ``return_datasample``) and visualizations."""

    # -------------------------------------------------------------------- construction
    @abstractmethod
    def _init_pipeline(self, cfg: ConfigType) -> Callable:
        """The callable that turns one input into what the model's ``test_step`` takes."""

    def _init_model(self, cfg: ConfigType, weights: str | None, device: str = "cpu") -> nn.Module:
        """Build ``cfg.model`` (without its ``pretrained`` weights), load ``weights``, move it
        to ``device`` and put it in eval mode; an empty ``cfg`` is filled from the config the
        checkpoint stored."""
        checkpoint: dict | None = None
        if weights is not None:
            from mmlight.runner.checkpoint import _load_checkpoint

            checkpoint = _load_checkpoint(weights, map_location="cpu", decode=True)
        if not cfg:
            assert checkpoint is not None
            cfg.update(Config.fromstring(_stored_config(checkpoint), file_format=".py")._cfg_dict)
        if cfg.model.get("pretrained") is not None:
            del cfg.model.pretrained
        model = MODELS.build(cfg.model)
        model.cfg = cfg
        self._load_weights_to_model(model, checkpoint, cfg)
        model.to(device)
        model.eval()
        return model

    def _load_weights_to_model(
        self, model: nn.Module, checkpoint: dict | None, cfg: ConfigType | None
    ) -> None:
        """Load ``checkpoint``'s weights; subclasses also read meta information here."""
        if checkpoint is not None:
            from mmlight.runner.checkpoint import _load_checkpoint_to_model

            _load_checkpoint_to_model(model, checkpoint)
        else:
            warnings.warn(
                "Checkpoint is not loaded, and the inference result is calculated by the "
                "randomly initialized model!",
                stacklevel=2,
            )

    def _init_collate(self, cfg: ConfigType) -> Callable:
        """``cfg.test_dataloader.collate_fn`` looked up by name in ``FUNCTIONS``, else
        ``pseudo_collate`` (as in mmengine, a dict ``collate_fn`` also falls back to it); a
        name that is not registered is a KeyError here."""
        from mmlight.dataset import pseudo_collate

        try:
            name = cfg.test_dataloader.collate_fn
        except (AttributeError, KeyError):
            return pseudo_collate
        if not isinstance(name, str):
            return pseudo_collate
        with FUNCTIONS.switch_scope_and_registry(self.scope) as registry:
            collate_fn: Any = registry.get(name)
            if collate_fn is None:  # mmengine keeps None and fails at the first call
                raise KeyError(
                    f"test_dataloader.collate_fn {name!r} is not registered in {registry.name!r} "
                    f"(scope {registry.scope!r}).{did_you_mean(name, registry.module_dict)}"
                )
        return collate_fn

    def _init_visualizer(self, cfg: ConfigType) -> Any:
        """Build ``cfg.visualizer`` under a fresh name when its name is taken; None without."""
        if "visualizer" not in cfg:
            return None
        from mmlight.visualization import Visualizer

        timestamp = str(datetime.timestamp(datetime.now()))
        name = cfg.visualizer.get("name", timestamp)
        if Visualizer.check_instance_created(name):
            name = f"{name}-{timestamp}"
        cfg.visualizer.name = name
        return VISUALIZERS.build(cfg.visualizer)

    # ------------------------------------------------------------------------- helpers
    def _get_chunk_data(self, inputs: Iterable, chunk_size: int) -> Iterator[list]:
        """Lists of ``chunk_size`` consecutive items (the last may be shorter)."""
        iterator = iter(inputs)
        while True:
            chunk = []
            for item in iterator:
                chunk.append(item)
                if len(chunk) == chunk_size:
                    break
            if not chunk:
                return
            yield chunk
            if len(chunk) < chunk_size:
                return

    def _dispatch_kwargs(self, **kwargs: Any) -> tuple[dict, dict, dict, dict]:
        """Split ``kwargs`` into those of preprocess, forward, visualize and postprocess."""
        known = (
            self.preprocess_kwargs | self.forward_kwargs | self.visualize_kwargs
            | self.postprocess_kwargs
        )
        unknown = set(kwargs) - known
        if unknown:
            raise ValueError(
                f"unknown argument {unknown} for `preprocess`, `forward`, `visualize` and "
                f"`postprocess`.{did_you_mean(sorted(unknown)[0], known)}"
            )
        parts: tuple[dict, dict, dict, dict] = ({}, {}, {}, {})
        for key, value in kwargs.items():
            if key in self.preprocess_kwargs:
                parts[0][key] = value
            elif key in self.forward_kwargs:
                parts[1][key] = value
            elif key in self.visualize_kwargs:
                parts[2][key] = value
            else:
                parts[3][key] = value
        return parts

    # ------------------------------------------------------------------------ metafile
    def _load_model_from_metafile(self, model: str) -> tuple[Config, str]:
        """Config and weights of the metafile model named (or aliased) ``model``, any case."""
        model = model.lower()
        assert self.scope is not None, (
            "scope should be initialized if you want to load config from metafile."
        )
        _check_scope(self.scope)
        root = BaseInferencer._get_repo_or_mim_dir(self.scope)
        names = []
        for entry in BaseInferencer._get_models_from_metafile(root):
            aliases = entry.get("Alias", [])
            aliases = [aliases] if isinstance(aliases, str) else list(aliases)
            known = [entry["Name"].lower(), *(alias.lower() for alias in aliases)]
            names.extend(known)
            if model in known:
                cfg = Config.fromfile(osp.join(root, entry["Config"]))
                weights = entry["Weights"]
                return cfg, weights[0] if isinstance(weights, list) else weights
        raise ValueError(f"Cannot find model: {model} in {self.scope}.{did_you_mean(model, names)}")

    @staticmethod
    def _get_repo_or_mim_dir(scope: str) -> str:
        """Where the scope's ``configs`` are: a source checkout's root, or ``<pkg>/.mim``."""
        try:
            module = importlib.import_module(scope)
        except ImportError:
            if scope not in MODULE2PACKAGE:
                raise KeyError(
                    f"{scope} is not a valid scope. The available scopes are "
                    f"{MODULE2PACKAGE.keys()}.{did_you_mean(scope, MODULE2PACKAGE)}"
                ) from None
            project = MODULE2PACKAGE[scope]
            raise ImportError(
                f"Cannot import {scope} correctly, please try to install the {project} by "
                f'"pip install {project}"'
            ) from None
        # OpenMMLab packages are not namespace packages: one folder
        package_path = module.__path__[0]
        repo_dir = osp.dirname(package_path)
        if osp.exists(osp.join(repo_dir, "configs")):
            return repo_dir
        mim = osp.join(package_path, ".mim")
        if not osp.exists(osp.join(mim, "configs")):
            raise FileNotFoundError(
                f"Cannot find `configs` directory in {package_path}!, please check the "
                f"completeness of the {scope}."
            )
        return mim

    @staticmethod
    def _get_models_from_metafile(dir: str) -> Iterator[dict]:
        """Every model entry of ``dir/model-index.yml``'s metafiles."""
        yield from iter_metafile_models(dir)

    @staticmethod
    def list_models(scope: str | None = None, patterns: str = r".*") -> list[str]:
        """Names and aliases of the scope package's metafile models matching ``patterns``
        (``re.match``); logged and returned."""
        if scope is None:
            current = DefaultScope.get_current_instance()
            assert current is not None, (
                "scope should be initialized if you want to load config from metafile."
            )
            scope = current.scope_name
        _check_scope(scope)
        root = BaseInferencer._get_repo_or_mim_dir(scope)
        matched = []
        for entry in BaseInferencer._get_models_from_metafile(root):
            for name in [entry["Name"], *entry.get("Alias", [])]:
                if re.match(patterns, name) is not None:
                    matched.append(name)
        print_log("".join(f"model_name: {name}\n" for name in matched), logger="current")
        return matched


def _check_scope(scope: str) -> None:
    """AssertionError for a scope that is neither an OpenMMLab scope nor an installed package
    (mmengine accepts only the former)."""
    if scope in MODULE2PACKAGE:
        return
    try:
        installed = importlib.util.find_spec(scope) is not None
    except (ImportError, ValueError):
        installed = False
    assert installed, (
        f"{scope} not in {MODULE2PACKAGE}!, please pass a valid scope."
        f"{did_you_mean(scope, MODULE2PACKAGE)}"
    )


def _stored_config(checkpoint: dict) -> str:
    """The config text a checkpoint stored: ``message_hub.runtime_info.cfg``, else
    ``meta.cfg``."""
    try:
        return checkpoint["message_hub"]["runtime_info"]["cfg"]
    except (KeyError, TypeError):
        pass
    assert "meta" in checkpoint, (
        "If model(config) is not provided, the checkpoint must contain the config string in "
        "`meta` or `message_hub`, but both `meta` and `message_hub` are not found in the "
        "checkpoint."
    )
    meta = checkpoint["meta"]
    if "cfg" in meta:
        return meta["cfg"]
    raise ValueError("Cannot find the config in the checkpoint.")
