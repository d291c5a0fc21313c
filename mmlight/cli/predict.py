"""``mmlight predict``: MMEngine has no predict stage, so run ``model.test_step`` over the
test dataloader with ``lightning.Trainer.predict`` and write the outputs to a file."""

from __future__ import annotations

from typing import Any

import lightning.pytorch as pl

from mmlight.cli.errors import CLIError
from mmlight.cli.outputs import write_outputs

__all__ = ["PredictModule", "run_predict"]


class PredictModule(pl.LightningModule):
    """``predict_step`` = ``model.test_step(batch)``; the data preprocessor moves batches."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model

    def transfer_batch_to_device(self, batch: Any, device: Any, dataloader_idx: int) -> Any:
        return batch

    def predict_step(self, batch: Any, batch_idx: int, dataloader_idx: int = 0) -> Any:
        return self.model.test_step(batch)


def run_predict(runner: Any, cfg: Any, out: str) -> list[Any]:
    """Load weights (``load_from``), predict over ``test_dataloader``, write ``out``."""
    from mmlight.lightning.trainer_factory import build_trainer

    loader_cfg = cfg.get("test_dataloader", None)
    if loader_cfg is None:
        raise CLIError("predict runs over test_dataloader, and the config has none")
    loader = runner.build_dataloader(loader_cfg, seed=runner.seed, cfg_key="test_dataloader")
    runner.load_or_resume()
    trainer = build_trainer(runner, "predict")
    batches = trainer.predict(PredictModule(runner.model), dataloaders=loader) or []
    outputs: list[Any] = []
    for batch in batches:
        outputs.extend(batch if isinstance(batch, (list, tuple)) else [batch])
    write_outputs(outputs, out)
    runner.logger.info(f"{len(outputs)} predictions written to {out}")
    return outputs
