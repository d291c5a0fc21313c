"""Reads from an LMDB database, the key being the path (``pip install lmdb``)."""

from __future__ import annotations

from typing import Any

from mmlight.fileio.backends.base import BaseStorageBackend
from mmlight.fileio.uri import PathLike

__all__ = ["LmdbBackend"]


class LmdbBackend(BaseStorageBackend):
    """Values of the database at ``db_path``; opened at the first read (so the backend can
    be built in one process and used in a dataloader worker)."""

    def __init__(
        self,
        db_path: PathLike,
        readonly: bool = True,
        lock: bool = False,
        readahead: bool = False,
        **kwargs: Any,
    ) -> None:
        try:
            import lmdb  # noqa: F401
        except ImportError:
            raise ImportError('Please run "pip install lmdb" to enable LmdbBackend.') from None
        self.db_path = str(db_path)
        self.readonly = readonly
        self.lock = lock
        self.readahead = readahead
        self.kwargs = kwargs
        self._client: Any = None

    def get(self, filepath: PathLike) -> Any:
        """The value stored under the key ``str(filepath)`` (None if there is none)."""
        if self._client is None:
            self._client = self._open()
        with self._client.begin(write=False) as txn:
            return txn.get(str(filepath).encode("ascii"))

    def get_text(self, filepath: PathLike, encoding: str | None = None) -> str:
        raise NotImplementedError

    def _open(self) -> Any:
        import lmdb

        return lmdb.open(self.db_path, readonly=self.readonly, lock=self.lock,
                         readahead=self.readahead, **self.kwargs)

    def __del__(self) -> None:
        if getattr(self, "_client", None) is not None:
            self._client.close()
