"""Vis backends for experiment trackers Lightning has no logger for: Aim, ClearML, DVCLive, Neptune.

Lightning 2.6 ships no Aim, ClearML or DVCLive logger, and its ``NeptuneLogger`` only raises
(Neptune was sunset), so these talk to each tracker's own package, with mmengine's constructor
arguments, records and layout. The package is looked for when the backend is built, so a missing
``pip install`` fails before training starts, with the command to run; the tracker's run itself
starts on first use, as in mmengine.
"""

from __future__ import annotations

import os
import os.path as osp
import subprocess
import sys
from collections.abc import Sequence
from datetime import datetime
from typing import Any, ClassVar

from mmlight.registry import VISBACKENDS
from mmlight.utils.package_utils import module_available
from mmlight.visualization.errors import MissingVisBackendPackageError
from mmlight.visualization.vis_backend import BaseVisBackend, check_scalar_dict, force_init_env

__all__ = [
    "AimVisBackend",
    "ClearMLVisBackend",
    "DVCLiveVisBackend",
    "NeptuneVisBackend",
    "TrackerVisBackend",
]

SuffixType = Sequence[str] | str


def _no_step_key(scalar_dict: dict) -> None:
    assert "step" not in scalar_dict, "Please set it directly through the step parameter"


class TrackerVisBackend(BaseVisBackend):
    """A backend on a tracker's package: says how to install it when it is missing.

    Subclasses name the modules they import (``required_modules``) and the install command
    (``install_command``, mmengine's).
    """

    required_modules: ClassVar[tuple[str, ...]] = ()
    install_command: ClassVar[str] = ""

    def __init__(self, save_dir: str | None) -> None:
        self._check_installed()
        super().__init__(save_dir)

    @classmethod
    def _check_installed(cls) -> None:
        missing = [name for name in cls.required_modules if not module_available(name)]
        if missing:
            package = cls.required_modules[0]
            raise MissingVisBackendPackageError(
                f"{cls.__name__} needs the {' and '.join(repr(m) for m in missing)} "
                f'package(s), which are not installed. Please run "{cls.install_command}" to '
                f"install {package} (or remove {cls.__name__} from visualizer.vis_backends)",
                name=missing[0],
            )


@VISBACKENDS.register_module()
class AimVisBackend(TrackerVisBackend):
    """Records to an Aim run (``aim.Run``).

    Args:
        save_dir: names the Aim experiment ``<parent>_<folder>`` of it (a timestamp without).
        init_kwargs: arguments of ``aim.Run`` (``experiment`` defaults as above).
    """

    required_modules = ("aim",)
    install_command = "pip install aim"

    def __init__(self, save_dir: str | None = None, init_kwargs: dict | None = None) -> None:
        super().__init__(save_dir)
        self._init_kwargs = init_kwargs

    def _init_env(self) -> None:
        from aim import Run

        if self._save_dir is not None:
            parts = os.path.normpath(self._save_dir).split(os.sep)
            exp_name = f"{parts[-2]}_{parts[-1]}"
        else:
            exp_name = datetime.now().strftime("%Y%m%d_%H%M%S")
        if self._init_kwargs is None:
            self._init_kwargs = {}
        self._init_kwargs.setdefault("experiment", exp_name)
        self._aim_run = Run(**self._init_kwargs)

    @property
    @force_init_env
    def experiment(self) -> Any:
        """The ``aim.Run``."""
        return self._aim_run

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """The config (as a dict) under the run's ``hparams``."""
        to_dict = getattr(config, "to_dict", None)
        self._aim_run["hparams"] = to_dict() if callable(to_dict) else config

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        from aim import Image

        self._aim_run.track(name=name, value=Image(image), step=step)

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        self._aim_run.track(name=name, value=value, step=step)

    @force_init_env
    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: str | None = None, **kwargs: Any
    ) -> None:
        check_scalar_dict(self, scalar_dict)
        for key, value in scalar_dict.items():
            self._aim_run.track(name=key, value=value, step=step)

    def close(self) -> None:
        if hasattr(self, "_aim_run"):
            self._aim_run.close()


@VISBACKENDS.register_module()
class ClearMLVisBackend(TrackerVisBackend):
    """Records to a ClearML task (``clearml.Task.init``).

    Args:
        save_dir: unused (ClearML keeps its own storage); for a uniform interface.
        init_kwargs: arguments of ``clearml.Task.init``.
        artifact_suffix: on ``close``, files directly in the config's ``work_dir`` with these
            endings are uploaded as artifacts.
    """

    required_modules = ("clearml",)
    install_command = "pip install clearml"

    def __init__(
        self,
        save_dir: str | None = None,
        init_kwargs: dict | None = None,
        artifact_suffix: SuffixType = (".py", ".pth"),
    ) -> None:
        super().__init__(save_dir)
        self._init_kwargs = init_kwargs
        self._artifact_suffix = artifact_suffix

    def _init_env(self) -> None:
        import clearml

        self._clearml = clearml
        self._task = clearml.Task.init(**(self._init_kwargs or {}))
        self._logger = self._task.get_logger()

    @property
    @force_init_env
    def experiment(self) -> Any:
        """The ``clearml`` module (mmengine's choice); the task is ``_task``."""
        return self._clearml

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        self.cfg = config
        self._task.connect_configuration(config.to_dict())

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        self._logger.report_image(title=name, series=name, iteration=step, image=image)

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        self._logger.report_scalar(title=name, series=name, value=value, iteration=step)

    @force_init_env
    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: str | None = None, **kwargs: Any
    ) -> None:
        _no_step_key(scalar_dict)
        for key, value in scalar_dict.items():
            self._logger.report_scalar(title=key, series=key, value=value, iteration=step)

    def close(self) -> None:
        if not hasattr(self, "_clearml"):
            return
        work_dir = getattr(getattr(self, "cfg", None), "work_dir", "")
        if work_dir and osp.isdir(work_dir):
            from mmlight.utils.path import scandir

            suffix = self._artifact_suffix
            suffixes = suffix if isinstance(suffix, str) else tuple(suffix)
            for filename in scandir(work_dir, suffixes, False):
                path = osp.join(work_dir, filename)
                self._task.upload_artifact(os.path.basename(path), path)
        self._task.close()


@VISBACKENDS.register_module()
class NeptuneVisBackend(TrackerVisBackend):
    """Records to a Neptune run (``neptune.init_run``).

    Args:
        save_dir: unused (Neptune keeps its own storage); for a uniform interface.
        init_kwargs: arguments of ``neptune.init_run`` (``project``, ``api_token``, ...);
            None runs in ``mode='offline'``.
    """

    required_modules = ("neptune",)
    install_command = "pip install -U neptune"

    def __init__(self, save_dir: str | None = None, init_kwargs: dict | None = None) -> None:
        super().__init__(save_dir)
        self._init_kwargs = init_kwargs

    def _init_env(self) -> None:
        import neptune

        if self._init_kwargs is None:
            self._init_kwargs = {"mode": "offline"}
        self._neptune = neptune.init_run(**self._init_kwargs)

    @property
    @force_init_env
    def experiment(self) -> Any:
        """The Neptune run."""
        return self._neptune

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """The config's text as the run's ``config`` file."""
        from neptune.types import File

        self._neptune["config"].upload(File.from_content(config.pretty_text))

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        """Appended to the run's ``images`` series (scaled to 0..1 as Neptune wants)."""
        import numpy as np
        from neptune.types import File

        self._neptune["images"].append(
            File.as_image(image.astype(np.float32) / 255.0), name=name, step=step
        )

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        self._neptune[name].append(value, step=step)

    @force_init_env
    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: str | None = None, **kwargs: Any
    ) -> None:
        assert isinstance(scalar_dict, dict)
        _no_step_key(scalar_dict)
        for key, value in scalar_dict.items():
            self._neptune[key].append(value, step=step)

    def close(self) -> None:
        if hasattr(self, "_neptune"):
            self._neptune.stop()


def _to_dvc_paramlike(value: Any) -> Any:
    """Plain dicts, lists and numbers all the way down (what ``Live.log_params`` accepts)."""
    import numpy as np

    if isinstance(value, dict) or callable(getattr(value, "to_dict", None)):
        items = value.items() if isinstance(value, dict) else value.to_dict().items()
        return {key: _to_dvc_paramlike(item) for key, item in items}
    if isinstance(value, (tuple, list)):
        return [_to_dvc_paramlike(item) for item in value]
    torch = sys.modules.get("torch")
    if isinstance(value, np.ndarray) or (torch is not None and isinstance(value, torch.Tensor)):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    return value


@VISBACKENDS.register_module()
class DVCLiveVisBackend(TrackerVisBackend):
    """Records with DVCLive (``dvclive.Live``) into ``save_dir``.

    Outside a git repository with a committer identity, DVC is initialised without SCM in the
    current folder first (``dvc init -f --no-scm``), as mmengine does.

    Args:
        save_dir: DVCLive's ``dir`` (unless ``init_kwargs`` gives one).
        artifact_suffix: on ``close``, files under ``save_dir`` with these endings are logged
            as artifacts.
        init_kwargs: arguments of ``dvclive.Live`` (``save_dvc_exp`` and ``cache_images``
            default to True).
    """

    required_modules = ("dvclive", "pygit2")
    install_command = "pip install dvclive"

    def __init__(
        self,
        save_dir: str,
        artifact_suffix: SuffixType = (".json", ".py", "yaml"),
        init_kwargs: dict | None = None,
    ) -> None:
        super().__init__(save_dir)
        self._artifact_suffix = artifact_suffix
        self._init_kwargs = init_kwargs

    def _init_env(self) -> None:
        import pygit2
        from dvclive import Live

        try:
            path = pygit2.discover_repository(os.fspath(os.curdir), True, "")
            pygit2.Repository(path).default_signature  # noqa: B018 (KeyError: no git identity)
        except KeyError:
            subprocess.run(["dvc", "init", "-f", "--no-scm"], check=False)
        if self._init_kwargs is None:
            self._init_kwargs = {}
        self._init_kwargs.setdefault("dir", self._save_dir)
        self._init_kwargs.setdefault("save_dvc_exp", True)
        self._init_kwargs.setdefault("cache_images", True)
        self._dvclive = Live(**self._init_kwargs)

    @property
    @force_init_env
    def experiment(self) -> Any:
        """The ``dvclive.Live`` object (for tables, plots and such)."""
        return self._dvclive

    @force_init_env
    def add_config(self, config: Any, **kwargs: Any) -> None:
        """The config's values as DVC params."""
        assert callable(getattr(config, "to_dict", None)), (
            f"DVCLiveVisBackend.add_config needs a Config, but got {type(config).__name__}"
        )
        self.cfg = config
        self._dvclive.log_params(_to_dvc_paramlike(config.to_dict()))

    @force_init_env
    def add_image(self, name: str, image: Any, step: int = 0, **kwargs: Any) -> None:
        """Saved as ``<name>.png`` (DVCLive keeps no steps for images)."""
        import numpy as np

        assert image.dtype == np.uint8
        self._dvclive.log_image(f"{name}.png", image)

    @force_init_env
    def add_scalar(self, name: str, value: Any, step: int = 0, **kwargs: Any) -> None:
        torch = sys.modules.get("torch")
        if torch is not None and isinstance(value, torch.Tensor):
            value = value.numpy()
        self._dvclive.step = step
        self._dvclive.log_metric(name, value)

    @force_init_env
    def add_scalars(
        self, scalar_dict: dict, step: int = 0, file_path: str | None = None, **kwargs: Any
    ) -> None:
        check_scalar_dict(self, scalar_dict)
        for key, value in scalar_dict.items():
            self.add_scalar(key, value, step, **kwargs)

    def close(self) -> None:
        if not hasattr(self, "_dvclive"):
            return
        from mmlight.utils.path import scandir

        save_dir = str(self._save_dir)
        suffix = self._artifact_suffix
        suffixes = suffix if isinstance(suffix, str) else tuple(suffix)
        # Listed before logging: logging may add files under save_dir.
        paths = [osp.join(save_dir, name) for name in scandir(save_dir, suffixes, True)]
        for path in paths:
            self._dvclive.log_artifact(path, os.path.dirname(os.path.relpath(path, save_dir)))
        self._dvclive.end()
