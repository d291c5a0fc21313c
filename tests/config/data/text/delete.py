_base_ = './base.py'
item2 = dict(_delete_=True, b=1)
item9 = dict(_delete_=True, c=1)
