"""MMLogger (named, rank-aware loggers outside :mod:`logging`'s tree) and ``print_log``.

An MMLogger is created with ``MMLogger.get_instance(name, ...)`` and found again by that name
(or as "the current one"); it is not registered with ``logging.getLogger``, so a third-party
``logging.basicConfig`` or root-logger handler never duplicates or swallows its lines. Only
its own handlers see its records:

* a stdout handler: at ``log_level`` on rank 0, ERROR only on other ranks;
* with ``log_file``: a file handler on rank 0, or on every rank with per-rank file names
  (``<stem>_<user>@<host>_device<i>_rank<r><suffix>``) when ``distributed=True`` or the
  level is DEBUG and more than one process runs.

A ``log_file`` that is an fsspec URL (``memory://...``, ``s3://...``) cannot be opened by a
:class:`logging.FileHandler`, so the handler writes to a local staging folder and the logger
copies that folder's files to the URL's folder: at most every ``_SYNC_INTERVAL_S`` seconds
while records arrive, whenever :meth:`MMLogger.sync_log_files` is called (``LoggerHook`` does
so before each checkpoint, after each evaluation and after the run) and at interpreter exit.

The default instance, made by ``get_current_instance()`` before any other, is called
``'mmengine'`` and logs under the name ``'mmengine'``, as in mmengine: user code that asks for
``MMLogger.get_instance('mmengine')`` gets the same logger, and log parsers keep working.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import os.path as osp
import shutil
import sys
import tempfile
import time
import warnings
import weakref
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
# Longest a URL log file lags behind its staging copy while records keep arriving.
_SYNC_INTERVAL_S = 30.0


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


# mmengine's names for the four facts a logger is built from; its tests (and downstream ones)
# patch them by these paths, so MMLogger looks them up here at construction.
def _get_rank() -> int:
    return _torch_dist_value("get_rank", 0)


def _get_world_size() -> int:
    return _torch_dist_value("get_world_size", 1)


def _get_device_id() -> int | str:
    return _device_id()


def _get_host_info() -> str:
    return _host_info()


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


def _is_url(path: str) -> bool:
    return "://" in path


class _LogMirror:
    """Copies the files of a local staging folder to a folder given as an fsspec URL.

    Only files that changed since the last copy are sent, each as a whole (object stores
    cannot append). Holds no reference to its logger, so it can run as an exit finalizer.
    """

    def __init__(self, staging_dir: str, url_dir: str) -> None:
        self.staging_dir = staging_dir
        self.url_dir = url_dir.rstrip("/")
        self._sent: dict[str, tuple[int, int]] = {}
        self._last_sync = time.monotonic()

    def sync(self) -> None:
        from mmlight.fileio.io import put

        self._last_sync = time.monotonic()
        if not os.path.isdir(self.staging_dir):
            return
        for entry in sorted(os.scandir(self.staging_dir), key=lambda e: e.name):
            if not entry.is_file():
                continue
            stat = entry.stat()
            stamp = (stat.st_size, stat.st_mtime_ns)
            if self._sent.get(entry.name) == stamp:
                continue
            with open(entry.path, "rb") as stream:
                put(stream.read(), f"{self.url_dir}/{entry.name}")
            self._sent[entry.name] = stamp

    def sync_quietly(self) -> bool:
        """Sync; a failure (network, permissions) becomes a warning instead of an exception."""
        try:
            self.sync()
        except Exception as err:
            warnings.warn(
                f"could not copy the log files in {self.staging_dir} to {self.url_dir}: "
                f"{type(err).__name__}: {err}; the local copies are kept",
                stacklevel=2,
            )
            return False
        return True

    def sync_if_due(self) -> None:
        if time.monotonic() - self._last_sync >= _SYNC_INTERVAL_S:
            self.sync_quietly()

    def finish(self) -> None:
        """Last copy at exit; the staging folder goes only once its files are safely out."""
        if self.sync_quietly():
            shutil.rmtree(self.staging_dir, ignore_errors=True)


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
            :mod:`logging.handlers` file handler; ``filename`` defaults to ``log_file``
            (to its local staging copy when ``log_file`` is a URL).
    """

    _mirror: _LogMirror | None = None

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
        rank = _get_rank()

        stream_handler = logging.StreamHandler(stream=sys.stdout)
        stream_handler.setFormatter(MMFormatter(color=True, datefmt=_STREAM_DATEFMT))
        stream_handler.setLevel(level if rank == 0 else logging.ERROR)
        stream_handler.addFilter(FilterDuplicateWarning(logger_name))
        self.handlers.append(stream_handler)

        if log_file is not None:
            world_size = _get_world_size()
            per_rank = (level <= logging.DEBUG or distributed) and world_size > 1
            if per_rank:
                stem, suffix = osp.splitext(osp.basename(log_file))
                host = _get_host_info()
                host_part = f"_{host}" if host else ""
                log_file = osp.join(
                    osp.dirname(log_file),
                    f"{stem}{host_part}_device{_get_device_id()}_rank{rank}{suffix}",
                )
            if rank == 0 or per_rank:
                local_file = log_file
                if _is_url(str(log_file)):
                    local_file = self._stage(str(log_file), file_mode)
                file_handler = _make_file_handler(local_file, file_mode, file_handler_cfg)
                file_handler.setFormatter(MMFormatter(color=False, datefmt=_FILE_DATEFMT))
                file_handler.setLevel(level)
                file_handler.addFilter(FilterDuplicateWarning(logger_name))
                self.handlers.append(file_handler)
        self._log_file = log_file

    def _stage(self, url: str, file_mode: str) -> str:
        """A local file standing in for ``url``, mirrored to it (see the module docstring)."""
        from mmlight.fileio.io import exists, get

        staging_dir = tempfile.mkdtemp(prefix="mmlight-log-")
        name = url.rstrip("/").rpartition("/")[2]
        local_file = os.path.join(staging_dir, name)
        if "a" in file_mode and exists(url):
            with open(local_file, "wb") as stream:  # appending continues the URL's content
                stream.write(get(url))
        self._mirror = _LogMirror(staging_dir, url.rstrip("/").rpartition("/")[0])
        weakref.finalize(self, self._mirror.finish)
        return local_file

    @property
    def log_file(self) -> str | None:
        """Path (or URL) of this process's log file (None without ``log_file``)."""
        return self._log_file

    @property
    def local_log_file(self) -> str | None:
        """Where the file handler writes: ``log_file``, or its staging copy for a URL."""
        if self._mirror is None or self._log_file is None:
            return self._log_file
        return os.path.join(self._mirror.staging_dir, str(self._log_file).rpartition("/")[2])

    def sync_log_files(self, strict: bool = True) -> None:
        """Copy a URL log file's staged lines to the URL now (nothing to do for local files).

        With ``strict=False`` a failed copy is a warning, so a flaky remote store does not
        stop training at an intermediate sync point.
        """
        if self._mirror is None:
            return
        for handler in self.handlers:
            handler.flush()
        if strict:
            self._mirror.sync()
        else:
            self._mirror.sync_quietly()

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
        if self._mirror is not None:
            self._mirror.sync_if_due()

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
