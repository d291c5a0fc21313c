"""``http://`` and ``https://`` files: read with :mod:`urllib`, as mmengine does (no aiohttp).

Reading is all mmengine's HTTP backend does. The path checks (``exists``, ``isfile`` ...) and
``join_path`` come from fsspec's HTTP filesystem here (which needs ``aiohttp``); HTTP cannot be
written to.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from mmlight.fileio.backends.fsspec_backend import FsspecBackend
from mmlight.fileio.uri import PathLike

__all__ = ["HTTPBackend"]


class HTTPBackend(FsspecBackend):
    """Files behind HTTP(S) URLs."""

    def get(self, filepath: PathLike) -> bytes:
        from urllib.request import urlopen  # ~30 ms to import (ssl, email): only when used

        with urlopen(str(filepath)) as response:
            return bytes(response.read())

    def get_text(self, filepath: PathLike, encoding: str = "utf-8") -> str:
        return self.get(filepath).decode(encoding)

    @contextmanager
    def get_local_path(self, filepath: PathLike) -> Iterator[str]:
        """The download in a temporary file, deleted when the block ends."""
        with tempfile.NamedTemporaryFile(delete=False) as stream:
            name = stream.name
            stream.write(self.get(filepath))
        try:
            yield name
        finally:
            os.remove(name)
