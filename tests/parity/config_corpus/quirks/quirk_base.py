# covers: the base the quirk files in this folder inherit from
name = 'base'
hooks = dict(logger=dict(interval=50))
