"""``BaseVisBackend`` and ``LocalVisBackend``: where the visualizer's records end up.

A backend starts its environment (folders, a writer, a remote run) on first use, not when it is
built, so a config may list a backend that a given run never writes to at no cost. Methods that
need the environment are wrapped with :func:`force_init_env`.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import os.path as osp
import sys
from abc import ABCMeta, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from mmlight.registry import VISBACKENDS
from mmlight.visualization._png import encode_png, write_png
from mmlight.visualization.errors import VisualizationArgumentError, VisualizationTypeError

__all__ = [
    "BaseVisBackend",
    "LocalVisBackend",
    "check_scalar_dict",
    "force_init_env",
    "to_json_value",
]

_F = TypeVar("_F", bound=Callable[..., Any])


def force_init_env(method: _F) -> _F:
    """Run the backend's ``_init_env`` once, the first time any wrapped method is called."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not getattr(self, "_env_initialized", False):
            self._init_env()
            self._env_initialized = True
        return method(self, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _is_tensor(value: Any) -> bool:
    torch = sys.modules.get("torch")  # a tensor can only exist once torch is imported
    return torch is not None and isinstance(value, torch.Tensor)


def to_json_value(value: Any) -> Any:
    """``json`` ``default=``: numpy values, tensors and sets become plain Python values."""
    import numpy as np

    if isinstance(value, (set, frozenset, range)):
        return list(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if _is_tensor(value):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be written to a JSON log: {value!r}")


def _is_url(path: str) -> bool:
    return "://" in path


def _join(base: str, name: str) -> str:
    """``os.path.join`` locally; '/' for fsspec URLs."""
    return f"{base.rstrip('/')}/{name}" if _is_url(base) else osp.join(base, name)


def _scalar_value(value: Any) -> Any:
    return value.item() if _is_tensor(value) else value


def check_scalar_dict(backend: BaseVisBackend, scalar_dict: Any) -> None:
    """``add_scalars`` of every backend takes a dict; say so naming the backend."""
    if not isinstance(scalar_dict, dict):
        raise VisualizationTypeError(
            f"{type(backend).__name__}.add_scalars needs a dict of name -> value, but got "
            f"{type(scalar_dict).__name__}"
        )


class BaseVisBackend(metaclass=ABCMeta):
    """Interface every vis backend implements; the ``add_*`` methods default to doing nothing.

    Args:
        save_dir: root folder for the backend's files (None: the backend stores no files).
    """

    def __init__(self, save_dir: str | None) -> None:
        self._save_dir = save_dir
        self._env_initialized = False

    @property
    @abstractmethod
    def experiment(self) -> Any:
        """The native object behind the backend (a writer, a run, a module) for custom records."""

    @abstractmethod
    def _init_env(self) -> Any:
        """Prepare folders, writers or remote runs; called once, on first use."""

    def add_config(self, config: Any, **kwargs: Any) -> None:  # noqa: B027
        """Record the run's config."""

    def add_graph(  # noqa: B027
        self, model: Any, data_batch: Sequence[dict] | None, **kwargs: Any
    ) -> None:
        """Record the model graph."""

    def add_image(  # noqa: B027
        self, name: str, image: Any, step: int = 0, **kwargs: Any
    ) -> None:
        """Record an RGB image."""

    def add_scalar(  # noqa: B027
        self, name: str, value: Any, step: int = 0, **kwargs: Any
    ) -> None:
        """Record one scalar."""

    def add_scalars(  # noqa: B027
        self,
        scalar_dict: dict,
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Record several scalars at one step."""

    def close(self) -> None:  # noqa: B027
        """Flush and release whatever the backend opened."""


def _check_suffix(name: str, value: Any, suffix: str) -> None:
    if not isinstance(value, str):
        raise VisualizationTypeError(
            f"LocalVisBackend: {name} must be a file name (str), but got "
            f"{type(value).__name__}: {value!r}"
        )
    if value.rsplit(".", 1)[-1] != suffix:
        raise VisualizationArgumentError(
            f"LocalVisBackend: {name} must end with '.{suffix}', but got {value!r}"
        )


@VISBACKENDS.register_module()
class LocalVisBackend(BaseVisBackend):
    """Write configs, scalars and images to files under ``save_dir``.

    The layout is mmengine's, which log-analysis tools read: ``config.py``, a JSON-lines
    ``scalars.json`` (one object per ``add_scalar(s)`` call, with its ``step``), and
    ``vis_image/<name>_<step>.png``.

    ``save_dir`` may be an fsspec URL (``memory://...``, ``s3://...``). Object stores cannot
    append, so the JSON-lines files are then kept in memory and rewritten whole on every
    record: what is at the URL is always complete, at the cost of one upload per call.

    Args:
        save_dir: folder for the files (the Runner passes ``<log_dir>/vis_data``).
        img_save_dir: sub-folder for images.
        config_save_file: file name of the config dump (``.py``).
        scalar_save_file: file name of the JSON-lines scalar log (``.json``).
    """

    def __init__(
        self,
        save_dir: str,
        img_save_dir: str = "vis_image",
        config_save_file: str = "config.py",
        scalar_save_file: str = "scalars.json",
    ) -> None:
        _check_suffix("config_save_file", config_save_file, "py")
        _check_suffix("scalar_save_file", scalar_save_file, "json")
        super().__init__(save_dir)
        self._img_save_dir = img_save_dir
        self._config_save_file = config_save_file
        self._scalar_save_file = scalar_save_file
        # URL save_dir only: the JSON-lines content written so far, per file.
        self._url_lines: dict[str, bytearray] = {}

    def _init_env(self) -> None:
        if self._save_dir is None:
            raise VisualizationArgumentError(
                "LocalVisBackend needs save_dir to write files, but save_dir is None"
            )
        save_dir = str(self._save_dir)
        if _is_url(save_dir):
            from mmlight.fileio import makedirs

            makedirs(save_dir)
        else:
            os.makedirs(save_dir, exist_ok=True)
        # From here on the three names are full paths, as in mmengine.
        self._img_save_dir = _join(save_dir, self._img_save_dir)
        self._config_save_file = _join(save_dir, self._config_save_file)
        self._scalar_save_file = _join(save_dir, self._scalar_save_file)

    @property
    @force_init_env
    def experiment(self) -> LocalVisBackend:
        return self

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """Dump ``config`` (a ``Config``) to ``config.py``."""
        if not callable(getattr(config, "dump", None)):
            raise VisualizationTypeError(
                "LocalVisBackend.add_config needs a Config (mmlight.config.Config), but got "
                f"{type(config).__name__}"
            )
        config.dump(self._config_save_file)

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        """Save an RGB ``uint8`` image as ``vis_image/<name>_<step>.png``."""
        import numpy as np

        if not isinstance(image, np.ndarray) or image.dtype != np.uint8:
            dtype = getattr(image, "dtype", type(image).__name__)
            raise VisualizationTypeError(
                f"LocalVisBackend.add_image: image {name!r} must be a numpy uint8 array, "
                f"but got {dtype}"
            )
        if _is_url(self._img_save_dir):
            from mmlight.fileio import put

            put(encode_png(image), _join(self._img_save_dir, f"{name}_{step}.png"))
            return
        os.makedirs(self._img_save_dir, exist_ok=True)
        write_png(osp.join(self._img_save_dir, f"{name}_{step}.png"), image)

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        self._dump({name: _scalar_value(value), "step": step}, self._scalar_save_file)

    @force_init_env
    def add_scalars(
        self,
        scalar_dict: dict,
        step: int = 0,
        file_path: str | None = None,
        **kwargs: Any,
    ) -> None:
        """Append ``scalar_dict`` plus ``step`` to ``scalars.json`` (and to ``file_path``)."""
        check_scalar_dict(self, scalar_dict)
        record = copy.deepcopy(scalar_dict)
        record.setdefault("step", step)
        if file_path is not None:
            if not isinstance(file_path, str) or not file_path.endswith(".json"):
                raise VisualizationArgumentError(
                    f"LocalVisBackend.add_scalars: file_path must name a '.json' file, but got "
                    f"{file_path!r}"
                )
            extra_file = _join(str(self._save_dir), file_path)
            if extra_file == self._scalar_save_file:
                raise VisualizationArgumentError(
                    f"LocalVisBackend.add_scalars: file_path {file_path!r} is the scalar file "
                    "itself; give another name"
                )
            self._dump(record, extra_file)
        self._dump(record, self._scalar_save_file)

    def _dump(self, record: dict, path: str) -> None:
        if _is_url(path):
            self._dump_url(record, path)
            return
        with open(path, "a+", encoding="utf-8") as f:
            json.dump(record, f, default=to_json_value)
            f.write("\n")

    def _dump_url(self, record: dict, path: str) -> None:
        from mmlight.fileio import exists, get, put

        lines = self._url_lines.get(path)
        if lines is None:  # append to what an earlier backend left there, as "a+" does
            lines = bytearray(get(path) if exists(path) else b"")
            self._url_lines[path] = lines
        lines += (json.dumps(record, default=to_json_value) + "\n").encode("utf-8")
        put(bytes(lines), path)
