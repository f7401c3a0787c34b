#!/usr/bin/env python3
"""boot.py LOG SUITE -- QEMU-COMMAND...

Run QEMU, copy its console to LOG and, on the terminal, show only init's
TAP result lines (all of the console with LIVE=1). Watchdogs, each of which
kills QEMU and leaves a `=== harness: watchdog ...` line in LOG:
  - init must start within BOOT_TIMEOUT seconds (default 120);
  - each test of SUITE (the selected suite.list, in order) must report
    within its own timeout + 60 s (init kills it at its timeout);
  - a kmemleak scan (`# kmemleak: scanning`, CONFIG=debug) gets SCAN s;
  - the whole run must end within the sum of all of that.
"""
import os
import select
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402

GRACE = 60
SCAN = 600


def stage(msg):
    t0 = int(os.environ.get('HARNESS_T0', '0'))
    ms = int(time.time() * 1000) - t0 if t0 else 0
    print(f'[{ms // 1000:6d}.{ms % 1000 // 100}s] {msg}', flush=True)


def main(argv):
    logpath, suite = argv[1], argv[2]
    cmd = argv[argv.index('--') + 1:]
    live = os.environ.get('LIVE') == '1'
    timeouts = [t[1] for t in tap.parse_suite(suite)]
    boot_limit = float(os.environ.get('BOOT_TIMEOUT', '120'))
    total = boot_limit + sum(t + GRACE for t in timeouts) + 30
    if os.environ.get('CONFIG') == 'debug':     # a scan per test, at most
        total += SCAN * (len(timeouts) + 2)

    start = time.monotonic()
    deadline = start + boot_limit   # current watchdog
    why = f'init did not start within {boot_limit}s'
    results = 0
    qemu = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    buf = b''
    killed = None
    with open(logpath, 'wb') as log:
        log.write(('=== harness: ' + ' '.join(cmd) + '\n').encode())
        while True:
            now = time.monotonic()
            if now > start + total:
                deadline, why = now, f'whole run exceeded {total}s'
            if now >= deadline:
                killed = why
                break
            r, _, _ = select.select([qemu.stdout], [], [],
                                    min(1.0, deadline - now))
            if not r:
                continue
            data = os.read(qemu.stdout.fileno(), 65536)
            if not data:
                break
            log.write(data)
            log.flush()
            buf += data
            *lines, buf = buf.split(b'\n')
            for raw in lines:
                line = raw.decode('utf-8', 'replace').rstrip('\r')
                if live:
                    print(line, flush=True)
                if line.startswith('TAP version'):
                    stage(f'boot: init up after {time.monotonic() - start:.1f}s')
                elif tap.PLAN.match(line) and results == 0:
                    if timeouts:
                        deadline = time.monotonic() + timeouts[0] + GRACE
                        why = f'test 1 gave no result within {timeouts[0] + GRACE}s'
                elif tap.TAP.match(line):
                    if not live:
                        print(line, flush=True)
                    results += 1
                    if results < len(timeouts):
                        t = timeouts[results] + GRACE
                        deadline = time.monotonic() + t
                        why = f'test {results + 1} gave no result within {t}s'
                    else:   # init powers off now
                        deadline = time.monotonic() + GRACE
                        why = f'no power-off within {GRACE}s of the last test'
                elif line.startswith('# kmemleak: scanning'):
                    if deadline < time.monotonic() + SCAN:
                        deadline = time.monotonic() + SCAN
                        why = f'kmemleak scan unfinished after {SCAN}s'
                elif line.startswith('Bail out!') and not live:
                    print(line, flush=True)
        if killed:
            os.killpg(qemu.pid, signal.SIGTERM)
            try:
                qemu.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(qemu.pid, signal.SIGKILL)
        rc = qemu.wait()
        if buf:
            log.write(b'\n')
        elapsed = time.monotonic() - start
        if killed:
            msg = f'watchdog: {killed}; QEMU killed after {elapsed:.0f}s'
        else:
            msg = f'qemu exited with status {rc} after {elapsed:.1f}s'
        log.write(f'=== harness: {msg}\n'.encode())
    stage('boot: ' + msg)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
