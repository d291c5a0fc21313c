"""LoggerHook: when it logs, where lines and scalars go, test dumps and out_dir copies."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path
from types import SimpleNamespace

import fsspec
import numpy as np
import pytest
import torch

from mmlight.hooks import LoggerHook

# ---- arguments ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(interval=0), ValueError, r"interval must be a positive int, but got 0"),
        (dict(interval="5"), TypeError, r"interval must be a positive int, but got str: '5'"),
        (dict(interval=True), TypeError, r"interval must be a positive int, but got bool"),
        (dict(interval_exp_name=-1), ValueError, r"interval_exp_name must be a positive int"),
        (dict(ignore_last=1), TypeError, r"ignore_last must be True or False, but got int: 1"),
        (dict(keep_local="no"), TypeError, r"keep_local must be True or False"),
        (dict(out_dir=3), TypeError, r"out_dir must be a str or pathlib.Path, but got int: 3"),
        (dict(out_suffix=[".log", 1]), TypeError, r"out_suffix must be a str or a sequence"),
        (
            dict(file_client_args={}),
            ValueError,
            r"file_client_args should be \"None\" when `out_dir` is not specified",
        ),
        (
            dict(out_dir="memory://x", file_client_args={}, backend_args={}),
            ValueError,
            r"\"file_client_args\" and \"backend_args\" cannot be set at the same time",
        ),
        (dict(out_dir="nosuchproto://bucket/logs"), ValueError, r"out_dir='nosuchproto://"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        LoggerHook(**kwargs)


def test_defaults_match_mmengine() -> None:
    hook = LoggerHook()
    assert (hook.interval, hook.ignore_last, hook.interval_exp_name) == (10, True, 1000)
    assert hook.out_dir is None and hook.keep_local is True
    assert hook.out_suffix == (".json", ".log", ".py", "yaml")
    assert hook.log_metric_by_epoch is True
    assert LoggerHook.priority == "BELOW_NORMAL"


def test_file_client_args_is_deprecated_but_works() -> None:
    with pytest.warns(DeprecationWarning, match='"file_client_args" will be deprecated in future'):
        hook = LoggerHook(out_dir="memory://logs", file_client_args=dict(backend="local"))
    assert hook.backend_args == dict(backend="local")


# ---- training iterations ----------------------------------------------------------------------


def _run_epoch(hook: LoggerHook, runner, length: int, first_iter: int = 0) -> list[int]:
    """Call after_train_iter for one epoch; return the batch indices that were logged."""
    runner.train_dataloader = list(range(length))
    logged = []
    for batch_idx in range(length):
        runner.iter = first_iter + batch_idx
        before = len(runner.log_processor.calls)
        hook.after_train_iter(runner, batch_idx=batch_idx)
        if len(runner.log_processor.calls) > before:
            logged.append(batch_idx)
    return logged


@pytest.mark.parametrize(
    ("length", "interval", "ignore_last", "expected"),
    [
        (5, 2, True, [1, 3]),  # the last, short interval is dropped
        (5, 2, False, [1, 3, 4]),
        (3, 5, True, [2]),  # an epoch shorter than one interval is still logged once
        (6, 3, True, [2, 5]),
    ],
)
def test_train_logging_schedule(make_runner, length, interval, ignore_last, expected) -> None:
    hook = LoggerHook(interval=interval, ignore_last=ignore_last)
    runner = make_runner()
    hook.before_run(runner)
    assert _run_epoch(hook, runner, length) == expected


def test_train_log_line_and_scalars(make_runner) -> None:
    hook = LoggerHook(interval=2)
    runner = make_runner()
    hook.before_run(runner)
    _run_epoch(hook, runner, 4, first_iter=10)
    assert runner.messages == [
        "train iter line 1",
        "Exp name: exp_20240101_000000",  # end of epoch
        "train iter line 3",
    ]
    assert runner.visualizer.scalars == [
        ({"loss": 0.5, "iter": 12}, 12, "20240101_000000.json"),
        ({"loss": 0.5, "iter": 14}, 14, "20240101_000000.json"),
    ]


def test_exp_name_every_interval_exp_name_iterations(make_runner) -> None:
    hook = LoggerHook(interval=100, interval_exp_name=3)
    runner = make_runner()
    hook.before_run(runner)
    _run_epoch(hook, runner, 7)
    exp_lines = [i for i, m in enumerate(runner.messages) if m.startswith("Exp name:")]
    assert len(exp_lines) == 3  # after iterations 3 and 6, and at the end of the epoch (7)


def _local_visualizer(log_dir: str):
    from mmlight.visualization import Visualizer

    return Visualizer(
        name=f"logger-hook-{uuid.uuid4().hex}",
        vis_backends=[dict(type="LocalVisBackend")],
        save_dir=str(log_dir),
    )


def test_scalars_and_config_go_through_a_real_visualizer(make_runner, tmp_path) -> None:
    from mmlight.config import Config

    log_dir = tmp_path / "work_dirs" / "exp" / "20240101_000000"
    cfg = Config(dict(model=dict(type="Toy"), lr=0.1))
    runner = make_runner(visualizer=_local_visualizer(str(log_dir)), cfg=cfg)
    hook = LoggerHook(interval=1)
    hook.before_run(runner)
    _run_epoch(hook, runner, 2)
    runner.epoch = 1
    hook.after_val_epoch(runner, metrics={"acc": 0.75})
    hook.after_run(runner)
    vis_data = log_dir / "vis_data"
    expected = [
        {"loss": 0.5, "iter": 1, "step": 1},
        {"loss": 0.5, "iter": 2, "step": 2},
        {"acc": 0.75, "epoch": 1, "step": 1},
    ]
    for name in ("scalars.json", "20240101_000000.json"):
        lines = (vis_data / name).read_text().splitlines()
        assert [json.loads(line) for line in lines] == expected
    # The Runner records the config at construction (as mmengine's does), not this hook.
    assert not (vis_data / "config.py").exists()


def test_hook_leaves_the_config_to_the_runner(make_runner) -> None:
    runner = make_runner()
    hook = LoggerHook()
    hook.before_run(runner)
    assert runner.visualizer.configs == []


def test_empty_config_is_not_recorded(make_runner) -> None:
    from mmlight.config import Config

    runner = make_runner(cfg=Config())
    LoggerHook().before_run(runner)
    assert runner.visualizer.configs == []


def test_runner_without_visualizer_logs_lines_only(make_runner) -> None:
    hook = LoggerHook(interval=1)
    runner = make_runner(visualizer=None)
    hook.before_run(runner)
    _run_epoch(hook, runner, 2)
    hook.after_run(runner)  # no visualizer to close: no error
    assert runner.messages.count("train iter line 1") == 1
    assert not (Path(runner.log_dir) / "vis_data").exists()


# ---- validation and test ----------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["val", "test"])
def test_eval_iterations_log_every_interval(make_runner, mode: str) -> None:
    hook = LoggerHook(interval=2)
    runner = make_runner()
    for batch_idx in range(5):
        getattr(hook, f"after_{mode}_iter")(runner, batch_idx=batch_idx)
    assert runner.messages == [f"{mode} iter line 1", f"{mode} iter line 3"]
    assert runner.visualizer.scalars == []


@pytest.mark.parametrize(
    ("by_epoch", "train_loop_attrs", "expected_step"),
    [
        (True, {}, 3),
        (False, {}, 17),
        (True, {"_train_loop": None}, 0),  # mmengine's runner, val-only run
        (False, {"_train_loop": {"type": "EpochBasedTrainLoop"}}, 0),
        (True, {"train_loop": None}, 0),  # a runner without _train_loop and no train loop
    ],
)
def test_val_epoch_step(make_runner, by_epoch, train_loop_attrs, expected_step) -> None:
    hook = LoggerHook(log_metric_by_epoch=by_epoch)
    runner = make_runner(epoch=3, iter=17, **train_loop_attrs)
    hook.before_run(runner)
    hook.after_val_epoch(runner, metrics={"acc": 0.75})
    assert runner.log_processor.calls == [("epoch", "val", 3, False)]
    assert runner.messages == ["val epoch line 3"]
    assert runner.visualizer.scalars == [
        ({"acc": 0.75, "epoch": 3}, expected_step, "20240101_000000.json")
    ]


def test_test_epoch_dumps_json_friendly_metrics(make_runner) -> None:
    class Processor:
        def get_log_after_epoch(self, runner, batch_idx, mode, with_non_scalar=False):
            assert (batch_idx, mode, with_non_scalar) == (5, "test", True)
            tag = {
                "acc": 0.5,
                "t": torch.tensor([1.0, 2.0]),
                "a": np.array([[1, 2]]),
                "f32": np.float32(0.25),
                "nested": {"k": (1, torch.tensor(3))},
                "obj": object(),
                "flag": True,
            }
            return tag, "test epoch line"

    runner = make_runner(log_processor=Processor())
    hook = LoggerHook()
    hook.before_run(runner)
    hook.after_test_epoch(runner, metrics={"acc": 0.5})
    written = json.loads((Path(runner.log_dir) / "20240101_000000.json").read_text())
    assert written == {
        "acc": 0.5,
        "t": [1.0, 2.0],
        "a": [[1, 2]],
        "f32": 0.25,
        "nested": {"k": [1, 3]},
        "obj": None,
        "flag": True,
    }
    assert runner.messages == ["test epoch line"]
    assert runner.visualizer.scalars == []


def test_test_epoch_dump_only_on_rank_zero(make_runner) -> None:
    runner = make_runner(rank=1)
    hook = LoggerHook()
    hook.before_run(runner)
    hook.after_test_epoch(runner, metrics={})
    assert not Path(runner.log_dir).exists()


# ---- after_run: closing and copying -----------------------------------------------------------


def _write_logs(log_dir: Path) -> None:
    (log_dir / "vis_data").mkdir(parents=True)
    (log_dir / "20240101_000000.log").write_text("log line\n")
    (log_dir / "20240101_000000.json").write_text("{}")
    (log_dir / "vis_data" / "scalars.json").write_text('{"step": 1}\n')
    (log_dir / "vis_data" / "config.py").write_text("a = 1\n")
    (log_dir / "notes.txt").write_text("not copied")
    (log_dir / ".hidden.log").write_text("hidden files are not copied")


def test_after_run_closes_the_visualizer_without_out_dir(make_runner) -> None:
    runner = make_runner()
    hook = LoggerHook()
    hook.before_run(runner)
    hook.after_run(runner)
    assert runner.visualizer.closed == 1


def test_after_run_copies_matching_files_to_a_memory_url(make_runner) -> None:
    root = f"memory://mmlight-logger-{uuid.uuid4().hex}"
    runner = make_runner()
    _write_logs(Path(runner.log_dir))
    hook = LoggerHook(out_dir=root)
    hook.before_run(runner)
    assert hook.out_dir == f"{root}/exp"
    assert (
        runner.messages[0] == f"Text logs will be saved to {root}/exp after the training process."
    )
    hook.after_run(runner)
    fs = fsspec.filesystem("memory")
    base = root.split("://", 1)[1]
    copied = sorted(p.split(f"{base}/exp/", 1)[1] for p in fs.find(base))
    assert copied == [
        "20240101_000000.json",
        "20240101_000000.log",
        "vis_data/config.py",
        "vis_data/scalars.json",
    ]
    assert fs.cat(f"{base}/exp/20240101_000000.log") == b"log line\n"
    assert (Path(runner.log_dir) / "20240101_000000.log").exists()  # keep_local=True
    assert any("has been uploaded to" in m for m in runner.messages)


def test_after_run_to_a_local_dir_without_keeping_local_files(make_runner, tmp_path) -> None:
    runner = make_runner()
    log_dir = Path(runner.log_dir)
    _write_logs(log_dir)
    file_handler = logging.FileHandler(log_dir / "20240101_000000.log")
    runner.logger.addHandler(file_handler)
    out_root = tmp_path / "backup"
    hook = LoggerHook(out_dir=out_root, out_suffix=".log", keep_local=False)
    hook.before_run(runner)
    hook.before_run(runner)  # a second run does not nest the experiment folder again
    assert hook.out_dir == str(out_root / "exp")
    hook.after_run(runner)
    copied = (out_root / "exp" / "20240101_000000.log").read_text()
    assert copied.startswith("log line\nText logs will be saved to")  # the file handler's lines
    assert not (out_root / "exp" / "20240101_000000.json").exists()
    assert not (log_dir / "20240101_000000.log").exists()
    assert (log_dir / "20240101_000000.json").exists()  # not matched, not removed
    assert file_handler.stream is None  # closed before removal
    assert any("will be removed because keep_local=False" in m for m in runner.messages)


def test_work_dir_with_trailing_slash(make_runner, tmp_path) -> None:
    runner = make_runner(work_dir=str(tmp_path / "runs" / "exp2") + "/")
    hook = LoggerHook(out_dir="memory://somewhere/")
    hook.before_run(runner)
    assert hook.out_dir == "memory://somewhere/exp2"


def test_before_run_without_out_dir_only_sets_the_json_name(make_runner) -> None:
    runner = make_runner(timestamp="20250102_030405")
    hook = LoggerHook()
    hook.before_run(runner)
    assert hook.json_log_path == "20250102_030405.json"
    assert runner.messages == []


def test_test_dump_without_before_run_uses_the_timestamp(make_runner) -> None:
    runner = make_runner()
    LoggerHook().after_test_epoch(runner, metrics={})
    assert (Path(runner.log_dir) / "20240101_000000.json").exists()


def test_json_lines_accept_numpy_values(make_runner) -> None:
    hook = LoggerHook(interval=1)
    processor = SimpleNamespace(
        get_log_after_iter=lambda runner, idx, mode: ({"lr": np.float32(0.5)}, "line"),
    )
    runner = make_runner(log_processor=processor, cfg=None)
    runner.visualizer = _local_visualizer(runner.log_dir)
    hook.before_run(runner)
    hook.after_train_iter(runner, batch_idx=0)
    line = (Path(runner.log_dir) / "vis_data" / "scalars.json").read_text()
    assert json.loads(line) == {"lr": 0.5, "step": 1}


def test_out_dir_needing_a_missing_filesystem_package_fails_at_construction() -> None:
    try:
        import s3fs  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("s3fs is installed here")
    with pytest.raises(ImportError, match=r"LoggerHook: out_dir='s3://bucket/logs' needs a fil"):
        LoggerHook(out_dir="s3://bucket/logs")


def test_backend_args_become_storage_options(make_runner) -> None:
    # mmengine's 'backend' key is dropped; the rest reaches fsspec
    root = f"memory://opts-{uuid.uuid4().hex}"
    hook = LoggerHook(out_dir=root, backend_args=dict(backend="local", skip_instance_cache=True))
    assert hook._storage_options == {"skip_instance_cache": True}
    runner = make_runner()
    _write_logs(Path(runner.log_dir))
    hook.before_run(runner)
    hook.after_run(runner)
    copied = fsspec.filesystem("memory").cat(f"{root.split('://')[1]}/exp/20240101_000000.log")
    assert copied == b"log line\n"
