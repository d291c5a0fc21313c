# covers: value types in .py - tuples (incl. 1-tuple and empty), nested lists, None, floats
# (exponent, negative zero, integral), big ints, bools, unicode, quotes, backslashes, newlines,
# tabs, empty containers, non-identifier and int keys in nested dicts, dicts inside tuples
point = (1, 2.5, None)
single = (4,)
empty_tuple = ()
nested = [[1, [2, 3]], (4, (5, 6)), []]
floats = dict(small=1e-5, neg_zero=-0.0, whole=1.0, big=3.0e10, neg=-2.5)
big_int = 10**20
neg_int = -7
flags = [True, False, None]
unicode_text = 'ünïcødé ✓ 日本語 🙂'
quotes = 'he said "hi" and \'bye\''
backslashes = 'C:\\path\\to\\file and \\n literally'
newlines = 'line1\nline2\ttabbed\r\n'
empty_str = ''
empty_list = []
empty_dict = {}
odd_keys = {'a-b': 1, 'with space': 2, '1st': 3, 3: 'three', 'class': 'keyword', 'ok': True}
deep_odd = dict(inner={'x.y': dict(z=1)}, lst=[{'k-1': 1}])
dict_in_tuple = (dict(a=1), dict(b=(2, 3)))
