# Adam with a short linear warm-up and cosine annealing, 10 epochs, validating every epoch.
optim_wrapper = dict(optimizer=dict(type="Adam", lr=3e-3, weight_decay=1e-4))

param_scheduler = [
    dict(type="LinearLR", start_factor=0.1, by_epoch=False, begin=0, end=40),
    dict(type="CosineAnnealingLR", by_epoch=True, begin=0, end=10, eta_min=1e-5),
]

train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()
