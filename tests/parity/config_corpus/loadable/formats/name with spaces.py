# covers: a config file name with spaces, predefined variables naming it, and a base reference
# into a YAML base that uses PyYAML's `!!python/tuple` tag (what mmengine's YAML dump writes)
_base_ = './tuples_tagged.yaml'
stem = '{{fileBasenameNoExtension}}'
scales = {{_base_.scales}}
