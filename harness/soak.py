#!/usr/bin/env python3
"""make soak: the long fuzz entries for hours on the debug kernel.

  soak.py suite HOURS LIST   the suite: LIST's entries (harness/fuzz.list),
                             each SCALE times as long (SOAK_SCALE, 3: fewer
                             kmemleak scans between them), in rounds, each
                             round with new seeds (round 1 keeps LIST's),
                             until their --seconds add up to HOURS hours
                             (the last entry cut to fit); SOAK_SEEDS=N
                             adds N to every seed (another soak's seeds)
  soak.py summary LOG        the figures of one soak's console log: fuzzing
                             time, calls checked, VMs, racer operations,
                             kernel splats, suspected leaks, mismatches;
                             exit 1 unless the last three are 0 and every
                             run passed

A mismatch is a psci_fuzz run that failed on anything but a kernel splat
(a model mismatch, an ABI error, a lost wakeup, a wedged vCPU). Splats
are counted on the console (the verdict's kinds, harness/tap.py) and by
psci_fuzz from /dev/kmsg; the larger of the two is shown. Leaks are the
`kmemleak: unreferenced object` lines l1/init prints after each run.
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402

ROUND_SEED_STEP = 1000


def suite(hours, listfile, scale, offset=0):
    entries = []
    for name, timeout, line in tap.parse_suite(listfile):
        argv = line.split('#', 1)[0].split()[2:]
        if '--seconds' not in argv or '--seed' not in argv:
            raise SystemExit(f'{listfile}: {name}: no --seconds or --seed')
        entries.append((name.split(':', 1)[-1], timeout, argv))
    if not entries:
        raise SystemExit(f'{listfile}: no entry')
    want, total, out, rnd = hours * 3600, 0, [], 0
    while total < want:
        rnd += 1
        for name, timeout, argv in entries:
            if total >= want:
                break
            a = list(argv)
            i = a.index('--seed') + 1
            a[i] = str(int(a[i]) + ROUND_SEED_STEP * (rnd - 1) + offset)
            j = a.index('--seconds') + 1
            secs = int(a[j])
            # The last entry only as long as the hours need (60 s or more).
            run = max(60, min(secs * scale, int(want - total)))
            a[j] = str(run)
            total += run
            out.append(f'soak:{rnd}-{name}\t{timeout + run - secs}\t'
                       + ' '.join(a))
    return out


CALLS = re.compile(r'psci_fuzz: \d+ calls checked per second \((\d+) in ([\d.]+) s\)')
FIGS = re.compile(r'psci_fuzz: (\d+) racer operations, (\d+) VMs, kernel splats '
                  r'(?:unknown \(no /dev/kmsg\) )?(\d+)')
FAIL = re.compile(r'^# psci_fuzz: FAIL: (.*)')
LEAK = re.compile(r'^kmemleak: unreferenced object')
QEMU_END = re.compile(r'=== harness: .* after (\d+(?:\.\d+)?)s')


def summary(logpath):
    lines = tap.read_log(logpath)
    f = dict(secs=0.0, calls=0, vms=0, races=0, kmsg_splats=0, leaks=0,
             mismatches=0, wall=0.0)
    fails = []
    for line in lines:
        m = CALLS.search(line)
        if m:
            f['calls'] += int(m[1])
            f['secs'] += float(m[2])
        m = FIGS.search(line)
        if m:
            f['races'] += int(m[1])
            f['vms'] += int(m[2])
            f['kmsg_splats'] += int(m[3])
        m = FAIL.match(line)
        if m:
            if m[1].startswith('kernel splat'):
                f['kmsg_splats'] += 1
            else:
                f['mismatches'] += 1
            fails.append(m[1])
        if LEAK.match(line):
            f['leaks'] += 1
        m = QEMU_END.search(line)
        if m:
            f['wall'] = float(m[1])
    v = tap.judge(lines)
    console = [p for p, _ in v.problems if not p.startswith('kmemleak')
               and any(p.removeprefix('L2 guest ').startswith(w)
                       for _, w in tap.SPLATS)]
    splats = max(len(console), f['kmsg_splats'])
    passed, failed, skipped = tap.counts(v)
    print(f'soak: {os.path.basename(os.path.realpath(logpath))}')
    print(f'  fuzzing time        {f["secs"] / 3600:.2f} h ({f["secs"]:.0f} s; '
          f'boot to power-off {f["wall"] / 3600:.2f} h)')
    print(f'  runs                {passed} passed, {failed} failed, {skipped} skipped')
    print(f'  calls checked       {f["calls"]:,}')
    print(f'  VMs                 {f["vms"]:,}')
    print(f'  racer operations    {f["races"]:,}')
    print(f'  kernel splats       {splats}')
    print(f'  suspected leaks     {f["leaks"]}')
    print(f'  mismatches          {f["mismatches"]}')
    for x in fails[:10]:
        print(f'  FAIL: {x}')
    for p, _ in v.problems:
        print(f'  problem: {p}')
    return splats == 0 and f['leaks'] == 0 and f['mismatches'] == 0 \
        and failed == 0 and passed > 0 and not v.problems


def main(argv):
    if len(argv) == 4 and argv[1] == 'suite':
        scale = int(os.environ.get('SOAK_SCALE', '3'))
        offset = int(os.environ.get('SOAK_SEEDS', '0'))
        print('\n'.join(suite(float(argv[2]), argv[3], scale, offset)))
        return 0
    if len(argv) == 3 and argv[1] == 'summary':
        return 0 if summary(argv[2]) else 1
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv))
