"""Download-and-cache of checkpoints by URL (mmengine.utils.dl_utils.hub).

mmengine carries its own copy only for torch < 1.7; on the torch mmlight supports this is
torch's ``load_url`` itself.
"""

from __future__ import annotations

from torch.utils.model_zoo import load_url

__all__ = ["load_url"]
