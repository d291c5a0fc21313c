"""mmlight.logging.MMLogger and print_log: handlers, files, levels, instances."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pytest

from mmlight.logging import MMLogger, print_log
from mmlight.logging import logger as logger_module
from mmlight.logging.errors import LoggerNotCreatedError, LogLevelError, UnknownFileHandlerError

STREAM_LINE = re.compile(r"^\d\d/\d\d \d\d:\d\d:\d\d - (\S+) - (\w+) - (.*)$")
FILE_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d - (\S+) - (\w+) - (.*)$")


def test_is_a_logger_outside_the_logging_tree() -> None:
    logger = MMLogger.get_instance("inst", logger_name="myname")
    assert isinstance(logger, logging.Logger)
    assert logger.name == "myname" and logger.instance_name == "inst"
    assert logging.getLogger("myname") is not logger
    assert MMLogger.get_instance("inst") is logger
    assert logger.log_file is None


def test_get_current_instance_defaults_to_mmengine() -> None:
    logger = MMLogger.get_current_instance()
    assert logger.instance_name == "mmengine" and logger.name == "mmengine"
    assert MMLogger.get_instance("mmengine") is logger


def test_stream_lines_and_levels(capsys: Any) -> None:
    logger = MMLogger.get_instance("s", log_level="WARNING")
    logger.info("hidden")
    logger.warning("careful")
    logger.error("broken")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    assert STREAM_LINE.match(lines[0]).groups() == ("mmengine", "WARNING", "careful")  # type: ignore[union-attr]
    # errors say where they came from: path - function - line
    assert re.search(
        r" - ERROR - .*test_logger\.py - test_stream_lines_and_levels - \d+ - broken$", lines[1]
    )


def test_duplicate_warnings_are_shown_once(capsys: Any) -> None:
    logger = MMLogger.get_instance("dup")
    for _ in range(3):
        logger.warning("same")
        logger.info("info repeats")
    out = capsys.readouterr().out
    assert out.count("same") == 1 and out.count("info repeats") == 3


def test_no_propagation_to_root(caplog: Any, capsys: Any) -> None:
    logger = MMLogger.get_instance("root-free")
    with caplog.at_level(logging.INFO):
        logger.info("only mine")
    assert caplog.records == []
    assert "only mine" in capsys.readouterr().out


def test_log_file_gets_plain_lines(tmp_path: Path, capsys: Any) -> None:
    path = tmp_path / "sub" / "run.log"
    logger = MMLogger.get_instance("f", log_file=str(path), log_level="DEBUG")
    logger.debug("dbg")
    logger.info("hello")
    for handler in logger.handlers:
        handler.flush()
    assert logger.log_file == str(path)
    lines = path.read_text().splitlines()
    assert [FILE_LINE.match(line).groups() for line in lines] == [  # type: ignore[union-attr]
        ("mmengine", "DEBUG", "dbg"),
        ("mmengine", "INFO", "hello"),
    ]
    assert "\033[" not in path.read_text()


def test_file_mode_append(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    path.write_text("old\n")
    logger = MMLogger.get_instance("a", log_file=str(path), file_mode="a")
    logger.info("new")
    logger.handlers[-1].flush()
    assert path.read_text().startswith("old\n") and path.read_text().rstrip().endswith("new")


def test_file_handler_cfg(tmp_path: Path) -> None:
    path = tmp_path / "rot.log"
    cfg = {"type": "RotatingFileHandler", "maxBytes": 1000, "backupCount": 2}
    logger = MMLogger.get_instance("rot", log_file=str(path), file_handler_cfg=cfg)
    assert cfg["type"] == "RotatingFileHandler"  # the caller's dict is left alone
    handler = logger.handlers[-1]
    assert isinstance(handler, logging.handlers.RotatingFileHandler)
    assert handler.baseFilename == str(path) and handler.maxBytes == 1000


def test_file_handler_cfg_errors(tmp_path: Path) -> None:
    log_file = str(tmp_path / "x.log")
    with pytest.raises(UnknownFileHandlerError, match="'RotatingHandler' is not a file handler"):
        MMLogger("x", log_file=log_file, file_handler_cfg={"type": "RotatingHandler"})
    with pytest.raises(UnknownFileHandlerError, match="needs a 'type' key") as info:
        MMLogger("y", log_file=log_file, file_handler_cfg={"when": "D"})
    assert isinstance(info.value, AssertionError)


def test_log_levels() -> None:
    assert MMLogger("a", log_level="debug").handlers[0].level == logging.DEBUG
    assert MMLogger("b", log_level=logging.ERROR).handlers[0].level == logging.ERROR
    with pytest.raises(LogLevelError, match="unknown log_level 'LOUD'; valid names: ") as info:
        MMLogger("c", log_level="LOUD")
    assert isinstance(info.value, KeyError) and not str(info.value).startswith('"')


def test_per_rank_files_and_stream_level(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Rank 1 of 2: ERROR-only stream; a file only when distributed (or DEBUG)."""
    values = {"get_rank": 1, "get_world_size": 2}
    monkeypatch.setattr(logger_module, "_torch_dist_value", lambda name, default: values[name])
    monkeypatch.setattr(logger_module, "_host_info", lambda: "me@host")
    monkeypatch.setenv("LOCAL_RANK", "1")
    monkeypatch.setattr(logger_module, "_device_id", lambda: 1)
    path = tmp_path / "run.log"

    quiet = MMLogger("r1", log_file=str(path))
    assert [type(h) for h in quiet.handlers] == [logging.StreamHandler]
    assert quiet.handlers[0].level == logging.ERROR

    dist = MMLogger("r1d", log_file=str(path), distributed=True)
    assert dist.log_file == str(tmp_path / "run_me@host_device1_rank1.log")
    assert isinstance(dist.handlers[-1], logging.FileHandler)

    debug = MMLogger("r1g", log_file=str(path), log_level="DEBUG")
    assert debug.log_file == str(tmp_path / "run_me@host_device1_rank1.log")

    monkeypatch.setattr(logger_module, "_host_info", lambda: "")
    no_host = MMLogger("r1h", log_file=str(path), distributed=True)
    assert no_host.log_file == str(tmp_path / "run_device1_rank1.log")


def test_single_process_ignores_distributed(tmp_path: Path) -> None:
    path = tmp_path / "run.log"
    logger = MMLogger("single", log_file=str(path), distributed=True)
    assert logger.log_file == str(path)


def test_set_level_clears_every_cache() -> None:
    a = MMLogger.get_instance("la")
    b = MMLogger.get_instance("lb")
    assert a.isEnabledFor(logging.INFO) and b.isEnabledFor(logging.INFO)
    a.setLevel("ERROR")
    assert not a.isEnabledFor(logging.INFO) and b._cache == {}  # type: ignore[attr-defined]


def test_print_log_targets(capsys: Any) -> None:
    print_log("plain")
    assert capsys.readouterr().out == "plain\n"
    print_log("quiet", logger="silent")
    assert capsys.readouterr().out == ""
    print_log("to current", logger="current", level=logging.WARNING)
    assert STREAM_LINE.match(capsys.readouterr().out.strip()).groups()[1:] == (  # type: ignore[union-attr]
        "WARNING",
        "to current",
    )
    MMLogger.get_instance("named", logger_name="nm")
    print_log("by name", logger="named")
    assert " - nm - INFO - by name" in capsys.readouterr().out
    std = logging.getLogger("mmlight-test-std")
    seen: list[str] = []
    std.addHandler(type("H", (logging.Handler,), {"emit": lambda s, r: seen.append(r.msg)})())
    std.setLevel(logging.INFO)
    print_log("std", logger=std)
    assert seen == ["std"]


def test_print_log_errors() -> None:
    with pytest.raises(LoggerNotCreatedError, match="no MMLogger called 'nope' exists yet"):
        print_log("x", logger="nope")
    with pytest.raises(TypeError, match="but got int: 3"):
        print_log("x", logger=3)  # type: ignore[arg-type]


def test_rank_helpers_without_a_process_group(monkeypatch: pytest.MonkeyPatch) -> None:
    import torch

    assert logger_module._torch_dist_value("get_rank", 0) == 0
    assert logger_module._torch_dist_value("get_world_size", 1) == 1
    monkeypatch.setenv("LOCAL_RANK", "3")
    if not torch.cuda.is_available():
        assert logger_module._device_id() == 3


def test_mmengine_patch_points_decide_the_per_rank_file_name(tmp_path: Path) -> None:
    """mmengine's tests patch ``_get_rank``/``_get_world_size``/``_get_device_id``/
    ``_get_host_info`` in the logger module; the logger reads them at construction."""
    from unittest.mock import patch

    log_file = tmp_path / "run.log"
    with patch.object(logger_module, "_get_rank", lambda: 1), patch.object(
        logger_module, "_get_world_size", lambda: 2
    ), patch.object(logger_module, "_get_device_id", lambda: 1), patch.object(
        logger_module, "_get_host_info", lambda: "test"
    ):
        MMLogger.get_instance("mmlight_patch_points", log_file=str(log_file), distributed=True)
    assert (tmp_path / "run_test_device1_rank1.log").exists()
    assert logger_module._get_device_id() == logger_module._device_id()
