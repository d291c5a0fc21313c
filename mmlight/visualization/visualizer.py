"""``Visualizer``: the one object the Runner and hooks record through, fanning out to backends.

It is a named, globally reachable instance (``Visualizer.get_current_instance()`` works from a
model or a metric), as in mmengine. Recording (``add_*``) needs nothing beyond numpy; drawing
on images (``set_image`` + ``draw_*``) needs matplotlib, imported on first use.
"""

from __future__ import annotations

import inspect
import os.path as osp
import warnings
from collections.abc import Sequence
from typing import Any

from mmlight.bridge import config_for
from mmlight.dist import master_only
from mmlight.registry import VISBACKENDS, VISUALIZERS
from mmlight.utils.manager import ManagerMixin
from mmlight.visualization.drawing import DrawingMixin
from mmlight.visualization.errors import DuplicateVisBackendError, VisualizationTypeError
from mmlight.visualization.vis_backend import BaseVisBackend

__all__ = ["Visualizer"]


def _needs_save_dir(backend: BaseVisBackend) -> bool:
    """A backend whose ``save_dir`` has no default cannot work when it was given None."""
    param = inspect.signature(type(backend).__init__).parameters.get("save_dir")
    return (
        param is not None
        and param.default is inspect.Parameter.empty
        and getattr(backend, "_save_dir", None) is None
    )


@VISUALIZERS.register_module()
class Visualizer(DrawingMixin, ManagerMixin):
    """Record configs, scalars, images and graphs to every vis backend, and draw on images.

    Args:
        name: instance name (``Visualizer.get_instance(name)`` finds it again).
        image: an RGB uint8 image to draw on (see :meth:`set_image`).
        vis_backends: backend configs (dicts with ``type`` and an optional ``name``) or
            built backends; one dict or backend is accepted too.
        save_dir: root of the backends' files; backends get ``<save_dir>/vis_data``.
        fig_save_cfg: matplotlib ``Figure`` kwargs for the drawing canvas.
        fig_show_cfg: matplotlib ``Figure`` kwargs for :meth:`show`.
    """

    def __init__(
        self,
        name: str = "visualizer",
        image: Any = None,
        vis_backends: Any = None,
        save_dir: str | None = None,
        fig_save_cfg: dict | None = None,
        fig_show_cfg: dict | None = None,
    ) -> None:
        ManagerMixin.__init__(self, name)
        DrawingMixin.__init__(
            self,
            fig_save_cfg=dict(frameon=False) if fig_save_cfg is None else fig_save_cfg,
            fig_show_cfg=dict(frameon=False) if fig_show_cfg is None else fig_show_cfg,
        )
        self._dataset_meta: dict | None = None
        self._vis_backends: dict[str, BaseVisBackend] = {}
        if save_dir is not None:
            save_dir = osp.join(str(save_dir), "vis_data")
        for backend_name, backend in self._build_backends(vis_backends, save_dir):
            if backend_name in self._vis_backends:
                raise DuplicateVisBackendError(
                    f"Visualizer: two vis_backends are named {backend_name!r}; give one of them "
                    "another name=..."
                )
            self._vis_backends[backend_name] = backend
        if image is not None:
            self.set_image(image)

    @staticmethod
    def _build_backends(
        vis_backends: Any, save_dir: str | None
    ) -> list[tuple[str, BaseVisBackend]]:
        if vis_backends is None:
            vis_backends = []
        if isinstance(vis_backends, (dict, BaseVisBackend)):
            vis_backends = [vis_backends]
        if not isinstance(vis_backends, Sequence) or isinstance(vis_backends, str):
            raise VisualizationTypeError(
                "Visualizer: vis_backends must be a list of dicts or a list of BaseBackend "
                f"instances (backend configs or built backends), but got "
                f"{type(vis_backends).__name__}"
            )
        built: list[tuple[str, BaseVisBackend]] = []
        for index, item in enumerate(vis_backends):
            name = None
            if isinstance(item, dict):
                # Whatever VISBACKENDS builds is used, as in mmengine (duck-typed backends too).
                cfg = dict(item)
                name = cfg.pop("name", None)
                cfg.setdefault("save_dir", save_dir)
                item = VISBACKENDS.build(cfg)
            elif not isinstance(item, BaseVisBackend):
                raise VisualizationTypeError(
                    "Visualizer: vis_backends must be a list of dicts or a list of BaseBackend "
                    f"instances, but vis_backends[{index}] is a {type(item).__name__}"
                )
            if _needs_save_dir(item):
                warnings.warn(
                    f"Visualizer: {type(item).__name__} is skipped because it needs save_dir; "
                    "give the Visualizer (or the backend) a save_dir",
                    stacklevel=3,
                )
                continue
            built.append((name or type(item).__name__, item))
        return built

    @classmethod
    def get_instance(cls, name: str, **kwargs: Any) -> Any:
        """Like ``ManagerMixin.get_instance``; subclass instances are also found by
        ``Visualizer.get_current_instance()``, so code need not know the concrete class."""
        instance = super().get_instance(name, **kwargs)
        Visualizer._instance_dict[name] = instance
        return instance

    # ---- dataset meta ---------------------------------------------------------------------

    @property
    @master_only
    def dataset_meta(self) -> dict | None:
        """Class names, palettes and such, used by ``add_datasample`` in subclasses."""
        return self._dataset_meta

    @dataset_meta.setter
    @master_only
    def dataset_meta(self, dataset_meta: dict) -> None:
        self._dataset_meta = dataset_meta

    # ---- backends -------------------------------------------------------------------------

    @master_only
    def get_backend(self, name: str) -> BaseVisBackend | None:
        """The backend called ``name`` (its ``name=`` or its class name), or None."""
        return self._vis_backends.get(name)

    @master_only
    def add_config(self, config: Any, **kwargs: Any) -> None:
        for backend in self._vis_backends.values():
            # mmengine's vis backends take mmengine's Config only (mmlight.bridge converts)
            backend.add_config(config_for(backend, config), **kwargs)

    @master_only
    def add_graph(self, model: Any, data_batch: Sequence[dict] | None, **kwargs: Any) -> None:
        for backend in self._vis_backends.values():
            backend.add_graph(model, data_batch, **kwargs)

    @master_only
    def add_image(self, name: str, image: Any, step: int = 0) -> None:
        for backend in self._vis_backends.values():
            backend.add_image(name, image, step)

    @master_only
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        for backend in self._vis_backends.values():
            backend.add_scalar(name, value, step, **kwargs)

    @master_only
    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: str | None = None, **kwargs: Any
    ) -> None:
        for backend in self._vis_backends.values():
            backend.add_scalars(scalar_dict, step, file_path, **kwargs)

    @master_only
    def add_datasample(
        self,
        name: str,
        image: Any,
        data_sample: Any = None,
        draw_gt: bool = True,
        draw_pred: bool = True,
        show: bool = False,
        wait_time: int = 0,
        step: int = 0,
    ) -> None:
        """Draw a data sample on ``image``; task-specific subclasses implement it."""

    def close(self) -> None:
        for backend in self._vis_backends.values():
            backend.close()
