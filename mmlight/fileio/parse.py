"""Text files of one item per line (``list_from_file``) or ``key value...`` lines
(``dict_from_file``), from any backend."""

from __future__ import annotations

from collections.abc import Callable
from io import StringIO
from typing import Any

from mmlight.fileio._client_args import check_client_args
from mmlight.fileio.io import get_text
from mmlight.fileio.uri import PathLike

__all__ = ["dict_from_file", "list_from_file"]


def _read_text(filename: PathLike, encoding: str, file_client_args: dict | None,
               backend_args: dict | None) -> str:
    check_client_args(file_client_args, backend_args)
    if file_client_args is not None:
        from mmlight.fileio.file_client import FileClient

        return FileClient.infer_client(file_client_args, filename).get_text(filename, encoding)
    return get_text(filename, encoding, backend_args=backend_args)


def list_from_file(
    filename: PathLike,
    prefix: str = "",
    offset: int = 0,
    max_num: int = 0,
    encoding: str = "utf-8",
    file_client_args: dict | None = None,
    backend_args: dict | None = None,
) -> list[str]:
    """The file's lines without line endings, each preceded by ``prefix``.

    The first ``offset`` lines are skipped; ``max_num`` > 0 caps how many are returned.
    """
    text = _read_text(filename, encoding, file_client_args, backend_args)
    items: list[str] = []
    with StringIO(text) as stream:
        for _ in range(offset):
            stream.readline()
        for line in stream:
            if 0 < max_num <= len(items):
                break
            items.append(prefix + line.rstrip("\n\r"))
    return items


def dict_from_file(
    filename: PathLike,
    key_type: Callable[[str], Any] = str,
    encoding: str = "utf-8",
    file_client_args: dict | None = None,
    backend_args: dict | None = None,
) -> dict:
    """A dict from whitespace-separated lines: the first column (made ``key_type``) maps to
    the second, or to the list of the rest where a line has more than two columns."""
    text = _read_text(filename, encoding, file_client_args, backend_args)
    mapping: dict = {}
    with StringIO(text) as stream:
        for line in stream:
            items = line.rstrip("\n").split()
            if len(items) < 2:  # AssertionError: mmengine's type, kept under python -O
                raise AssertionError(
                    f"dict_from_file: line {line!r} of {filename} needs a key and a value")
            mapping[key_type(items[0])] = items[1:] if len(items) > 2 else items[1]
    return mapping
