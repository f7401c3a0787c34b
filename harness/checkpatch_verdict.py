#!/usr/bin/env python3
"""checkpatch_verdict.py --ids LIST [--series PATCH]... PATCH LOG

The verdict on one patch from the log of `checkpatch.pl --strict
--show-types` on it (check.sh). Passes (exit 0) when the log has no
ERROR and no WARNING but these two, each of which is checked here
instead:

  UNKNOWN_COMMIT_ID  checkpatch cannot look a cited commit up: the tree
      it runs in has no upstream history (a distribution's tarball, or
      the harness's base repository). The id must be in LIST, and the
      patch must cite it as `commit <id> ("<title>")` with LIST's title.
  FILE_PATH_CHANGES  "does MAINTAINERS need updating?" for a file the
      patch adds (or renames to): every file it adds must be covered by an F: pattern
      that a patch of the series (--series) adds to MAINTAINERS, or be
      a header under tools/include/, the tools' copy of a kernel header
      (check.sh checks that header's MAINTAINERS section).

A backport names its upstream commit as -stable does, on the body's
first line: `commit <40-hex id> upstream.`. checkpatch knows no such
line (GIT_COMMIT_ID, and UNKNOWN_COMMIT_ID without the history); both
pass for that line only, and only if LIST has the full id.

Independently of the log, every `commit <id> ("<title>")` the message
cites must be in LIST with that title: the lookup checkpatch does in a
tree that has the history. CHECKs are reported and do not fail.
"""
import argparse
import fnmatch
import re
import sys

ENTRY = re.compile(r'^(ERROR|WARNING|CHECK):([A-Z0-9_]+): (.*)$')
CITE = re.compile(r'\bcommit\s+([0-9a-f]{12,40})\s+\("([^"]+)"\)', re.I)
STABLE = re.compile(r'^commit ([0-9a-f]{40}) upstream\.$')


def stable_line(patch):
    """The body's first line if it is `commit <id> upstream.`, else None."""
    text = open(patch, encoding='utf-8').read()
    body = text.split('\n\n', 1)[1] if '\n\n' in text else ''
    first = body.lstrip('\n').split('\n', 1)[0]
    return first if STABLE.match(first) else None


def message(patch):
    """The commit message: the header's end to the '---' line, joined."""
    text = open(patch, encoding='utf-8').read()
    body = text.split('\n\n', 1)[1] if '\n\n' in text else text
    body = body.split('\n---\n', 1)[0]
    return ' '.join(body.split())


def added_files(patch):
    files, cur = [], None
    for line in open(patch, encoding='utf-8'):
        m = re.match(r'^diff --git a/(\S+) b/(\S+)', line)
        if m:
            cur = m.group(2)
        elif line.startswith('new file mode') and cur:
            files.append(cur)
        elif line.startswith('rename to '):
            files.append(line[len('rename to '):].strip())
    return files


def maintainer_patterns(patches):
    pats, in_maint = [], False
    for p in patches:
        for line in open(p, encoding='utf-8'):
            if line.startswith('diff --git '):
                in_maint = line.rstrip().endswith(' b/MAINTAINERS')
            elif in_maint and re.match(r'^\+F:\s+\S', line):
                pats.append(line[2:].strip().split()[-1])
    return pats


def covered(path, pats):
    for pat in pats:
        if pat.endswith('/') and path.startswith(pat):
            return True
        if fnmatch.fnmatchcase(path, pat):
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--ids', required=True)
    ap.add_argument('--series', action='append', default=[])
    ap.add_argument('patch')
    ap.add_argument('log')
    a = ap.parse_args()

    ids = {}
    for line in open(a.ids, encoding='utf-8'):
        if line.strip() and not line.startswith('#'):
            i, title = line.rstrip('\n').split(' ', 1)
            ids[i.lower()] = title
    problems = []

    def lookup(cid):
        return [t for i, t in ids.items() if i.startswith(cid[:12].lower())]

    msg = message(a.patch)
    cited = {}
    for cid, title in CITE.findall(msg):
        cited[cid[:12].lower()] = title
        known = lookup(cid)
        if not known:
            problems.append('commit %s is not in %s' % (cid, a.ids))
        elif title != known[0]:
            problems.append('commit %s cited as ("%s"), its title is ("%s")'
                            % (cid, title, known[0]))

    stable = stable_line(a.patch)
    if stable:
        sid = STABLE.match(stable).group(1)
        if sid not in ids:
            problems.append('%s: the full id is not in %s' % (stable, a.ids))
            stable = None

    pats = maintainer_patterns(a.series)
    log = open(a.log, encoding='utf-8', errors='replace').read().split('\n')
    for n, line in enumerate(log):
        m = ENTRY.match(line)
        if not m:
            continue
        level, kind, text = m.groups()
        # checkpatch quotes the line after "#N:"
        quoted = log[n + 2] if n + 2 < len(log) else ''
        if (stable and quoted == stable and
                (level, kind) in (('ERROR', 'GIT_COMMIT_ID'),
                                  ('WARNING', 'UNKNOWN_COMMIT_ID'))):
            continue
        if level == 'CHECK':
            continue
        if level == 'WARNING' and kind == 'UNKNOWN_COMMIT_ID':
            cid = re.search(r"'([0-9a-f]+)'", text)
            if cid and cid.group(1)[:12].lower() in cited and lookup(cid.group(1)):
                continue
        if level == 'WARNING' and kind == 'FILE_PATH_CHANGES':
            new = added_files(a.patch)
            if new and all(covered(f, pats) or f.startswith('tools/include/')
                           for f in new):
                continue
        problems.append('%s:%s: %s' % (level, kind, text))
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
