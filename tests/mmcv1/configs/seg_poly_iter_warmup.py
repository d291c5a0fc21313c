# mmseg 0.x style: iteration-based poly with min_lr and a linear warm-up, mIoU evaluation
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(type='EncoderDecoder', backbone=dict(type='ResNetV1c', norm_cfg=norm_cfg))
dataset_type = 'CityscapesDataset'
data = dict(samples_per_gpu=2, workers_per_gpu=2,
            train=dict(type=dataset_type, data_root='data/cityscapes/', img_dir='leftImg8bit/train',
                       ann_dir='gtFine/train', pipeline=[]),
            val=dict(type=dataset_type, data_root='data/cityscapes/', img_dir='leftImg8bit/val',
                     ann_dir='gtFine/val', pipeline=[]),
            test=dict(type=dataset_type, data_root='data/cityscapes/', img_dir='leftImg8bit/val',
                      ann_dir='gtFine/val', pipeline=[]))
optimizer = dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0005)
optimizer_config = dict(type='Fp16OptimizerHook', loss_scale='dynamic')
lr_config = dict(policy='poly', power=0.9, min_lr=1e-4, by_epoch=False, warmup='linear',
                 warmup_iters=15, warmup_ratio=1e-6)
runner = dict(type='IterBasedRunner', max_iters=80)
checkpoint_config = dict(by_epoch=False, interval=40)
evaluation = dict(interval=40, metric='mIoU', pre_eval=True, save_best='mIoU', rule='greater')
log_config = dict(interval=50, hooks=[dict(type='TextLoggerHook', by_epoch=False)])
auto_resume = True
