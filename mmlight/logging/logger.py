"""MMLogger (named, rank-aware loggers outside :mod:`logging`'s tree) and ``print_log``.

An MMLogger is created with ``MMLogger.get_instance(name, ...)`` and found again by that name
(or as "the current one"); it is not registered with ``logging.getLogger``, so a third-party
``logging.basicConfig`` or root-logger handler never duplicates or swallows its lines. Only
its own handlers see its records:

* a stdout handler: at ``log_level`` on rank 0, ERROR only on other ranks;
* with ``log_file``: a file handler on rank 0, or on every rank with per-rank file names
  (``<stem>_<user>@<host>_device<i>_rank<r><suffix>``) when ``distributed=True`` or the
  level is DEBUG and more than one process runs.

The default instance, made by ``get_current_instance()`` before any other, is called
``'mmengine'`` and logs under the name ``'mmengine'``, as in mmengine: user code that asks for
``MMLogger.get_instance('mmengine')`` gets the same logger, and log parsers keep working.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import os.path as osp
import sys
import warnings
from getpass import getuser
from socket import gethostname
from typing import Any

from mmlight.logging.errors import LoggerNotCreatedError, LogLevelError, UnknownFileHandlerError
from mmlight.logging.formatting import FilterDuplicateWarning, MMFormatter
from mmlight.utils.manager import ManagerMixin

__all__ = ["MMLogger", "print_log"]

DEFAULT_INSTANCE_NAME = "mmengine"
_STREAM_DATEFMT = "%m/%d %H:%M:%S"
_FILE_DATEFMT = "%Y/%m/%d %H:%M:%S"


def _parse_level(level: int | str) -> int:
    if isinstance(level, bool) or not isinstance(level, (int, str)):
        raise LogLevelError(
            f"log_level must be an int or a level name, but got {type(level).__name__}: {level!r}"
        )
    if isinstance(level, int):
        return level
    known = dict(logging._nameToLevel)
    value = known.get(level, known.get(level.upper()))
    if value is None:
        raise LogLevelError(f"unknown log_level {level!r}; valid names: {sorted(known)}")
    return value


def _torch_dist_value(name: str, default: int) -> int:
    """Rank or world size; without torch imported no process group can exist."""
    if "torch" not in sys.modules:
        return default
    try:
        from mmlight import dist
    except ImportError:
        return default
    return int(getattr(dist, name)())


def _device_id() -> int | str:
    """The GPU this process uses (CUDA_VISIBLE_DEVICES entry of LOCAL_RANK), for file names."""
    local_rank = int(os.getenv("LOCAL_RANK", "0"))
    torch = sys.modules.get("torch")
    if torch is None or not torch.cuda.is_available():
        return local_rank
    visible = os.getenv("CUDA_VISIBLE_DEVICES")
    devices = visible.split(",") if visible is not None else list(range(torch.cuda.device_count()))
    device = devices[local_rank]
    try:
        return int(device)
    except ValueError:  # MIG instances are named by UUID, not index
        return str(device)


def _host_info() -> str:
    try:
        return f"{getuser()}@{gethostname()}"
    except Exception as err:  # getuser() fails in some containers
        warnings.warn(f"Host or user not found: {err}", stacklevel=3)
        return ""


def _file_handler_classes() -> dict[str, type[logging.FileHandler]]:
    found: dict[str, type[logging.FileHandler]] = {}
    for attr in dir(logging.handlers):
        obj = getattr(logging.handlers, attr)
        if isinstance(obj, type) and issubclass(obj, logging.FileHandler):
            found[attr] = obj
    return found


def _make_file_handler(
    log_file: str, file_mode: str, file_handler_cfg: dict[str, Any] | None
) -> logging.FileHandler:
    directory = osp.dirname(log_file)
    if directory:
        os.makedirs(directory, exist_ok=True)
    if file_handler_cfg is None:
        return logging.FileHandler(log_file, file_mode)
    cfg = dict(file_handler_cfg)  # mmengine pops 'type' from the caller's dict; we copy it
    classes = _file_handler_classes()
    if "type" not in cfg:
        raise UnknownFileHandlerError(
            f"file_handler_cfg needs a 'type' key naming a file handler of logging.handlers "
            f"({', '.join(sorted(classes))}), but got {file_handler_cfg!r}"
        )
    type_name = cfg.pop("type")
    handler_cls = classes.get(type_name)
    if handler_cls is None:
        raise UnknownFileHandlerError(
            f"file_handler_cfg type {type_name!r} is not a file handler of logging.handlers; "
            f"valid types: {sorted(classes)}"
        )
    cfg.setdefault("filename", log_file)
    return handler_cls(**cfg)


class MMLogger(logging.Logger, ManagerMixin):
    """A named logger with mmengine's handlers and formats.

    Args:
        name: instance name, for ``MMLogger.get_instance(name)``.
        logger_name: the ``%(name)s`` written in each line.
        log_file: also write to this file (rank 0, or per rank; see the module docstring).
        log_level: handler level, a name ('INFO') or a number.
        file_mode: mode the log file is opened with ('w' truncates, 'a' appends).
        distributed: write one log file per rank when several processes run.
        file_handler_cfg: ``dict(type='RotatingFileHandler', ...)`` to use another
            :mod:`logging.handlers` file handler; ``filename`` defaults to ``log_file``.
    """

    def __init__(
        self,
        name: str,
        logger_name: str = "mmengine",
        log_file: str | None = None,
        log_level: int | str = "INFO",
        file_mode: str = "w",
        distributed: bool = False,
        file_handler_cfg: dict[str, Any] | None = None,
    ) -> None:
        logging.Logger.__init__(self, logger_name)
        ManagerMixin.__init__(self, name)
        level = _parse_level(log_level)
        rank = _torch_dist_value("get_rank", 0)

        stream_handler = logging.StreamHandler(stream=sys.stdout)
        stream_handler.setFormatter(MMFormatter(color=True, datefmt=_STREAM_DATEFMT))
        stream_handler.setLevel(level if rank == 0 else logging.ERROR)
        stream_handler.addFilter(FilterDuplicateWarning(logger_name))
        self.handlers.append(stream_handler)

        if log_file is not None:
            world_size = _torch_dist_value("get_world_size", 1)
            per_rank = (level <= logging.DEBUG or distributed) and world_size > 1
            if per_rank:
                stem, suffix = osp.splitext(osp.basename(log_file))
                host = _host_info()
                host_part = f"_{host}" if host else ""
                log_file = osp.join(
                    osp.dirname(log_file),
                    f"{stem}{host_part}_device{_device_id()}_rank{rank}{suffix}",
                )
            if rank == 0 or per_rank:
                file_handler = _make_file_handler(log_file, file_mode, file_handler_cfg)
                file_handler.setFormatter(MMFormatter(color=False, datefmt=_FILE_DATEFMT))
                file_handler.setLevel(level)
                file_handler.addFilter(FilterDuplicateWarning(logger_name))
                self.handlers.append(file_handler)
        self._log_file = log_file

    @property
    def log_file(self) -> str | None:
        """Path of this process's log file (None without ``log_file``)."""
        return self._log_file

    @classmethod
    def get_current_instance(cls) -> MMLogger:
        """The latest MMLogger; creates the default ``'mmengine'`` one if there is none."""
        if not cls._instance_dict:
            cls.get_instance(DEFAULT_INSTANCE_NAME)
        return super().get_current_instance()

    def callHandlers(self, record: logging.LogRecord) -> None:
        """Hand the record to this logger's own handlers only (never ancestors, no lastResort)."""
        for handler in self.handlers:
            if record.levelno >= handler.level:
                handler.handle(record)

    def setLevel(self, level: int | str) -> None:
        """Set the level and drop every MMLogger's isEnabledFor cache.

        ``logging.Manager`` clears caches only for the loggers it manages, which these are not.
        """
        self.level = _parse_level(level)
        for logger in list(MMLogger._instance_dict.values()):
            logger._cache.clear()


def print_log(
    msg: Any, logger: logging.Logger | str | None = None, level: int = logging.INFO
) -> None:
    """Log ``msg`` through the logger ``logger`` designates.

    ``logger`` may be a :class:`logging.Logger`; ``'current'`` (the latest MMLogger, created on
    demand); ``'silent'`` (drop the message); the name of an existing MMLogger instance; or
    None (plain ``print``, ``level`` ignored).
    """
    if logger is None:
        print(msg)
    elif isinstance(logger, logging.Logger):
        logger.log(level, msg)
    elif logger == "silent":
        pass
    elif logger == "current":
        MMLogger.get_current_instance().log(level, msg)
    elif isinstance(logger, str):
        if not MMLogger.check_instance_created(logger):
            raise LoggerNotCreatedError(
                f"print_log(logger={logger!r}): no MMLogger called {logger!r} exists yet; create "
                f"it with MMLogger.get_instance({logger!r}), or pass 'current', 'silent', None "
                "or a logging.Logger"
            )
        MMLogger.get_instance(logger).log(level, msg)
    else:
        raise TypeError(
            "print_log(logger=...) takes a logging.Logger, an MMLogger name, 'current', "
            f"'silent' or None, but got {type(logger).__name__}: {logger!r}"
        )
