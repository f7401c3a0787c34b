#!/usr/bin/env python3
"""parity.py LOG_A LOG_B: compare the TAP results of two suite runs, for
the tests that LOG_B ran.

Every result counts: the suite's own lines (`ok 3 selftests: kvm: NAME`)
and the cases a test reports inside its output (`# ok 5 discovery`, which
init relays with a `# ` prefix), named TEST/CASE. A result is ok, skip or
fail. So do the values a test prints for comparison: the conformance
suite's `system_off` case prints `system_event SHUTDOWN: ndata 1 data[0]
0x0` (and RESET), named TEST/system_event TYPE, whose value is the rest
of the line. Prints one
line per difference and a summary; exits 1 if any result differs, or is
missing from either log."""
import re
import sys

TOP = re.compile(r'^(not ok|ok) \d+ selftests: \w+: (\S+)(.*)$')
NESTED = re.compile(r'^# (not ok|ok) \d+ (?:# SKIP )?(\S+?):?(\s.*)?$')
VALUE = re.compile(r'^[# ]*(system_event [A-Z]+): (ndata \d+ data\[0\] 0x[0-9a-f]+)$')


def verdict(status, rest):
    if status == 'not ok':
        return 'fail'
    return 'skip' if '# SKIP' in (rest or '') else 'ok'


def results(path):
    res, pending = {}, []
    with open(path, errors='replace') as f:
        for line in f:
            line = line.rstrip('\r\n')
            m = TOP.match(line)
            if m:
                name = m[2]
                res[name] = verdict(m[1], m[3])
                for case, v in pending:
                    res[f'{name}/{case}'] = v
                pending = []
                continue
            m = VALUE.match(line)
            if m:
                pending.append((m[1], m[2]))
                continue
            m = NESTED.match(line)
            if m:
                skip = '# SKIP' in line
                pending.append((m[2], 'skip' if skip and m[1] == 'ok'
                                else verdict(m[1], m[3])))
    return res


def main(argv):
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    a, b = results(argv[1]), results(argv[2])
    # B may be a subset run: compare the tests it ran, and their cases.
    ran = {n for n in b if '/' not in n}
    a = {n: v for n, v in a.items() if n.split('/')[0] in ran}
    diff = 0
    for name in sorted(set(a) | set(b)):
        va, vb = a.get(name, 'missing'), b.get(name, 'missing')
        if va != vb:
            print(f'differs: {name}: {va} vs {vb}')
            diff += 1
    same = len(set(a) & set(b)) - sum(1 for n in set(a) & set(b)
                                      if a[n] != b[n])
    print(f'parity: {same} result(s) the same, {diff} different')
    return 1 if diff or not a else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
