#!/usr/bin/env python3
"""The harness's view of the suite and of a run's console log.

  tap.py select SUITE [PATTERNS]   print the selected suite lines
  tap.py verdict LOG [--expect N] [--kvm-mode vhe|nvhe]
                                   judge a console log; exit 1 on failure

PATTERNS: globs separated by commas or spaces, matched against the test
names; empty selects every test but `demo` and leaves out the ones marked
`# SLOW reason` (named on standard error): a suite run counts only what
it means to run.

--kvm-mode: the L1 kernel must say that KVM came up in that mode
("VHE mode initialized", or nVHE's "Hyp mode initialized", which
6.12 spells "Hyp nVHE mode initialized").

The verdict fails on any `not ok`, a missing or short plan, zero tests,
every test skipped, `Bail out!`, a harness watchdog kill, and on kernel
trouble anywhere in the log: WARNING, BUG, Oops, panic, lockdep, KASAN,
UBSAN, stalls, and a `Call trace:` that no known-benign message explains;
and on a suspected leak that l1/init's kmemleak scan prints
(`kmemleak: unreferenced object ...` with its backtrace, debug kernel).
The same kernel trouble on an L2 guest's console, which a VMM test relays
as `# [ timestamp] ...` lines, fails the run too. Its last line is
`N passed, N failed, N skipped`.

kselftest (make kselftest; harness/kselftest.sh):

  tap.py ksft-suite LIST EXCLUDE TIMEOUT
      the suite of one kselftest boot: each test of the kvm collection
      that kselftest-list.txt LIST names and EXCLUDE does not, once under
      init, then all of them under run_kselftest.sh -t ...
  tap.py ksft LOG [--want TEST=pass|skip:REASON]...
      in one console log, every test's result under init equals its
      result under run_kselftest.sh, and TEST's is as wanted in both
  tap.py ksft-compare BASE_LOG SERIES_LOG [--want-base|--want-series TEST=...]...
      run_kselftest.sh's results on the base and on the series; no pass
      on the base may fail on the series
"""
import fnmatch
import re
import sys

# ---------------------------------------------------------------- suite


def parse_suite(path):
    """[(name, timeout, line)] for each test line of a suite file."""
    tests = []
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line.startswith('#'):
                continue
            fields = line.split('#', 1)[0].split()
            if len(fields) < 3 or not fields[1].isdigit():
                raise SystemExit(f'{path}: bad line: {line}')
            tests.append((fields[0], int(fields[1]), line))
    return tests


SLOW = re.compile(r'#\s*SLOW\b\s*(.*)$')


def select(tests, patterns, left_out=None):
    """The tests PATTERNS names. By default: all but `demo` and the ones
    marked `# SLOW reason`, whose names go to left_out (a list)."""
    pats = [p for p in re.split(r'[,\s]+', patterns or '') if p]
    if pats:
        return [(n, t, SLOW.sub('', line).rstrip()) for n, t, line in tests
                if any(fnmatch.fnmatchcase(n, p) for p in pats)]
    out = []
    for name, timeout, line in tests:
        if name == 'demo':
            continue
        if SLOW.search(line):
            if left_out is not None:
                left_out.append(name)
            continue
        out.append((name, timeout, line))
    return out


# -------------------------------------------------------------- verdict

TAP = re.compile(r'^(not )?ok (\d+)\b([^#]*)(?:#\s*(\S+)\s*(.*))?$')
PLAN = re.compile(r'^1\.\.(\d+)')
# Kernel trouble. Matched on console lines that are not test output.
SPLATS = [
    (re.compile(r'BUG: KASAN'), 'KASAN report'),
    # l1/init's kmemleak scan (CONFIG=debug): a new suspect, or no scan.
    (re.compile(r'^kmemleak: unreferenced object'), 'kmemleak: suspected leak'),
    (re.compile(r'^kmemleak: error:'), 'kmemleak: no scan'),
    (re.compile(r'UBSAN:'), 'UBSAN report'),
    (re.compile(r'possible (circular|recursive) locking|inconsistent lock state'
                r'|INFO: .*lock|DEBUG_LOCKS_WARN_ON'), 'lockdep report'),
    (re.compile(r'WARNING:'), 'kernel WARNING'),
    (re.compile(r'BUG:'), 'kernel BUG'),
    (re.compile(r'Unable to handle kernel|Internal error:|\bOops\b'), 'kernel Oops'),
    (re.compile(r'Kernel panic'), 'kernel panic'),
    (re.compile(r'rcu: INFO:|rcu_sched self-detected stall|INFO: task .* blocked'),
     'stall'),
    (re.compile(r'Call trace:'), 'call trace'),
]
# A `Call trace:` preceded (within a few lines) by one of these is benign.
BENIGN_TRACES = [
    re.compile(r'sysrq: Show'),
]
HARNESS = re.compile(r'^=== harness: (.*)')
KVM_MODES = {
    'vhe': re.compile(r'kvm \[\d+\]: VHE mode initialized successfully'),
    'nvhe': re.compile(r'kvm \[\d+\]: Hyp (nVHE )?mode initialized successfully'),
}
L2_KERNEL = re.compile(r'^# (\[\s*\d+\.\d+\] .*)')


class Verdict:
    def __init__(self):
        self.plan = None
        self.results = {}       # number -> (status, name, directive, reason, line)
        self.problems = []      # (message, line index)
        self.test_failed = {}   # number -> reason, for ok tests with splats
        self.tap_seen = False
        self.lines = []


def judge(lines, expect=None, kvm_mode=None):
    v = Verdict()
    v.lines = lines
    seen_splat_lines = set()
    for i, line in enumerate(lines):
        if line.startswith('TAP version'):
            v.tap_seen = True
            continue
        m = PLAN.match(line)
        if m and v.plan is None:
            v.plan = int(m[1])
            continue
        m = TAP.match(line)
        if m:
            num = int(m[2])
            status = 'fail' if m[1] else 'pass'
            directive = (m[4] or '').upper()
            if directive == 'SKIP':
                status = 'skip'
            v.results[num] = (status, m[3].strip(), directive, m[5] or '', i)
            continue
        guest = ''
        if line.startswith('#'):
            # Test output and init's comments, except the console of an
            # L2 guest running the same kernel, relayed by a VMM test.
            m = L2_KERNEL.match(line)
            if not m:
                continue
            guest, line = 'L2 guest ', m[1]
        if line.startswith('Bail out!'):
            v.problems.append(('init bailed out: ' + line[9:].strip(), i))
            continue
        m = HARNESS.match(line)
        if m:
            if 'watchdog' in m[1]:
                v.problems.append((m[1], i))
            continue
        for pat, what in SPLATS:
            if pat.search(line):
                if what == 'call trace':
                    before = lines[max(0, i - 40):i]
                    if any(b.search(x) for b in BENIGN_TRACES for x in before):
                        break
                # Part of a splat already reported? (A panic always counts.)
                if what != 'kernel panic' and any(
                        j in seen_splat_lines for j in range(i - 60, i)):
                    seen_splat_lines.add(i)
                    break
                seen_splat_lines.add(i)
                what = guest + what
                # Which test was running: the one after the last result.
                done = [n for n, r in v.results.items() if r[4] < i]
                running = (max(done) + 1) if done else (1 if v.plan else None)
                if v.plan is not None and running and running <= v.plan:
                    v.test_failed.setdefault(running, f'{what} while it ran')
                    where = f' during test {running}'
                elif v.plan is None:
                    where = ' before the tests started'
                else:
                    where = ' after the last test'
                v.problems.append((what + where, i))
                break

    if kvm_mode and v.tap_seen:
        seen = [m for m, pat in KVM_MODES.items()
                if any(pat.search(x) for x in lines)]
        if seen != [kvm_mode]:
            v.problems.append((f'KVM mode: asked for {kvm_mode}, the kernel '
                               f'says {" and ".join(seen) or "neither"}', None))
    if not v.tap_seen:
        v.problems.append(('init never started (no "TAP version" line)', None))
    elif v.plan is None:
        if not any(m.startswith('init bailed out') for m, _ in v.problems):
            v.problems.append(('no test plan (1..N) from init', None))
    else:
        if expect is not None and v.plan != expect:
            v.problems.append((f'plan mismatch: init planned 1..{v.plan}, '
                               f'the harness selected {expect}', None))
        missing = [n for n in range(1, v.plan + 1) if n not in v.results]
        if missing:
            v.problems.append((f'plan 1..{v.plan} but {len(missing)} result(s) '
                               f'missing (first: test {missing[0]})', None))
        if v.plan == 0:
            v.problems.append(('zero tests', None))
    return v


def counts(v):
    passed = failed = skipped = 0
    n = v.plan if v.plan is not None else 0
    for num in range(1, max([n] + list(v.results)) + 1):
        r = v.results.get(num)
        if r is None:
            failed += 1
        elif r[0] == 'fail' or num in v.test_failed:
            failed += 1
        elif r[0] == 'skip':
            skipped += 1
        else:
            passed += 1
    return passed, failed, skipped


def context(lines, i, before=5, after=30):
    """The splat around line i: up to its end marker or a blank/TAP line."""
    lo = max(0, i - before)
    hi = min(len(lines), i + after)
    for j in range(i + 1, hi):
        if '---[ end' in lines[j] or TAP.match(lines[j]):
            hi = j + 1
            break
    return range(lo, hi)


def report(v, logpath, out=sys.stdout):
    passed, failed, skipped = counts(v)
    ok = not v.problems and failed == 0
    if v.results and passed == 0 and failed == 0 and skipped > 0:
        v.problems.append(('every test was skipped (KVM never came up?)', None))
        ok = False
    for num in sorted(v.results):
        status, name, directive, reason, i = v.results[num]
        if status == 'fail':
            print(f'FAIL: test {num} {name}: not ok'
                  + (f' ({directive} {reason})'.rstrip() if directive else ''),
                  file=out)
            # Its last lines of output, for a first look.
            j, tail = i - 1, []
            while j >= 0 and lines_is_output(v.lines[j]) and len(tail) < 15:
                tail.insert(0, v.lines[j])
                j -= 1
            for t in tail:
                print('  | ' + t, file=out)
        elif num in v.test_failed:
            print(f'FAIL: test {num} {name}: {v.test_failed[num]}', file=out)
    shown = set()
    hang = False
    for msg, i in v.problems:
        where = f' ({logpath}:{i + 1})' if i is not None else ''
        print(f'FAIL: {msg}{where}', file=out)
        if 'watchdog' in msg or 'missing' in msg or 'never started' in msg \
                or 'no test plan' in msg:
            hang = True
        if i is not None and 'watchdog' not in msg:
            for j in context(v.lines, i):
                if j not in shown:
                    shown.add(j)
                    print(f'  | {v.lines[j]}', file=out)
    if hang:
        print('--- last 30 console lines', file=out)
        tail = [x for x in v.lines if not HARNESS.match(x)][-30:]
        for t in tail:
            print('  | ' + t, file=out)
    if not ok:
        print(f'full log: {logpath}', file=out)
    print(f'{passed} passed, {failed} failed, {skipped} skipped', file=out)
    return ok


def lines_is_output(line):
    return line.startswith('#')


def read_log(path):
    with open(path, 'rb') as f:
        data = f.read().decode('utf-8', 'replace')
    return [x.rstrip('\r') for x in data.replace('\r\n', '\n').split('\n')]


# ------------------------------------------------------------ kselftest

RUNNER = 'ksft:run_kselftest.sh'
RUNNER_DESC = 'selftests: ksft: run_kselftest.sh'
NOT_FOUND = re.compile(r': not found$|: No such file or directory$')


def ksft_suite(listfile, excludefile, timeout):
    """Suite lines for init, and the tests left out with their reasons."""
    excluded = {}
    with open(excludefile) as f:
        for raw in f:
            line = raw.strip()
            if line and not line.startswith('#'):
                name, _, why = line.partition(' ')
                excluded[name] = why.strip() or 'no reason given'
    with open(listfile) as f:
        tests = [x.strip() for x in f if x.startswith('kvm:')]
    run = [t for t in tests if t not in excluded]
    lines = [f'{t} {timeout} /kselftest/kvm/{t[4:]}' for t in run]
    # The runner's own time: every test's timeout, and a minute for itself.
    sel = ' '.join(f'-t {t}' for t in run)
    lines.append(f'{RUNNER} {timeout * len(run) + 60} '
                 f'/kselftest/run_kselftest.sh {sel}')
    left = [f'{t} ({excluded[t]})' for t in tests if t in excluded]
    stale = sorted(set(excluded) - set(tests))
    return lines, left, stale


class KsftRun:
    """One console log of a kselftest boot: init's and the runner's."""

    def __init__(self, lines):
        v = judge(lines)
        self.init = {}          # description -> (status, reason)
        self.runner = {}        # description -> (status, reason)
        self.runner_plan = None
        self.runner_status = None
        self.problems = []
        start = 0
        for num in sorted(v.results):
            status, name, directive, reason, i = v.results[num]
            if name == RUNNER_DESC:
                self.runner_status = status
                self.scan_runner(lines[start:i])
            else:
                self.init[name] = (status, reason if status == 'skip' else '')
            start = i + 1
        if self.runner_status is None:
            self.problems.append('no result of run_kselftest.sh in the log')

    def scan_runner(self, region):
        last = ''
        for line in region:
            if not line.startswith('#'):
                continue
            inner = line[2:] if line.startswith('# ') else line[1:]
            if inner.startswith('#'):
                out = inner[1:].strip()
                if out:
                    last = out
                continue
            m = PLAN.match(inner)
            if m and self.runner_plan is None:
                self.runner_plan = int(m[1])
                continue
            m = TAP.match(inner)
            if m:
                status = 'fail' if m[1] else 'pass'
                if (m[4] or '').upper() == 'SKIP':
                    status = 'skip'
                reason = (m[5] or '').strip() or last
                self.runner[m[3].strip()] = (status,
                                             reason if status == 'skip' else '')
                last = ''
                continue
            if NOT_FOUND.search(inner):
                self.problems.append(f'run_kselftest.sh: {inner.strip()}')


def check_want(want, who, results):
    """want: TEST=pass or TEST=skip:REASON (a part of the skip's reason)."""
    test, _, what = want.partition('=')
    status, _, reason = what.partition(':')
    got = results.get(f'selftests: kvm: {test}')
    if got is None:
        return [f'{test}: no result from {who}']
    if got[0] != status:
        return [f'{test}: {who} says {got[0]}, want {status}']
    if reason and reason not in got[1]:
        return [f'{test}: {who} skips it with "{got[1]}", '
                f'want the reason "{reason}"']
    if status == 'skip':
        print(f'{test}: skipped under {who}: {got[1]}')
    return []


def ksft_agree(path, wants):
    """init and run_kselftest.sh agree test for test; the wanted results."""
    r = KsftRun(read_log(path))
    bad = list(r.problems)
    if r.runner_plan is None:
        bad.append('run_kselftest.sh printed no plan')
    elif r.runner_plan != len(r.runner) or not r.runner:
        bad.append(f'run_kselftest.sh planned 1..{r.runner_plan}, '
                   f'reported {len(r.runner)}')
    names = sorted(set(r.init) | set(r.runner))
    width = max([len(n) for n in names] + [10])
    print(f'{"test":{width}}  {"init":6}  run_kselftest.sh')
    for n in names:
        a = r.init.get(n, ('-', ''))[0]
        b = r.runner.get(n, ('-', ''))[0]
        print(f'{n:{width}}  {a:6}  {b}')
        if a != b:
            bad.append(f'{n}: init says {a}, run_kselftest.sh says {b}')
    for want in wants:
        for who, res in (('init', r.init), ('run_kselftest.sh', r.runner)):
            bad += check_want(want, who, res)
    for b in bad:
        print(f'FAIL: {b}')
    print(f'{len(names)} test(s) compared, {len(bad)} problem(s)')
    return not bad


def ksft_compare(base_log, series_log, wants=()):
    """run_kselftest.sh on the base and on the series: a table; a test
    that passes on the base must not fail on the series. wants: (who,
    TEST=...) with who 'base' or 'series'."""
    base = KsftRun(read_log(base_log)).runner
    series = KsftRun(read_log(series_log)).runner
    names = sorted(set(base) | set(series))
    width = max([len(n) for n in names] + [10])
    bad = []
    for who, want in wants:
        bad += check_want(want, f'run_kselftest.sh on the {who}',
                          base if who == 'base' else series)
    print(f'{"test":{width}}  {"base":6}  {"series":6}  why skipped')
    for n in names:
        a, why_a = base.get(n, ('-', ''))
        b, why_b = series.get(n, ('-', ''))
        why = why_b if why_b == why_a or not why_a else \
            f'base: {why_a}; series: {why_b or b}'
        print(f'{n:{width}}  {a:6}  {b:6}  {why}'.rstrip())
        if a == 'pass' and b != 'pass':
            bad.append(f'{n}: passes on the base, {b} on the series')
    if not base or not series:
        bad.append('no run_kselftest.sh results in ' +
                   (base_log if not base else series_log))
    for b in bad:
        print(f'FAIL: {b}')
    if not bad:
        print(f'{len(names)} test(s): no pass on the base fails on the series')
    return not bad


def main(argv):
    if len(argv) >= 3 and argv[1] == 'select':
        left_out = []
        for t in select(parse_suite(argv[2]), ' '.join(argv[3:]), left_out):
            print(t[2])
        if left_out:
            print('slow, left out (TESTS=NAME runs one): ' +
                  ' '.join(left_out), file=sys.stderr)
        return 0
    if len(argv) >= 3 and argv[1] == 'verdict':
        opts = dict(zip(argv[3::2], argv[4::2]))
        if len(argv) % 2 == 0 or set(opts) - {'--expect', '--kvm-mode'} or \
                opts.get('--kvm-mode', 'vhe') not in KVM_MODES:
            print(__doc__, file=sys.stderr)
            return 2
        expect = int(opts['--expect']) if '--expect' in opts else None
        v = judge(read_log(argv[2]), expect, opts.get('--kvm-mode'))
        return 0 if report(v, argv[2]) else 1
    if len(argv) == 5 and argv[1] == 'ksft-suite':
        lines, left, stale = ksft_suite(argv[2], argv[3], int(argv[4]))
        print('\n'.join(lines))
        if left:
            print('not run under TCG: ' + '; '.join(left), file=sys.stderr)
        if stale:
            print(f'{argv[3]} names tests the collection does not have: '
                  + ' '.join(stale), file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 3 and argv[1] == 'ksft':
        opts = argv[3:]
        if len(opts) % 2 or any(o != '--want' for o in opts[::2]):
            print(__doc__, file=sys.stderr)
            return 2
        return 0 if ksft_agree(argv[2], opts[1::2]) else 1
    if len(argv) >= 4 and argv[1] == 'ksft-compare':
        opts = argv[4:]
        if len(opts) % 2 or any(o not in ('--want-base', '--want-series')
                                for o in opts[::2]):
            print(__doc__, file=sys.stderr)
            return 2
        wants = [(o[7:], w) for o, w in zip(opts[::2], opts[1::2])]
        return 0 if ksft_compare(argv[2], argv[3], wants) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
