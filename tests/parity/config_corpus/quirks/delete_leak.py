# covers: `_delete_` on keys the base does not have. mmengine leaves the `_delete_` marker in the
# loaded config, where it would reach a constructor as a keyword argument
_base_ = './quirk_base.py'
fresh = dict(_delete_=True, type='NewThing')
hooks = dict(checkpoint=dict(_delete_=False, interval=1))
