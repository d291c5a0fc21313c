"""Aim, ClearML, DVCLive and Neptune backends: install hints, and the calls they make.

The trackers' packages are replaced by small recording fakes; where mmengine is installed, its
backend is driven through the same fakes and must make the same calls.
"""

from __future__ import annotations

import sys
import types
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from mmlight.config import Config
from mmlight.registry import VISBACKENDS
from mmlight.visualization import (
    AimVisBackend,
    ClearMLVisBackend,
    DVCLiveVisBackend,
    MissingVisBackendPackageError,
    NeptuneVisBackend,
    Visualizer,
    tracker_backends,
)

HINTS = {
    AimVisBackend: ("aim", 'Please run "pip install aim" to install aim'),
    ClearMLVisBackend: ("clearml", 'Please run "pip install clearml" to install clearml'),
    NeptuneVisBackend: ("neptune", 'Please run "pip install -U neptune" to install neptune'),
    DVCLiveVisBackend: ("dvclive", 'Please run "pip install dvclive" to install dvclive'),
}


@pytest.mark.parametrize("backend", list(HINTS), ids=lambda cls: cls.__name__)
def test_missing_package_says_what_to_install(backend, monkeypatch, tmp_path: Path) -> None:
    module, hint = HINTS[backend]
    monkeypatch.setitem(sys.modules, module, None)  # import -> ImportError
    with pytest.raises(MissingVisBackendPackageError, match=hint):
        backend(save_dir=str(tmp_path))
    with pytest.raises(ImportError, match=rf"{backend.__name__} needs the '{module}'"):
        Visualizer(
            name=f"vis-{uuid.uuid4().hex}",
            vis_backends=[dict(type=backend.__name__)],
            save_dir=str(tmp_path),
        )


def test_registered_like_mmengine() -> None:
    mm_registry = pytest.importorskip("mmengine.registry")
    pytest.importorskip("mmengine.visualization")
    assert set(mm_registry.VISBACKENDS.module_dict) <= set(VISBACKENDS.module_dict)
    for name in ("AimVisBackend", "ClearMLVisBackend", "DVCLiveVisBackend", "NeptuneVisBackend"):
        assert VISBACKENDS.get(name) is getattr(tracker_backends, name)


# ---- recording fakes of the trackers' packages ----------------------------------------------


class Log:
    """Every call the fakes receive, in order, as (what, args...) tuples."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def add(self, *call: Any) -> None:
        self.calls.append(tuple(_plain(item) for item in call))


def _plain(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return ("array", value.dtype.str, value.shape, float(np.asarray(value, float).sum()))
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_plain(item) for item in value)
    return value


def _module(name: str, **attrs: Any) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__dict__.update(attrs)
    return module


def _fake_aim(log: Log) -> dict[str, types.ModuleType]:
    class Run:
        def __init__(self, **kwargs: Any) -> None:
            log.add("Run", kwargs)

        def __setitem__(self, key: str, value: Any) -> None:
            log.add("set", key, value)

        def track(self, name: str, value: Any, step: int) -> None:
            log.add("track", name, value, step)

        def close(self) -> None:
            log.add("close")

    class Image:
        def __init__(self, image: np.ndarray) -> None:
            self.image = image

        def __repr__(self) -> str:
            return f"Image({_plain(self.image)})"

    return {"aim": _module("aim", Run=Run, Image=Image)}


def _fake_clearml(log: Log) -> dict[str, types.ModuleType]:
    class Logger:
        def report_image(self, **kwargs: Any) -> None:
            log.add("report_image", kwargs)

        def report_scalar(self, **kwargs: Any) -> None:
            log.add("report_scalar", kwargs)

    class Task:
        @classmethod
        def init(cls, **kwargs: Any) -> Task:
            log.add("Task.init", kwargs)
            return cls()

        def get_logger(self) -> Logger:
            return Logger()

        def connect_configuration(self, config: dict) -> None:
            log.add("connect_configuration", config)

        def upload_artifact(self, name: str, path: str) -> None:
            log.add("upload_artifact", name, Path(path).name)

        def close(self) -> None:
            log.add("close")

    return {"clearml": _module("clearml", Task=Task)}


def _fake_neptune(log: Log) -> dict[str, types.ModuleType]:
    class Field:
        def __init__(self, key: str) -> None:
            self.key = key

        def append(self, value: Any, **kwargs: Any) -> None:
            log.add("append", self.key, value, kwargs)

        def upload(self, value: Any) -> None:
            log.add("upload", self.key, value)

    class Run:
        def __getitem__(self, key: str) -> Field:
            return Field(key)

        def stop(self) -> None:
            log.add("stop")

    def init_run(**kwargs: Any) -> Run:
        log.add("init_run", kwargs)
        return Run()

    class File:
        @staticmethod
        def from_content(text: str) -> tuple:
            return ("content", text)

        @staticmethod
        def as_image(image: np.ndarray) -> tuple:
            return ("image", image)

    types_module = _module("neptune.types", File=File)
    return {
        "neptune": _module("neptune", init_run=init_run, types=types_module),
        "neptune.types": types_module,
    }


def _fake_dvclive(log: Log) -> dict[str, types.ModuleType]:
    class Live:
        def __init__(self, **kwargs: Any) -> None:
            log.add("Live", kwargs)
            self._step = 0

        @property
        def step(self) -> int:
            return self._step

        @step.setter
        def step(self, value: int) -> None:
            log.add("step", value)
            self._step = value

        def log_params(self, params: dict) -> None:
            log.add("log_params", params)

        def log_image(self, name: str, image: np.ndarray) -> None:
            log.add("log_image", name, image)

        def log_metric(self, name: str, value: Any) -> None:
            log.add("log_metric", name, value)

        def log_artifact(self, path: str, kind: str) -> None:
            log.add("log_artifact", Path(path).name, kind)

        def end(self) -> None:
            log.add("end")

    class Repository:
        def __init__(self, path: Any) -> None:
            self.default_signature = "someone"  # a git identity: no 'dvc init'

    pygit2 = _module("pygit2", discover_repository=lambda *args: ".", Repository=Repository)
    return {"dvclive": _module("dvclive", Live=Live), "pygit2": pygit2}


FAKES = {
    "AimVisBackend": _fake_aim,
    "ClearMLVisBackend": _fake_clearml,
    "NeptuneVisBackend": _fake_neptune,
    "DVCLiveVisBackend": _fake_dvclive,
}


def _drive(backend: Any, work_dir: Path) -> None:
    """The records a Runner makes, then close."""
    # No lists: mmengine formats them differently in pretty_text (Neptune uploads the text).
    cfg = Config(dict(a=1, b=dict(c=2, d="x"), work_dir=str(work_dir)))
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    backend.add_config(cfg)
    backend.add_image("img", image, step=3)
    backend.add_scalar("lr", 0.5, step=4)
    backend.add_scalars({"loss": 1.5, "acc": 0.25}, step=5)
    backend.close()


def _kwargs(name: str, save_dir: Path) -> dict:
    if name == "DVCLiveVisBackend":
        return dict(save_dir=str(save_dir))
    if name == "AimVisBackend":
        return dict(save_dir=str(save_dir), init_kwargs=dict(repo="r"))
    return dict(save_dir=str(save_dir))


def _record(name: str, cls: Any, monkeypatch, tmp_path: Path) -> list[tuple]:
    log = Log()
    for module_name, module in FAKES[name](log).items():
        monkeypatch.setitem(sys.modules, module_name, module)
    work_dir = tmp_path / "work"
    save_dir = work_dir / "vis_data"
    save_dir.mkdir(parents=True, exist_ok=True)
    (work_dir / "cfg.py").write_text("a = 1\n")
    (save_dir / "scalars.json").write_text("{}\n")
    _drive(cls(**_kwargs(name, save_dir)), work_dir)
    return log.calls


@pytest.mark.parametrize("name", list(FAKES))
def test_calls_to_the_tracker(name: str, monkeypatch, tmp_path: Path) -> None:
    calls = _record(name, getattr(tracker_backends, name), monkeypatch, tmp_path)
    expected_start = {
        "AimVisBackend": ("Run", {"repo": "r", "experiment": "work_vis_data"}),
        "ClearMLVisBackend": ("Task.init", {}),
        "NeptuneVisBackend": ("init_run", {"mode": "offline"}),
        "DVCLiveVisBackend": (
            "Live",
            {
                "dir": str(tmp_path / "work" / "vis_data"),
                "save_dvc_exp": True,
                "cache_images": True,
            },
        ),
    }[name]
    assert calls[0] == expected_start
    assert calls[-1][0] in ("close", "stop", "end")
    flat = repr(calls)
    assert "'lr'" in flat and "'loss'" in flat and "'acc'" in flat
    if name == "ClearMLVisBackend":  # the work_dir's .py files go up on close
        assert ("upload_artifact", "cfg.py", "cfg.py") in calls
    if name == "DVCLiveVisBackend":  # save_dir's .json/.py/yaml files as artifacts
        assert ("log_artifact", "scalars.json", "") in calls


@pytest.mark.parametrize("name", list(FAKES))
def test_same_calls_as_mmengine(name: str, monkeypatch, tmp_path: Path) -> None:
    mm_vis = pytest.importorskip("mmengine.visualization")
    from mmengine.config import Config as MMConfig

    ours = _record(name, getattr(tracker_backends, name), monkeypatch, tmp_path / "ours")

    mm_cls = getattr(mm_vis, name)
    monkeypatch.setattr(
        sys.modules[__name__], "Config", lambda cfg: MMConfig(cfg)
    )  # mmengine's backends want mmengine's Config
    theirs = _record(name, mm_cls, monkeypatch, tmp_path / "theirs")

    def relative(calls: list[tuple], root: Path) -> str:
        return repr(calls).replace(str(root), "<root>")

    assert relative(ours, tmp_path / "ours") == relative(theirs, tmp_path / "theirs")


def test_scalars_refuse_a_step_key(monkeypatch, tmp_path: Path) -> None:
    for name in ("ClearMLVisBackend", "NeptuneVisBackend"):
        for module_name, module in FAKES[name](Log()).items():
            monkeypatch.setitem(sys.modules, module_name, module)
        backend = getattr(tracker_backends, name)(save_dir=str(tmp_path))
        with pytest.raises(AssertionError, match="Please set it directly through the step"):
            backend.add_scalars({"step": 1})


def test_dvclive_without_git_identity_inits_dvc_without_scm(monkeypatch, tmp_path: Path) -> None:
    log = Log()
    modules = _fake_dvclive(log)

    class NoIdentity:
        def __init__(self, path: Any) -> None:
            pass

        @property
        def default_signature(self) -> str:
            raise KeyError("user.name")

    modules["pygit2"].Repository = NoIdentity
    for module_name, module in modules.items():
        monkeypatch.setitem(sys.modules, module_name, module)
    ran: list[list[str]] = []
    monkeypatch.setattr(tracker_backends.subprocess, "run", lambda cmd, check: ran.append(cmd))
    backend = DVCLiveVisBackend(save_dir=str(tmp_path))
    backend.add_scalar("x", 1.0)
    assert ran == [["dvc", "init", "-f", "--no-scm"]]
    assert ("log_metric", "x", 1.0) in log.calls
