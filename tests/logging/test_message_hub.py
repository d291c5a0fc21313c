"""mmlight.logging.MessageHub: updates, lookups, resumed keys, state dicts, instances."""

from __future__ import annotations

import io
import logging
from collections import OrderedDict
from typing import Any

import numpy as np
import pytest
import torch

from mmlight.logging import HistoryBuffer, MessageHub, MMLogger
from mmlight.logging.errors import (
    InconsistentResumedKeyError,
    MessageHubKeyError,
    MessageHubValueError,
)
from mmlight.logging.safe_types import SAFE_GLOBALS


def test_get_current_instance_creates_the_mmengine_hub() -> None:
    hub = MessageHub.get_current_instance()
    assert hub.instance_name == "mmengine"
    assert MessageHub.get_instance("mmengine") is hub
    other = MessageHub.get_instance("run")
    assert MessageHub.get_current_instance() is other


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1, 1),
        (2.5, 2.5),
        (np.float32(0.5), 0.5),
        (np.array([3]), 3),
        (torch.tensor(4.0), 4.0),
        (torch.tensor([5])[0], 5),
    ],
)
def test_update_scalar_accepts_one_element_numbers(value: Any, expected: float) -> None:
    hub = MessageHub("hub")
    hub.update_scalar("train/x", value)
    assert hub.get_scalar("train/x").current() == expected
    assert type(hub.get_scalar("train/x").current().item()) is type(expected)


def test_update_scalar_appends_with_counts() -> None:
    hub = MessageHub("hub")
    hub.update_scalar("loss", 1.0)
    hub.update_scalar("loss", 3.0, count=3)
    logs, counts = hub.get_scalar("loss").data
    np.testing.assert_array_equal(logs, [1.0, 3.0])
    np.testing.assert_array_equal(counts, [1, 3])


@pytest.mark.parametrize(
    ("value", "match"),
    [
        (np.array([1, 2]), r"exactly one element, but got a numpy value of shape \(2,\)"),
        (torch.ones(2, 2), r"exactly one element, but got a Tensor of shape \(2, 2\)"),
        ("1.0", "must be an int, float, numpy number or one-element tensor, but got str"),
    ],
)
def test_update_scalar_rejects_bad_values(value: Any, match: str) -> None:
    hub = MessageHub("hub")
    with pytest.raises(MessageHubValueError, match=match) as info:
        hub.update_scalar("train/loss", value)
    assert isinstance(info.value, AssertionError)
    assert "train/loss" not in hub.log_scalars
    with pytest.raises(MessageHubValueError, match="count for 'loss' must be an int"):
        hub.update_scalar("loss", 1.0, count=1.5)  # type: ignore[arg-type]


def test_update_scalars_with_value_count_dicts() -> None:
    hub = MessageHub("hub")
    hub.update_scalars({"a": 1, "b": {"value": 2.0, "count": torch.tensor(4)}})
    assert hub.get_scalar("a").current() == 1
    np.testing.assert_array_equal(hub.get_scalar("b").data[1], [4])
    with pytest.raises(MessageHubKeyError, match="'c' is a dict, so it needs a 'value' key"):
        hub.update_scalars({"c": {"count": 1}})
    with pytest.raises(MessageHubValueError, match="takes a dict, but got list"):
        hub.update_scalars([("a", 1)])  # type: ignore[arg-type]


def test_info_update_get_pop() -> None:
    hub = MessageHub("hub")
    meta = {"classes": ["a"]}
    hub.update_info("meta", meta)
    hub.update_info_dict({"epoch": 2, "iter": 10})
    assert hub.get_info("meta") is meta  # a reference, like mmengine
    assert hub.get_info("missing", 5) == 5
    assert hub.pop_info("epoch") == 2 and hub.pop_info("epoch", "gone") == "gone"
    assert list(hub.runtime_info) == ["meta", "iter"]
    with pytest.raises(MessageHubValueError, match="update_info_dict"):
        hub.update_info_dict(["x"])  # type: ignore[arg-type]


def test_resumed_flag_cannot_change() -> None:
    hub = MessageHub("hub")
    hub.update_scalar("time", 1.0, resumed=False)
    with pytest.raises(
        InconsistentResumedKeyError,
        match="'time' was first logged with resumed=False and now with resumed=True",
    ) as info:
        hub.update_scalar("time", 1.0)
    assert isinstance(info.value, AssertionError)


def test_get_scalar_missing_key_suggests() -> None:
    hub = MessageHub("hub")
    hub.update_scalar("train/loss", 1.0)
    with pytest.raises(KeyError, match=r"'train/los' is not a scalar of MessageHub 'hub'") as info:
        hub.get_scalar("train/los")
    assert "did you mean 'train/loss'?" in str(info.value)
    assert not str(info.value).startswith('"')


def test_constructor_validation() -> None:
    buf = HistoryBuffer([1.0], [1])
    hub = MessageHub("hub", log_scalars={"a": buf}, runtime_info={"b": 1}, resumed_keys={"a": True})
    assert hub.get_scalar("a") is buf and isinstance(hub.log_scalars, OrderedDict)
    with pytest.raises(MessageHubValueError, match=r"log_scalars\['a'\] must be a HistoryBuffer"):
        MessageHub("bad", log_scalars={"a": 1})  # type: ignore[dict-item]
    with pytest.raises(MessageHubKeyError, match="resumed_keys names 'c'"):
        MessageHub("bad", resumed_keys={"c": True})
    with pytest.raises(TypeError, match=r"MessageHub\(runtime_info=...\) must be a dict or None"):
        MessageHub("bad", runtime_info=[1])  # type: ignore[arg-type]


def _filled_hub(name: str = "src") -> MessageHub:
    hub = MessageHub(name)
    hub.update_scalar("train/loss", 1.0)
    hub.update_scalar("train/loss", 2.0)
    hub.update_scalar("train/time", 0.1, resumed=False)
    hub.update_info("epoch", 3)
    hub.update_info("best_score", np.float64(0.75))
    hub.update_info("scratch", object(), resumed=False)
    return hub


def test_state_dict_keeps_only_resumed_keys_as_copies() -> None:
    hub = _filled_hub()
    state = hub.state_dict()
    assert list(state) == ["log_scalars", "runtime_info", "resumed_keys"]
    assert list(state["log_scalars"]) == ["train/loss"]
    assert list(state["runtime_info"]) == ["epoch", "best_score"]
    assert state["resumed_keys"] == {
        "train/loss": True,
        "train/time": False,
        "epoch": True,
        "best_score": True,
        "scratch": False,
    }
    assert state["log_scalars"]["train/loss"] is not hub.get_scalar("train/loss")
    state["resumed_keys"]["epoch"] = False
    assert hub._resumed_keys["epoch"] is True


def test_state_dict_keeps_a_reference_to_uncopyable_info(capsys: Any) -> None:
    class NoCopy:
        def __deepcopy__(self, memo: dict) -> Any:
            raise RuntimeError("no")

    hub = MessageHub("hub")
    obj = NoCopy()
    hub.update_info("obj", obj)
    assert hub.state_dict()["runtime_info"]["obj"] is obj
    assert "obj in message_hub cannot be copied, just return its reference." in (
        capsys.readouterr().out
    )


def test_load_state_dict_round_trip() -> None:
    state = _filled_hub().state_dict()
    target = MessageHub("dst")
    target.load_state_dict(state)
    np.testing.assert_array_equal(target.get_scalar("train/loss").data[0], [1.0, 2.0])
    assert target.get_info("epoch") == 3 and "scratch" not in target.runtime_info
    # keys whose values were not saved are skipped (with a warning)
    assert target.state_dict()["resumed_keys"] == {
        "train/loss": True,
        "epoch": True,
        "best_score": True,
    }


def test_load_state_dict_warnings(capsys: Any) -> None:
    target = MessageHub("dst")
    target.load_state_dict(
        {
            "log_scalars": {"old": [1, 2]},
            "runtime_info": {"x": 1},
            "resumed_keys": {"x": False, "ghost": True},
        }
    )
    out = capsys.readouterr().out
    assert "old in message_hub is not HistoryBuffer, just skip resuming it." in out
    assert "resumed key: ghost is not defined in message_hub" in out
    assert "Although resumed key: x is False" in out
    assert target._resumed_keys == {"x": False}


def test_load_state_dict_missing_keys() -> None:
    with pytest.raises(MessageHubKeyError, match=r"needs the keys .* but \['resumed_keys'\]"):
        MessageHub("dst").load_state_dict({"log_scalars": {}, "runtime_info": {}})


def test_load_from_a_hub_copies_everything() -> None:
    source = _filled_hub()
    target = MessageHub("dst")
    target.load_state_dict(source)
    assert list(target.log_scalars) == ["train/loss", "train/time"]
    assert target.get_scalar("train/loss") is not source.get_scalar("train/loss")
    with pytest.raises(TypeError, match="takes a dict from state_dict"):
        target.load_state_dict(42)


def test_load_accepts_history_buffer_lookalikes() -> None:
    class ForeignBuffer:  # the shape of mmengine's HistoryBuffer, without mmengine
        max_length = 10

        @property
        def data(self) -> tuple[np.ndarray, np.ndarray]:
            return np.array([1, 2]), np.array([1, 1])

    target = MessageHub("dst")
    target.load_state_dict(
        {"log_scalars": {"n": ForeignBuffer()}, "runtime_info": {}, "resumed_keys": {}}
    )
    buf = target.get_scalar("n")
    assert isinstance(buf, HistoryBuffer) and buf.max_length == 10
    assert buf.data[0].dtype == np.int64 and buf.mean() == 1.5


def test_state_dict_survives_weights_only_load() -> None:
    hub = _filled_hub()
    hub.update_info("confusion", np.eye(2, dtype=np.float32))
    stream = io.BytesIO()
    torch.save({"message_hub": hub.state_dict()}, stream)
    stream.seek(0)
    with torch.serialization.safe_globals(SAFE_GLOBALS):
        loaded = torch.load(stream, weights_only=True)["message_hub"]
    target = MessageHub("dst")
    target.load_state_dict(loaded)
    assert target.get_scalar("train/loss").mean() == 1.5
    assert target.get_info("best_score") == 0.75
    assert type(target.get_info("best_score")) is np.float64
    np.testing.assert_array_equal(target.get_info("confusion"), np.eye(2))


def test_warnings_go_to_the_current_logger() -> None:
    logger = MMLogger.get_instance("run-logger", log_level="WARNING")
    seen: list[str] = []

    class Catch(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    logger.handlers.append(Catch())
    MessageHub("dst").load_state_dict(
        {"log_scalars": {"x": 1}, "runtime_info": {}, "resumed_keys": {}}
    )
    assert seen == ["x in message_hub is not HistoryBuffer, just skip resuming it."]
