# covers: a .py config whose file name contains extra dots
model = dict(type='DottedModel', layers=[64, 128])
name = 'model.cfg'
