dirname = '{{ fileDirname }}'
basename = '{{fileBasename}}'
stem = 'abc_{{ fileBasenameNoExtension }}'
ext = '{{fileExtname}}'
