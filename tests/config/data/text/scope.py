default_scope = 'mmdet'
model = dict(type='Foo', _scope_='mmcls')
