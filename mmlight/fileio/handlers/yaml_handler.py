"""YAML files, through libyaml's C loader/dumper where PyYAML was built with it (as mmengine).

The full ``Loader`` is mmengine's choice (it builds Python tuples and the like); pass
``Loader=yaml.SafeLoader`` to ``load`` for files from untrusted sources.
"""

from __future__ import annotations

from typing import IO, Any

import yaml

from mmlight.fileio.handlers.base import BaseFileHandler

__all__ = ["YamlHandler"]

_Loader: Any = getattr(yaml, "CLoader", yaml.Loader)
_Dumper: Any = getattr(yaml, "CDumper", yaml.Dumper)


class YamlHandler(BaseFileHandler):
    """``yaml.load``/``yaml.dump``; ``Loader``/``Dumper`` may be overridden per call."""

    def load_from_fileobj(self, file: IO, **kwargs: Any) -> Any:
        kwargs.setdefault("Loader", _Loader)
        return yaml.load(file, **kwargs)

    def dump_to_fileobj(self, obj: Any, file: IO, **kwargs: Any) -> None:
        kwargs.setdefault("Dumper", _Dumper)
        yaml.dump(obj, file, **kwargs)

    def dump_to_str(self, obj: Any, **kwargs: Any) -> str:
        kwargs.setdefault("Dumper", _Dumper)
        return str(yaml.dump(obj, **kwargs))
