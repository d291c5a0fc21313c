"""Module-level checkpoint functions: safe loading, atomic saving, key revision, errors."""

from __future__ import annotations

import logging
import os
import pickle
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from mmlight.logging import HistoryBuffer
from mmlight.runner import (
    find_latest_checkpoint,
    get_state_dict,
    load_checkpoint,
    save_checkpoint,
    weights_to_cpu,
)
from mmlight.runner.checkpoint import _load_checkpoint, check_checkpoint_safe, load_state_dict
from mmlight.runner.safe_checkpoint import decode_safe


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(3, 2)
        self.bn = nn.BatchNorm1d(2)


class Wrapper(nn.Module):
    """Stands for DDP: weights saved from it carry a ``module.`` prefix."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module


class Sneaky:
    """Unpickling this runs a shell command that creates a marker file."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return (os.system, (f"touch {self.marker}",))


class Harmless:
    def __init__(self) -> None:
        self.value = 3


def _memory_url(name: str) -> str:
    return f"memory://ckpt-{uuid.uuid4().hex[:8]}/{name}"


@pytest.mark.parametrize("where", ["local", "memory"])
def test_round_trip_and_plain_weights_only_load(tmp_path: Path, where: str) -> None:
    buffer = HistoryBuffer([1.0, 2.5], [1, 2])
    checkpoint = {
        "state_dict": Net().state_dict(),
        "hub": {"loss": buffer, "best": np.float64(0.25), "arr": np.arange(6).reshape(2, 3)},
        "meta": {"classes": ("a", "b"), "epoch": 2},
    }
    path = str(tmp_path / "a.pth") if where == "local" else _memory_url("a.pth")
    save_checkpoint(checkpoint, path)
    if where == "local":
        plain = torch.load(path, weights_only=True)  # no allow-list at all
        assert plain["hub"]["best"] == 0.25 and type(plain["hub"]["best"]) is float
    loaded = decode_safe(_load_checkpoint(path))
    assert isinstance(loaded["hub"]["loss"], HistoryBuffer)
    np.testing.assert_array_equal(loaded["hub"]["loss"].data[0], buffer.data[0])
    np.testing.assert_array_equal(loaded["hub"]["loss"].data[1], buffer.data[1])
    assert loaded["hub"]["arr"].dtype == np.arange(6).dtype
    np.testing.assert_array_equal(loaded["hub"]["arr"], np.arange(6).reshape(2, 3))
    assert loaded["meta"] == {"classes": ("a", "b"), "epoch": 2}
    for key, value in checkpoint["state_dict"].items():
        torch.testing.assert_close(loaded["state_dict"][key], value)
    assert loaded["state_dict"]._metadata == checkpoint["state_dict"]._metadata


def test_malicious_pickle_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"state_dict": {"w": torch.ones(1)}, "x": Sneaky(marker)}, path)
    with pytest.raises(pickle.UnpicklingError) as info:
        load_checkpoint(Net(), str(path))
    message = str(info.value)
    assert str(path) in message
    assert "system" in message  # the offending global, e.g. posix.system
    assert "unsafe_load=True" in message and "--unsafe-load" in message
    assert not marker.exists()
    # a raw pickle (no torch zip container) is refused the same way
    raw = tmp_path / "raw.pth"
    raw.write_bytes(pickle.dumps(Sneaky(marker), protocol=2))
    with pytest.raises(pickle.UnpicklingError, match="unsafe_load"):
        _load_checkpoint(str(raw))
    assert not marker.exists()


def test_unsafe_load_opt_out(tmp_path: Path) -> None:
    path = tmp_path / "custom.pth"
    torch.save({"obj": Harmless()}, path)
    with pytest.raises(pickle.UnpicklingError, match="Harmless"):
        _load_checkpoint(str(path))
    with pytest.warns(UserWarning, match="unsafe_load=True"):
        assert _load_checkpoint(str(path), unsafe_load=True)["obj"].value == 3


def test_missing_truncated_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"nope\.pth does not exist"):
        _load_checkpoint(str(tmp_path / "nope.pth"))
    with pytest.raises(FileNotFoundError, match="nope"):
        _load_checkpoint(_memory_url("nope.pth"))
    good = tmp_path / "good.pth"
    torch.save({"state_dict": Net().state_dict()}, good)
    truncated = tmp_path / "truncated.pth"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(ValueError, match=r"truncated\.pth is not a readable checkpoint"):
        _load_checkpoint(str(truncated))
    text = tmp_path / "notes.pth"
    text.write_text("hello world")
    with pytest.raises(ValueError, match=r"notes\.pth is not a readable checkpoint"):
        _load_checkpoint(str(text))
    with pytest.raises(ValueError, match="model-zoo"):  # a name, not a file to scan
        check_checkpoint_safe("torchvision://resnet50")
    listed = tmp_path / "list.pth"
    torch.save([1, 2], listed)
    with pytest.raises(RuntimeError, match="No state_dict found"):
        load_checkpoint(Net(), str(listed))


def test_load_checkpoint_revise_keys_and_strict(tmp_path: Path, caplog: Any) -> None:
    source = Net()
    path = tmp_path / "wrapped.pth"
    torch.save({"state_dict": Wrapper(source).state_dict()}, path)
    target = Net()
    load_checkpoint(target, str(path))  # strips 'module.'
    for key, value in source.state_dict().items():
        torch.testing.assert_close(target.state_dict()[key], value)

    renamed = Net()
    load_checkpoint(renamed, str(path), revise_keys=[(r"^module\.", ""), (r"^fc\.", "xx.")],
                    logger="silent")
    with pytest.raises(RuntimeError, match=r"missing keys in source state_dict: fc\.weight"):
        load_checkpoint(Net(), str(path), revise_keys=[(r"^module\.fc", "other")], strict=True)

    # num_batches_tracked does not count as missing
    state = OrderedDict((k, v) for k, v in source.state_dict().items()
                        if "num_batches_tracked" not in k)
    load_state_dict(Net(), state, strict=True)


def test_load_state_dict_reports_unexpected(caplog: Any) -> None:
    logger = logging.getLogger("ckpt-test")
    with caplog.at_level(logging.WARNING, logger="ckpt-test"):
        load_state_dict(Net(), {**Net().state_dict(), "extra": torch.ones(1)}, logger=logger)
    assert "unexpected key in source state_dict: extra" in caplog.text


def test_state_dict_helpers() -> None:
    wrapped = Wrapper(Net())
    from mmlight.registry import MODEL_WRAPPERS

    MODEL_WRAPPERS.register_module(name="CkptTestWrapper", module=Wrapper, force=True)
    try:
        state = get_state_dict(wrapped)
    finally:
        MODEL_WRAPPERS.module_dict.pop("CkptTestWrapper")
    assert list(state) == list(Net().state_dict())
    assert state._metadata[""] == {"version": nn.Module._version}  # type: ignore[attr-defined]
    cpu = weights_to_cpu(state)
    assert cpu._metadata is state._metadata  # type: ignore[attr-defined]
    assert all(t.device.type == "cpu" for t in cpu.values())


def test_save_refuses_objects_it_could_not_load_back(tmp_path: Path) -> None:
    path = tmp_path / "x.pth"
    with pytest.raises(TypeError, match=r"checkpoint\['meta'\]\['obj'\].*Harmless"):
        save_checkpoint({"meta": {"obj": Harmless()}}, str(path))
    assert not path.exists()
    with pytest.raises(ValueError, match="cannot be set at the same time"):
        save_checkpoint({}, str(path), file_client_args={}, backend_args={})


def test_crash_while_saving_keeps_previous_checkpoint(tmp_path: Path, monkeypatch: Any) -> None:
    work_dir = tmp_path / "work"
    path = work_dir / "epoch_1.pth"
    save_checkpoint({"state_dict": Net().state_dict(), "meta": {"epoch": 1}}, str(path))
    (work_dir / "last_checkpoint").write_text(str(path))
    before = path.read_bytes()
    real_save = torch.save

    def crash_midway(obj: Any, stream: Any) -> None:
        import io

        buffer = io.BytesIO()
        real_save(obj, buffer)
        stream.write(buffer.getvalue()[: len(buffer.getvalue()) // 2])
        raise OSError("simulated crash while writing")

    monkeypatch.setattr(torch, "save", crash_midway)
    with pytest.raises(OSError, match="simulated crash"):
        save_checkpoint({"state_dict": Net().state_dict(), "meta": {"epoch": 2}}, str(path))
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert sorted(p.name for p in work_dir.iterdir()) == ["epoch_1.pth", "last_checkpoint"]
    assert find_latest_checkpoint(str(work_dir)) == str(path)
    assert _load_checkpoint(str(path))["meta"] == {"epoch": 1}


def test_find_latest_checkpoint(tmp_path: Path) -> None:
    assert find_latest_checkpoint(str(tmp_path)) is None
    (tmp_path / "last_checkpoint").write_text("/x/epoch_3.pth\n")
    assert find_latest_checkpoint(str(tmp_path)) == "/x/epoch_3.pth"
    url = _memory_url("")
    from mmlight.fileio import put_text

    put_text("memory://x/iter_5.pth", url + "last_checkpoint")
    assert find_latest_checkpoint(url) == "memory://x/iter_5.pth"


@pytest.mark.parametrize(
    "content",
    [bytes(range(256)) * 4, b"not a checkpoint at all", pickle.dumps({"a": [1, 2]})[:-3]],
    ids=["binary", "text", "truncated_pickle"],
)
def test_garbage_is_not_a_checkpoint_rather_than_unsafe(tmp_path: Path, content: bytes) -> None:
    """torch's message for any failed weights_only load mentions weights_only; only a refused
    global makes a file unsafe."""
    from mmlight.runner.checkpoint import NotACheckpointError, UnsafeCheckpointError

    path = tmp_path / "junk.pth"
    path.write_bytes(content)
    with pytest.raises(NotACheckpointError, match=r"junk\.pth is not a readable checkpoint") as err:
        _load_checkpoint(str(path))
    assert not isinstance(err.value, UnsafeCheckpointError)
    assert "weights_only" not in str(err.value)  # no advice to unpickle a non-pickle
    assert err.value.reason.startswith("its pickle cannot be parsed: Unsupported operand")


def test_check_checkpoint_safe_lists_refused_globals_without_running_them(tmp_path: Path) -> None:
    import argparse

    import fsspec

    from mmlight.runner.checkpoint import (
        CheckpointNotFoundError,
        NotACheckpointError,
        check_checkpoint_safe,
    )

    marker = tmp_path / "pwned"
    safe = tmp_path / "safe.pth"
    save_checkpoint({"state_dict": Net().state_dict(), "hub": HistoryBuffer([1.0], [1])}, safe)
    assert check_checkpoint_safe(safe) == []

    zipped = tmp_path / "zipped.pth"
    torch.save({"x": Sneaky(marker), "y": argparse.Namespace(a=1)}, zipped)
    assert check_checkpoint_safe(str(zipped)) == ["argparse.Namespace", "posix.system"]

    legacy = tmp_path / "legacy.pth"  # no static scan for the legacy format: the first refusal
    torch.save({"x": Sneaky(marker)}, legacy, _use_new_zipfile_serialization=False)
    assert check_checkpoint_safe(legacy) == ["posix.system"]
    assert not marker.exists()

    url = _memory_url("remote.pth")
    with fsspec.open(url, "wb") as remote:
        remote.write(zipped.read_bytes())
    assert check_checkpoint_safe(url) == ["argparse.Namespace", "posix.system"]

    junk = tmp_path / "junk.pth"
    junk.write_bytes(bytes(range(256)))
    with pytest.raises(NotACheckpointError):
        check_checkpoint_safe(junk)
    with pytest.raises(CheckpointNotFoundError):
        check_checkpoint_safe(tmp_path / "missing.pth")
