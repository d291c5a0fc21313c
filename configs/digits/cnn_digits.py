# Quickstart: a small CNN on scikit-learn's bundled 8x8 handwritten digits (no download).
#   python examples/digits/train.py                      (this config, via the Runner API)
#   mmlight-train configs/digits/cnn_digits.py           (from the repository root)
_base_ = ["../_base_/default_runtime.py", "../_base_/schedules/adam_cosine_10e.py"]

# Registers DigitsCNN, DigitsDataset and DigitsAccuracy (examples/digits/digits_components.py);
# mmlight's commands put the working directory on sys.path, so this resolves from the repo root.
custom_imports = dict(imports=["examples.digits.digits_components"], allow_failed_imports=False)

model = dict(type="DigitsCNN", channels=(16, 32), hidden=64)

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=True),
    dataset=dict(type="DigitsDataset", split="train"),
)
val_dataloader = dict(
    batch_size=128,
    num_workers=0,
    sampler=dict(type="DefaultSampler", shuffle=False),
    dataset=dict(type="DigitsDataset", split="val"),
)
test_dataloader = val_dataloader

val_evaluator = dict(type="DigitsAccuracy")
test_evaluator = val_evaluator

work_dir = "./work_dirs/cnn_digits"
