"""The one place where mmlight.model picks its logger.

mmengine logs to the "current" MMLogger. mmlight has no MMLogger yet, so model messages go to
the standard ``logging`` tree under ``mmlight``; a future MMLogger only has to change
:func:`current_logger` (or attach its handlers to the ``mmlight`` logger).
"""

from __future__ import annotations

import logging

__all__ = ["current_logger", "file_handlers"]


def current_logger() -> logging.Logger:
    return logging.getLogger("mmlight")


def file_handlers(logger: logging.Logger) -> list[logging.FileHandler]:
    """The logger's own FileHandlers (like mmengine, ancestors' handlers are not searched)."""
    return [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
