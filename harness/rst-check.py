#!/usr/bin/env python3
"""rst-check.py BASE.rst NEW.rst: parse both with docutils and fail if NEW
has a warning or error that BASE does not. Sphinx-only directives and
roles are errors for plain docutils in both, so only new ones count."""
import collections
import io
import re
import sys

import docutils.core
import docutils.utils

MSG = re.compile(r'^[^:]*:(\d+): \((\w+)/(\d)\) (.*)$')


def messages(path):
    stream = io.StringIO()
    with open(path, encoding='utf-8') as f:
        src = f.read()
    docutils.core.publish_string(
        src, source_path=path, writer_name='null',
        settings_overrides={'report_level': 2, 'halt_level': 5,
                            'warning_stream': stream})
    out = []
    for line in stream.getvalue().splitlines():
        m = MSG.match(line)
        if m:
            out.append((m[2], m[4], int(m[1])))
    return out


def main(argv):
    base, new = messages(argv[1]), messages(argv[2])
    have = collections.Counter((lvl, text) for lvl, text, _ in base)
    fresh = []
    for lvl, text, line in new:
        if have[(lvl, text)]:
            have[(lvl, text)] -= 1
        else:
            fresh.append(f'{argv[2]}:{line}: ({lvl}) {text}')
    print(f'api.rst: {len(base)} docutils message(s) in the base, '
          f'{len(new)} patched, {len(fresh)} new')
    for f in fresh:
        print('  ' + f)
    return 1 if fresh else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
