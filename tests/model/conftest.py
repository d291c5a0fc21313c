"""``mm_log``: what the current MMLogger receives (model code logs there, as mmengine's)."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest


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
    logger = MMLogger.get_current_instance()
    level = logger.level  # an earlier test's logger may be at INFO; init info is DEBUG
    logger.setLevel(logging.DEBUG)
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
