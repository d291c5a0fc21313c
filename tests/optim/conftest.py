"""Shared fixtures: a fresh current MessageHub, and the records the current MMLogger emits."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import pytest

from mmlight.logging import MessageHub, MMLogger

_hub_ids = itertools.count()


@pytest.fixture
def hub() -> MessageHub:
    """A new MessageHub, which becomes the current instance."""
    return MessageHub.get_instance(f"optim_test_hub_{next(_hub_ids)}")


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def log_records() -> Iterator[list[logging.LogRecord]]:
    """Records logged through ``print_log(..., logger='current')`` during the test."""
    logger = MMLogger.get_current_instance()
    handler = _Collect()
    old_level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
