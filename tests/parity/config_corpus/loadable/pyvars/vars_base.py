# covers: the base whose values the `_base_.name` Python-variable files in this folder use
item_list = [1, 2, dict(x=3)]
item_dict = dict(a=dict(b=dict(c=0)), d=[1, 2])
pair = (10, 20)
name = 'base'
