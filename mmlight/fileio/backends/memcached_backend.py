"""Reads from a memcached cluster through its ``mc`` Python client (not on PyPI)."""

from __future__ import annotations

import sys
from typing import Any

from mmlight.fileio.backends.base import BaseStorageBackend
from mmlight.fileio.uri import PathLike

__all__ = ["MemcachedBackend"]


class MemcachedBackend(BaseStorageBackend):
    """Values keyed by path in memcached; ``sys_path`` is where the ``mc`` module lives."""

    def __init__(self, server_list_cfg: str, client_cfg: str, sys_path: str | None = None):
        if sys_path is not None:
            sys.path.append(sys_path)
        try:
            import mc
        except ImportError:
            raise ImportError(
                "Please install memcached to enable MemcachedBackend. (The `mc` client module "
                "ships with the memcached cluster's client, not with pip; pass its folder as "
                "`sys_path`.)"
            ) from None
        self.server_list_cfg = server_list_cfg
        self.client_cfg = client_cfg
        self._client: Any = mc.MemcachedClient.GetInstance(server_list_cfg, client_cfg)
        self._mc_buffer: Any = mc.pyvector()  # reused buffer the client reads into

    def get(self, filepath: PathLike) -> Any:
        import mc

        self._client.Get(str(filepath), self._mc_buffer)
        return mc.ConvertBuffer(self._mc_buffer)

    def get_text(self, filepath: PathLike, encoding: str | None = None) -> str:
        raise NotImplementedError
