"""A loopback HTTP server for checkpoint download tests: serves one folder, counts requests."""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["Served", "serving"]


@dataclass
class Served:
    """The server's base URL and the paths it was asked for, in order."""

    url: str
    requested: list[str] = field(default_factory=list)


@contextmanager
def serving(folder: Path) -> Iterator[Served]:
    """Serve ``folder`` on 127.0.0.1 (a free port) while the block runs."""
    served = Served(url="")

    class Handler(http.server.SimpleHTTPRequestHandler):
        def do_GET(self) -> None:
            served.requested.append(self.path)
            super().do_GET()

        def log_message(self, *args: Any) -> None:  # keep test output clean
            pass

    handler = functools.partial(Handler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
