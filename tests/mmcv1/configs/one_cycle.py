# one-cycle lr and momentum (three phases)
model = dict(type='MyNet')
data = dict(samples_per_gpu=8, workers_per_gpu=1, train=dict(type='MyData'))
optimizer = dict(type='SGD', lr=0.004, momentum=0.9)
optimizer_config = dict()
lr_config = dict(policy='OneCycle', max_lr=0.1, pct_start=0.25, div_factor=20.,
                 final_div_factor=100., three_phase=True)
momentum_config = dict(policy='OneCycle', base_momentum=0.85, max_momentum=0.95, pct_start=0.25,
                       three_phase=True)
runner = dict(type='IterBasedRunner', max_iters=50)
checkpoint_config = dict(interval=25, by_epoch=False)
log_config = dict(interval=10, hooks=[dict(type='TextLoggerHook', by_epoch=False)])
