"""Each test starts with no MessageHub / MMLogger instances and the default statistics only."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator

import pytest

from mmlight.logging import HistoryBuffer, MessageHub, MMLogger


@pytest.fixture(autouse=True)
def _isolate_logging_state(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(MessageHub, "_instance_dict", OrderedDict())
    monkeypatch.setattr(MMLogger, "_instance_dict", OrderedDict())
    statistics = dict(HistoryBuffer._statistics_methods)
    yield
    for logger in MMLogger._instance_dict.values():
        for handler in logger.handlers:
            handler.close()
    HistoryBuffer._statistics_methods.clear()
    HistoryBuffer._statistics_methods.update(statistics)
