"""``mm_log``: what the current MMLogger receives (model code logs there, as mmengine's)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator

import pytest

_fresh = itertools.count()


class _Text(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@pytest.fixture
def mm_log() -> Iterator[_Text]:
    from mmlight.logging import MMLogger

    handler = _Text()
    # A logger of its own, made current: an earlier test's (a Runner's, with a log file) would
    # take the init info into its file instead.
    logger = MMLogger.get_instance(f"mm_log-{next(_fresh)}")
    level = logger.level  # an earlier test's logger may be at INFO; init info is DEBUG
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
