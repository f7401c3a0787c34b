#!/usr/bin/env python3
"""Checks of the project's Markdown documents.

doc_check.py links [--makefile MAKEFILE] [--targets-in FILE]... DOC...
    Every relative link of every DOC must name a file or directory that
    exists (relative to the DOC), unless it leaves the checkout (the
    MAKEFILE's directory), such as a link to a file beside the checkout,
    which a clone elsewhere does not have; a '#anchor' on a link to a Markdown
    file must be one of that file's headings. Every `make TARGET` written
    in code (inline or fenced) in a --targets-in FILE must be a target of
    MAKEFILE. Prints one line per problem and exits 1 if there is any.

doc_check.py numbers [--root DIR] [DOC...]
    Every number the code can produce, wherever a document states it
    (README.md, docs/*.md but the dated docs/history.md, the READMEs of
    the directories, both cover letters and `make help` by default):
    the default suite's size and each test's position in it, the
    conformance suite's case count (psci_test's, where it has a table),
    the patch counts of the kernel series, of both QEMU series and of the
    stable fixes, the function IDs the conformance suite probes
    (features_probed[]), the harness self-test count, CI's steps, the VMM's
    size, and the file lists of README's Layout and Documents sections.
    Each is computed from the code when the check runs; a fact that
    cannot be computed yet is skipped with its reason. A fenced block
    after `<!-- doc_check: dated YYYY-MM-DD -->` is a log of that day and
    is not checked. No document may refer to an issue number or to the
    project's engineers. Prints one line per problem and exits 1 if any.

doc_check.py selftests
    The number of results harness/tests/run.sh reports, counted from it.

doc_check.py moved OLD NEW...
    Every non-blank line of OLD must appear in one of the NEW files, with
    whitespace runs collapsed and heading marks dropped (so a paragraph
    may be re-wrapped by a line break that falls at the same place, and a
    heading may change level). Prints the lines that appear nowhere.
"""
import argparse
import os
import re
import sys

import doc_numbers

FENCE = re.compile(r'^\s*(```|~~~)')
LINK = re.compile(r'!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)')
SPAN = re.compile(r'(`+)(.+?)\1')
MAKE = re.compile(r'(?<![\w/.-])make((?:\s+(?:-\S+|[A-Za-z_]\w*=\S*))*)\s+([a-z][\w.-]*)')
TARGET = re.compile(r'^([^\s:=#$][^:=#]*?)\s*::?(?!=)')


def split_code(text):
    """(prose lines, code snippets): fenced blocks and inline spans are
    code; prose keeps the rest of each line, code spans blanked."""
    prose, code, fenced = [], [], False
    for line in text.split('\n'):
        if FENCE.match(line):
            fenced = not fenced
            prose.append('')
            continue
        if fenced:
            code.append(line)
            prose.append('')
            continue
        code.extend(m.group(2) for m in SPAN.finditer(line))
        prose.append(SPAN.sub(lambda m: ' ' * len(m.group(0)), line))
    return prose, code


def slug(heading):
    """The anchor GitHub gives a heading."""
    s = re.sub(r'[^\w\- ]', '', heading.strip().lower())
    return s.replace(' ', '-')


def anchors(path):
    seen, out = {}, set()
    prose, _ = split_code(open(path, encoding='utf-8').read())
    text = open(path, encoding='utf-8').read().split('\n')
    for i, line in enumerate(prose):
        m = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', line)
        if not m:
            continue
        # the heading as written, code spans included
        raw = re.match(r'^#{1,6}\s+(.*?)\s*#*\s*$', text[i]).group(1)
        s = slug(raw)
        n = seen.get(s, 0)
        seen[s] = n + 1
        out.add(s if n == 0 else '%s-%d' % (s, n))
    return out


def make_targets(makefile):
    targets = set()
    for line in open(makefile, encoding='utf-8'):
        if line.startswith('\t'):
            continue
        m = TARGET.match(line)
        if m:
            targets.update(t for t in m.group(1).split() if not t.startswith('.'))
    return targets


def check_links(doc, root):
    problems = []
    here = os.path.dirname(doc) or '.'
    prose, _ = split_code(open(doc, encoding='utf-8').read())
    for n, line in enumerate(prose, 1):
        for m in LINK.finditer(line):
            target = m.group(1)
            if re.match(r'^[a-z][a-z0-9+.-]*:', target, re.I):
                continue  # http:, https:, mailto: ...
            path, _, frag = target.partition('#')
            dest = os.path.normpath(os.path.join(here, path)) if path else doc
            if os.path.relpath(os.path.abspath(dest), root).startswith('..'):
                continue  # outside the checkout: not the checkout's to vouch for
            if not os.path.exists(dest):
                problems.append('%s:%d: link to %s: no such file' % (doc, n, target))
            elif frag and dest.endswith('.md') and os.path.isfile(dest) \
                    and frag not in anchors(dest):
                problems.append('%s:%d: link to %s: no heading #%s in %s'
                                % (doc, n, target, frag, dest))
    return problems


def check_targets(doc, targets):
    problems = []
    _, code = split_code(open(doc, encoding='utf-8').read())
    for snippet in code:
        for m in MAKE.finditer(snippet):
            if '-C' in m.group(1).split():
                continue  # another directory's Makefile
            if m.group(2) not in targets:
                problems.append('%s: `make %s`: no such target in the Makefile'
                                % (doc, m.group(2)))
    return sorted(set(problems))


def norm(s):
    s = re.sub(r'^\s*#{1,6}\s+', '', s)
    return ' '.join(s.split())


def moved(old, new):
    text = ' '.join(norm(line) for f in new
                    for line in open(f, encoding='utf-8') if line.strip())
    lost = [line.rstrip('\n') for line in open(old, encoding='utf-8')
            if line.strip() and norm(line) not in text]
    for line in lost:
        print('not found: %s' % line)
    print('%s: %d non-blank line(s) not found in %s'
          % (old, len(lost), ' '.join(new)))
    return 1 if lost else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    lk = sub.add_parser('links')
    lk.add_argument('--makefile', default='Makefile')
    lk.add_argument('--targets-in', action='append', default=[])
    lk.add_argument('docs', nargs='+')
    nb = sub.add_parser('numbers')
    nb.add_argument('--root', default='.')
    nb.add_argument('docs', nargs='*')
    sub.add_parser('selftests')
    mv = sub.add_parser('moved')
    mv.add_argument('old')
    mv.add_argument('new', nargs='+')
    a = ap.parse_args()
    if a.cmd == 'moved':
        return moved(a.old, a.new)
    if a.cmd == 'numbers':
        return doc_numbers.main(a.root, a.docs)
    if a.cmd == 'selftests':
        print(doc_numbers.Facts('.').selftests()[0])
        return 0
    problems = []
    root = os.path.abspath(os.path.dirname(a.makefile) or '.')
    for doc in a.docs:
        problems += check_links(doc, root)
    targets = make_targets(a.makefile)
    for doc in a.targets_in:
        problems += check_targets(doc, targets)
    for p in problems:
        print(p)
    print('doc_check: %d document(s), %d problem(s)' % (len(a.docs), len(problems)))
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
