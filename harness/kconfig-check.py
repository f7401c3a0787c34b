#!/usr/bin/env python3
"""kconfig-check.py DOTCONFIG FRAGMENT...: every symbol the fragments set
(the last fragment wins) must have that value in DOTCONFIG. A symbol
Kconfig dropped (unmet dependency, typo) fails loudly by name."""
import re
import sys

SET = re.compile(r'^(CONFIG_\w+)=(.*)$')
UNSET = re.compile(r'^# (CONFIG_\w+) is not set$')


def parse(path):
    vals = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            m = SET.match(line)
            if m:
                vals[m[1]] = m[2]
            elif UNSET.match(line):
                vals[UNSET.match(line)[1]] = 'n'
    return vals


def main(argv):
    final = parse(argv[1])
    want, origin = {}, {}
    for frag in argv[2:]:
        for sym, val in parse(frag).items():
            want[sym], origin[sym] = val, frag
    bad = []
    for sym, val in want.items():
        got = final.get(sym, 'n')
        if got != val:
            bad.append(f'{sym}={val} (from {origin[sym]}) is {sym}={got} '
                       'in the final .config')
    for b in bad:
        print(f'error: config: {b}', file=sys.stderr)
    if bad:
        print('error: config: a symbol the fragments ask for was dropped '
              '(unmet dependency or misspelt name)', file=sys.stderr)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
