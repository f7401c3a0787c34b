#!/usr/bin/env python3
"""uapi_check.py SERIES_SRC UPSTREAM_SRC SERIES_HDRS UPSTREAM_HDRS

Check that every field and value the series adds to the KVM uapi is
upstream's, to the letter. SERIES_SRC and UPSTREAM_SRC are kernel source
trees (5.10 with the series, and 6.12); *_HDRS are their installed uapi
headers (`make headers_install`, arm64).

Three comparisons, each of which prints what differs:
  values  every #define the series adds (and the ones around it), as text
          in include/uapi/linux/kvm.h and as compiled by the host C
          compiler against the installed headers;
  struct  the source text of struct kvm_run's system_event member, token
          by token (so `flags` under `#ifndef __KERNEL__`, the union, the
          types and data[16] are pinned), the #define lines aside;
  layout  offset and size of every system_event field and the size of
          struct kvm_run, compiled against each set of installed headers.

`uapi_check.py --self-test SERIES_SRC SERIES_HDRS` checks the checker:
each of a list of one-character slips made in a copy of the series'
header must be reported.

Exit status: 0 when everything is the same, 1 otherwise."""
import os
import re
import shutil
import subprocess
import sys
import tempfile

KVM_H = 'include/uapi/linux/kvm.h'

# The series' uapi values, and their neighbours that must not move.
NAMES = [
    'KVM_EXIT_SYSTEM_EVENT',
    'KVM_SYSTEM_EVENT_SHUTDOWN', 'KVM_SYSTEM_EVENT_RESET',
    'KVM_SYSTEM_EVENT_CRASH', 'KVM_SYSTEM_EVENT_WAKEUP',
    'KVM_SYSTEM_EVENT_SUSPEND',
    'KVM_MP_STATE_RUNNABLE', 'KVM_MP_STATE_STOPPED',
    'KVM_MP_STATE_SUSPENDED',
    'KVM_CAP_SYSTEM_EVENT_DATA', 'KVM_CAP_ARM_SYSTEM_SUSPEND',
]

FIELDS = ['type', 'ndata', 'flags', 'data', 'data[0]', 'data[15]']

PROBE = r'''
#include <stddef.h>
#include <stdio.h>
#include <linux/kvm.h>

#define SE(f) ((struct kvm_run *)0)->system_event.f
#define FIELD(f) printf("layout system_event.%s offset %zu size %zu\n", #f, \
	offsetof(struct kvm_run, system_event.f), sizeof(SE(f)))
#define VALUE(n) printf("value %s %lld\n", #n, (long long)(n))

int main(void)
{
	printf("layout system_event size %zu\n",
	       sizeof(((struct kvm_run *)0)->system_event));
	printf("layout kvm_run size %zu\n", sizeof(struct kvm_run));
@FIELDS@
@VALUES@
	return 0;
}
'''


def defines(text):
    """NAME -> value text of every object-like #define in text."""
    out = {}
    for m in re.finditer(r'^#define\s+(\w+)\s+(.+?)\s*$', text, re.M):
        out[m[1]] = m[2]
    return out


def system_event_tokens(text):
    """The tokens of the system_event member, its #define lines left out."""
    m = re.search(r'/\* KVM_EXIT_SYSTEM_EVENT \*/\s*struct\s*\{(.*?)\}\s*'
                  r'system_event;', text, re.S)
    if not m:
        return None
    body = '\n'.join(line for line in m[1].splitlines()
                     if not re.match(r'\s*#define\b', line))
    return re.findall(r'#\w+|\w+|\S', body)


def compiled(hdrs, workdir):
    """The probe's output, compiled by the host compiler against hdrs."""
    src = os.path.join(workdir, 'probe.c')
    exe = os.path.join(workdir, 'probe')
    fields = '\n'.join(f'\tFIELD({f});' for f in FIELDS)
    values = '\n'.join(f'\tVALUE({n});' for n in NAMES)
    with open(src, 'w') as f:
        f.write(PROBE.replace('@FIELDS@', fields).replace('@VALUES@', values))
    cc = subprocess.run(['cc', '-Wall', '-o', exe, src,
                         '-I', os.path.join(hdrs, 'include')],
                        capture_output=True, text=True)
    if cc.returncode:
        return ['compile error: ' + line
                for line in cc.stderr.splitlines()[:5]]
    return subprocess.run([exe], capture_output=True, text=True,
                          check=True).stdout.splitlines()


def compare(series_src, upstream_src, series_hdrs, upstream_hdrs):
    """Every difference, one line each."""
    diffs = []
    texts = []
    for tree in (series_src, upstream_src):
        with open(os.path.join(tree, KVM_H)) as f:
            texts.append(f.read())
    da, db = defines(texts[0]), defines(texts[1])
    for n in NAMES:
        if da.get(n) != db.get(n):
            diffs.append(f'values: {n}: series {da.get(n)}, '
                         f'upstream {db.get(n)}')
    ta, tb = system_event_tokens(texts[0]), system_event_tokens(texts[1])
    if ta is None or ta != tb:
        diffs.append('struct: system_event differs: series '
                     f'{" ".join(ta or ["(not found)"])} | upstream '
                     f'{" ".join(tb or ["(not found)"])}')
    with tempfile.TemporaryDirectory() as wa, \
            tempfile.TemporaryDirectory() as wb:
        ca, cb = compiled(series_hdrs, wa), compiled(upstream_hdrs, wb)
    for line in sorted(set(ca) ^ set(cb)):
        side = 'series' if line in ca else 'upstream'
        diffs.append(f'compiled ({side} only): {line}')
    return diffs, len(NAMES) + 1 + len(ca)


# One-character slips in the series' header, each of which must be caught.
SLIPS = [
    ('#define KVM_MP_STATE_SUSPENDED         10',
     '#define KVM_MP_STATE_SUSPENDED         9'),
    ('#define KVM_SYSTEM_EVENT_SUSPEND        5',
     '#define KVM_SYSTEM_EVENT_SUSPEND        6'),
    ('#define KVM_CAP_ARM_SYSTEM_SUSPEND 216',
     '#define KVM_CAP_ARM_SYSTEM_SUSPEND 217'),
    ('#ifndef __KERNEL__\n\t\t\t\t__u64 flags;',
     '#ifdef __KERNEL__\n\t\t\t\t__u64 flags;'),
    ('\t\t\t\t__u64 data[16];\n\t\t\t};\n\t\t} system_event;',
     '\t\t\t\t__u64 data[15];\n\t\t\t};\n\t\t} system_event;'),
    ('__u32 type;\n\t\t\t__u32 ndata;\n', '__u32 type;\n\t\t\t__u64 ndata;\n'),
]


def installed(text):
    """What headers_install makes of a uapi header, as far as kvm.h goes."""
    text = re.sub(r'#ifndef __KERNEL__\n(.*?)#endif\n', r'\1', text,
                  flags=re.S)
    text = re.sub(r'#ifdef __KERNEL__\n.*?#endif\n', '', text, flags=re.S)
    text = text.replace('#include <linux/compiler.h>\n', '')
    return text.replace('__user ', '')


def self_test(series_src, series_hdrs):
    """Each slip, made in copies of the header, must be reported."""
    missed = 0
    with tempfile.TemporaryDirectory() as tmp:
        good_src = os.path.join(tmp, 'good')
        os.makedirs(os.path.dirname(os.path.join(good_src, KVM_H)))
        shutil.copy(os.path.join(series_src, KVM_H),
                    os.path.join(good_src, KVM_H))
        with open(os.path.join(good_src, KVM_H)) as f:
            good = f.read()
        # The control: the unchanged header, through the same steps.
        for old, new in [('', '')] + SLIPS:
            if old and good.count(old) != 1:
                print(f'self-test: cannot apply slip {new!r}')
                missed += 1
                continue
            bad_src = os.path.join(tmp, 'bad')
            bad_hdrs = os.path.join(tmp, 'bad-hdrs')
            shutil.rmtree(bad_src, ignore_errors=True)
            shutil.rmtree(bad_hdrs, ignore_errors=True)
            os.makedirs(os.path.dirname(os.path.join(bad_src, KVM_H)))
            with open(os.path.join(bad_src, KVM_H), 'w') as f:
                f.write(good.replace(old, new))
            shutil.copytree(series_hdrs, bad_hdrs, symlinks=True)
            with open(os.path.join(bad_hdrs, 'include/linux/kvm.h'),
                      'w') as f:
                f.write(installed(good.replace(old, new)))
            diffs, _ = compare(good_src, bad_src, series_hdrs, bad_hdrs)
            if not old:
                print(f'self-test: control (no slip): {len(diffs)} '
                      f'difference(s)')
                for d in diffs:
                    print(f'  {d}')
                missed += bool(diffs)
                continue
            label = next(line for line in new.splitlines()
                         if line not in old.splitlines()).strip()
            print(f'self-test: {label!r}: '
                  f'{"caught" if diffs else "MISSED"} ({len(diffs)} '
                  f'difference(s): {diffs[0] if diffs else ""})')
            missed += not diffs
    print(f'self-test: {len(SLIPS) + 1 - missed} of {len(SLIPS) + 1} '
          'checks right (the control and every slip)')
    return 1 if missed else 0


def main(argv):
    if len(argv) == 4 and argv[1] == '--self-test':
        return self_test(argv[2], argv[3])
    if len(argv) != 5:
        print(__doc__, file=sys.stderr)
        return 2
    diffs, checked = compare(*argv[1:])
    for d in diffs:
        print(d)
    print(f'uapi: {checked} value(s) and layout(s) compared, '
          f'{len(diffs)} different')
    return 1 if diffs else 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
