"""The globals a checkpoint's pickles name, found by reading opcodes, never by unpickling.

torch's ``weights_only`` unpickler stops at the first opcode it does not support (protocol 0/1
``LONG``/``DICT``, protocol 4/5 ``FRAME``/``STACK_GLOBAL``) before it reaches the globals, so
an old-format file that calls ``os.system`` looked merely "not readable". This scan walks
every opcode with :func:`pickletools.genops` (a parser: nothing is imported or called) and
lists the globals outside the allow-list, so such a file is refused as unsafe instead.

Covered layouts: torch's zip format (the archive's ``data.pkl``), torch's legacy format (the
five pickles ``torch.load`` unpickles: magic number, protocol, sys info, the object, storage
keys - the raw tensor bytes after them are not pickles) and a bare pickle.
"""

from __future__ import annotations

import _compat_pickle
import pickletools
import zipfile
from collections.abc import Iterable
from typing import IO, Any

import torch

__all__ = ["DYNAMIC_GLOBAL", "globals_in_checkpoint", "refused_globals"]

# A STACK_GLOBAL whose module/name the scan cannot resolve statically: refused as unknown.
DYNAMIC_GLOBAL = "<a global built at unpickling time>"
_LEGACY_PICKLES = 5
_STRING_OPS = frozenset({
    "STRING", "BINSTRING", "SHORT_BINSTRING", "UNICODE", "SHORT_BINUNICODE", "BINUNICODE",
    "BINUNICODE8",
})
_NEUTRAL_OPS = frozenset({"PROTO", "FRAME", "MEMOIZE", "PUT", "BINPUT", "LONG_BINPUT", "STOP"})
_GET_OPS = frozenset({"GET", "BINGET", "LONG_BINGET"})
_PUT_OPS = frozenset({"PUT", "BINPUT", "LONG_BINPUT"})


def _python3_name(module: str, name: str) -> str:
    """``module.name`` as the unpickler resolves it: protocol 0-2 pickles may use Python 2
    names (``__builtin__.eval`` is ``builtins.eval``), mapped as ``fix_imports`` maps them."""
    if (module, name) in _compat_pickle.NAME_MAPPING:
        module, name = _compat_pickle.NAME_MAPPING[(module, name)]
    elif module in _compat_pickle.IMPORT_MAPPING:
        module = _compat_pickle.IMPORT_MAPPING[module]
    return f"{module}.{name}"


def _globals_in_one_pickle(stream: IO[bytes]) -> list[str]:
    """Globals named by the pickle at ``stream``'s position (the stream ends past its STOP).

    Strings pushed and memoized are tracked so that protocol 4's ``STACK_GLOBAL`` (module
    and name taken from the stack) is resolved like protocol 2's ``GLOBAL``.
    """
    found: list[str] = []
    recent: list[Any] = []  # the last values pushed (strings or None), newest last
    memo: dict[int, Any] = {}
    for opcode, arg, _ in pickletools.genops(stream):
        name = opcode.name
        if name in ("GLOBAL", "INST"):
            module, _, attr = str(arg).partition(" ")
            found.append(_python3_name(module, attr))
            recent.append(None)
        elif name == "STACK_GLOBAL":
            pair = recent[-2:]
            resolved = len(pair) == 2 and all(isinstance(part, str) for part in pair)
            found.append(_python3_name(pair[0], pair[1]) if resolved else DYNAMIC_GLOBAL)
            del recent[-2:]
            recent.append(None)
        elif name == "MEMOIZE":
            memo[len(memo)] = recent[-1] if recent else None
        elif name in _PUT_OPS:
            memo[int(arg)] = recent[-1] if recent else None  # type: ignore[arg-type]
        elif name in _GET_OPS:
            recent.append(memo.get(int(arg)))  # type: ignore[arg-type]
        elif name in _STRING_OPS:
            recent.append(arg if isinstance(arg, str) else None)
        elif name not in _NEUTRAL_OPS:
            recent.append(None)
        del recent[:-2]
    return found


class _Bounded:
    """``stream`` whose reads never ask for more than the ``size`` bytes it holds: a pickle
    may declare a string of 2**60 bytes, and ``read(n)`` allocates ``n`` before reading."""

    def __init__(self, stream: IO[bytes], size: int) -> None:
        self._stream, self._size = stream, size

    def tell(self) -> int:
        return self._stream.tell()

    def read(self, n: int = -1) -> bytes:
        left = max(0, self._size - self._stream.tell())
        return self._stream.read(left if n < 0 else min(n, left))

    def readline(self) -> bytes:
        return self._stream.readline(max(0, self._size - self._stream.tell()))


def _scan_pickles(stream: IO[bytes], size: int, count: int) -> list[str]:
    """Globals of up to ``count`` pickles in a row; stops quietly at bytes that are none."""
    found: list[str] = []
    bounded: Any = _Bounded(stream, size)
    for _ in range(count):
        try:
            found += _globals_in_one_pickle(bounded)
        except Exception:  # truncated or not a pickle (tensor data): nothing more to read
            break
    return found


def globals_in_checkpoint(stream: IO[bytes]) -> list[str]:
    """Every global (``module.name``) the checkpoint's pickles name, in order, with repeats
    removed. ``stream`` must be seekable; it is read from the start."""
    stream.seek(0)
    if zipfile.is_zipfile(stream):
        stream.seek(0)
        try:
            with zipfile.ZipFile(stream) as archive:
                members = [n for n in archive.namelist()
                           if n == "data.pkl" or n.endswith("/data.pkl")]
                found: list[str] = []
                for member in members[:1]:  # torch reads the first archive's data.pkl
                    size = archive.getinfo(member).file_size
                    with archive.open(member) as pickled:
                        found = _scan_pickles(pickled, size, 1)
        except (zipfile.BadZipFile, OSError, EOFError):
            found = []
    else:
        size = stream.seek(0, 2)
        stream.seek(0)
        found = _scan_pickles(stream, size, _LEGACY_PICKLES)
    return list(dict.fromkeys(found))


def _allowed_names() -> set[str]:
    """``module.name`` of everything a ``weights_only`` load would create right now (torch's
    defaults plus :func:`torch.serialization.add_safe_globals` / ``safe_globals``)."""
    from torch import _weights_only_unpickler as unpickler

    try:
        allowed = set(unpickler._get_allowed_globals())
        allowed |= set(unpickler._get_user_allowed_globals())
    except AttributeError:  # a torch without these: only what users marked safe is known
        allowed = set()
        for entry in torch.serialization.get_safe_globals():
            obj, name = entry if isinstance(entry, tuple) else (entry, None)
            allowed.add(name or f"{obj.__module__}.{obj.__qualname__}")
    return allowed


def refused_globals(names: Iterable[str], extra_safe: Iterable[Any] = ()) -> list[str]:
    """The ``names`` a ``weights_only`` load with ``extra_safe`` added would refuse."""
    with torch.serialization.safe_globals(list(extra_safe)):
        allowed = _allowed_names()
    return [name for name in names if name not in allowed]
