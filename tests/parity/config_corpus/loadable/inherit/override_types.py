# covers: a child replacing base values with other types - list -> shorter list, dict -> None,
# dict -> str, bool -> bool, None -> str, str -> list, list -> empty list
_base_ = './base_runtime.py'
custom_hooks = [dict(type='OnlyHook')]
env_cfg = None
default_scope = ['toy', 'other']
resume = False
load_from = 'ckpt.pth'
log_level = 20
default_hooks = dict(timer='disabled')
