# covers: `_delete_=True` on a nested dict (sibling keys of the parent still merge)
_base_ = ['./base_runtime.py', './base_model.json']
default_hooks = dict(
    checkpoint=dict(_delete_=True, type='MyCheckpointHook', save_best='auto'),
    logger=dict(interval=1),
)
model = dict(head=dict(loss=dict(_delete_=True, type='FocalLoss', gamma=2.0)))
