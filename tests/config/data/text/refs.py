_base_ = ['./base.py', './base_data.yaml', './base_model.json']
ref_whole = {{_base_.item2}}
ref_deep = {{ _base_.item7.b.c }}
ref_in_list = [{{_base_.item4}}, dict(x={{_base_.item1}})]
ref_in_tuple = ({{_base_.item3}},)
reused = ref_deep
name = '{{ fileBasename }}'
