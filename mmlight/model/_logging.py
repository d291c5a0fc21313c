"""The one place where mmlight.model picks its logger: the current MMLogger, as mmengine's.

Model messages (initialization info, pretrained-weight mismatches, unused parameters) then reach
the run's log file, and ``BaseModule`` can dump its init table into that file's handler.
"""

from __future__ import annotations

import logging

__all__ = ["current_logger", "file_handlers"]


def current_logger() -> logging.Logger:
    from mmlight.logging import MMLogger

    return MMLogger.get_current_instance()


def file_handlers(logger: logging.Logger) -> list[logging.FileHandler]:
    """The logger's own FileHandlers (like mmengine, ancestors' handlers are not searched)."""
    return [h for h in logger.handlers if isinstance(h, logging.FileHandler)]
