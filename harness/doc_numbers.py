"""The numbers the documents state, against what the code gives them
(doc_check.py numbers; see its usage). Every fact is computed from the
checkout when the check runs; none is written down here."""
import fnmatch
import glob
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import tap  # noqa: E402  (the suite selection make test itself uses)

WORDS = {w: i for i, w in enumerate(
    'zero one two three four five six seven eight nine ten eleven twelve '
    'thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty'
    .split())}
N = r'(\d+|%s)' % '|'.join(sorted(WORDS, key=len, reverse=True))
SUSPEND_IDS = {'PSCI_0_2_FN(14)', 'PSCI_0_2_FN64(14)',
               'PSCI_1_0_FN_SYSTEM_SUSPEND', 'PSCI_1_0_FN64_SYSTEM_SUSPEND'}
INTERNAL = re.compile(r'\b[Ii]ssues? #?\d+|\bother engineers\b|\bSPEC\b')
DATED = re.compile(r'<!--\s*doc_check:\s*dated\s+\d{4}-\d{2}-\d{2}\b.*?-->')
FILE_WORD = re.compile(r'^[\w-]+\.(?:c|h|S|md|py|sh|list|lds|config|mak|lock|patch|mk)$')


def num(s):
    return int(s) if s.isdigit() else WORDS.get(s.lower())


class Skip(Exception):
    pass


class Facts:
    """Each fact: (value, how it was computed); Skip(reason) when the
    checkout cannot give it (yet)."""

    def __init__(self, root):
        self.root = root
        self.memo = {}

    def p(self, *parts):
        return os.path.join(self.root, *parts)

    def get(self, name):
        if name not in self.memo:
            try:
                self.memo[name] = getattr(self, name)()
            except Skip as e:
                self.memo[name] = e
        if isinstance(self.memo[name], Skip):
            raise self.memo[name]
        return self.memo[name]

    def suite(self):
        names = [n for n, _, _ in tap.select(tap.parse_suite(self.p('harness/suite.list')), '')]
        return names, 'harness/suite.list, as make test selects it'

    def _series(self, d):
        path = self.p(d, 'series')
        if not os.path.exists(path):
            raise Skip('no %s/series' % d)
        return [line.split('#')[0].strip() for line in open(path)
                if line.split('#')[0].strip() and 'cover-letter' not in line]

    def kernel_patches(self):
        return len(self._series('patches')), 'patches/series'

    def qemu_patches(self):
        return len(self._series('qemu/patches')), 'qemu/patches/series'

    def qemu10_patches(self):
        return len(self._series('qemu/10.0/patches')), 'qemu/10.0/patches/series'

    def stable_fixes(self):
        return len(self._series('patches-stable')), 'patches-stable/series'

    def series_file(self, path):
        """PATH as the kernel series leaves it (a file the series adds)."""
        lines, seen = None, False
        for name in self._series('patches'):
            text = open(self.p('patches', name), encoding='utf-8', errors='replace').read()
            for sec in re.split(r'^diff --git ', text, flags=re.M)[1:]:
                if not sec.startswith('a/%s b/%s\n' % (path, path)):
                    continue
                head = sec.split('\n@@', 1)[0]
                if 'new file mode' in head:
                    lines = []
                elif lines is None:
                    raise Skip('%s is in the base, which is not read here' % path)
                if 'deleted file mode' in head:
                    lines = None
                    continue
                lines = apply_hunks(lines, sec)
                seen = True
        if not seen or lines is None:
            raise Skip('the series does not add %s' % path)
        return lines

    def _psci_test(self):
        return self.series_file('tools/testing/selftests/kvm/aarch64/psci_test.c')

    def psci_cases(self):
        rows = table(self._psci_test(), r'\bcases\[\]\s*=\s*\{')
        if rows is None:
            raise Skip('psci_test.c (patches/) has no cases[] table')
        entries = [r for r in rows if re.match(r'\s*\{\s*"', r)]
        nocap = sum(1 for r in entries if re.search(r'\bfalse\s*\}', r))
        return (len(entries), nocap), "the cases[] table of psci_test.c as patches/ adds it"

    def conformance_cases(self):
        if not os.path.isdir(self.p('conformance')):
            raise Skip('conformance/ does not exist yet')
        for f in sorted(glob.glob(self.p('conformance', '**', '*.c'), recursive=True)):
            rows = table(open(f).read().split('\n'), r'\bcases\[\]\s*=\s*\{')
            if rows is not None:
                entries = [r for r in rows if re.match(r'\s*\{\s*"', r)]
                nocap = sum(1 for r in entries if re.search(r'\bfalse\s*\}', r))
                return ((len(entries), nocap),
                        'the cases[] table of %s' % os.path.relpath(f, self.root))
        raise Skip('conformance/ has no C file with a cases[] table')

    def model_cases(self):
        path = self.p('fuzz/test_psci_model.c')
        if not os.path.exists(path):
            raise Skip('no fuzz/test_psci_model.c')
        rows = table(open(path).read().split('\n'), r'\bcases\[\]\s*=\s*\{')
        if rows is None:
            raise Skip('fuzz/test_psci_model.c has no cases[] table')
        return ((len([r for r in rows if re.match(r'\s*\{\s*"', r)]), None),
                'the cases[] table of fuzz/test_psci_model.c')

    def function_ids(self):
        sources = []
        try:
            sources.append(('psci_test.c (patches/)', self._psci_test()))
        except Skip:
            pass
        for f in sorted(glob.glob(self.p('conformance', '**', '*.c'), recursive=True)):
            sources.append((os.path.relpath(f, self.root), open(f).read().split('\n')))
        for where, lines in sources:
            rows = table(lines, r'\bfeatures_probed\[\]\s*=\s*\{')
            if rows is None:
                continue
            body = re.sub(r'/\*.*?\*/', '', ' '.join(rows), flags=re.S)
            ids = [re.sub(r'\s', '', t) for t in split_top(body) if t.strip()]
            sus = sum(1 for t in ids if t in SUSPEND_IDS)
            return (len(ids), sus), 'features_probed[] of ' + where
        raise Skip('no features_probed[] table in psci_test.c or conformance/')

    def selftests(self):
        lines = open(self.p('harness/tests/run.sh')).read().split('\n')
        checks = sum(1 for line in lines if re.match(r'^\s*check [\w-]+ ', line))
        # and the calls of one-line helpers that each run one check
        helpers = [m[1] for line in lines for m in [re.match(r'^(\w+)\(\)\s*\{\s*check\b', line)] if m]
        checks += sum(1 for line in lines for f in helpers if re.match(r'^\s*%s\s' % f, line))
        logs = len(glob.glob(self.p('harness/tests/data/*.log')))
        return checks + logs, "harness/tests/run.sh's checks and data/*.log"

    def ci_steps(self):
        return (sum(1 for line in open(self.p('.ci/run')) if line.startswith('step ')),
                "the step lines of .ci/run")

    def vmm_lines(self):
        n = sum(len(open(f).readlines()) for f in glob.glob(self.p('vmm', '*.c')))
        return n, 'wc -l vmm/*.c'


def apply_hunks(old, section):
    out, pos = [], 0
    lines = section.split('\n')
    i = 0
    while i < len(lines):
        m = re.match(r'^@@ -(\d+)(?:,(\d+))? \+\d+(?:,(\d+))? @@', lines[i])
        i += 1
        if not m:
            continue
        start = int(m[1])
        left_old = int(m[2]) if m[2] is not None else 1
        left_new = int(m[3]) if m[3] is not None else 1
        s = max(start - 1, 0) if left_old else start
        out.extend(old[pos:s])
        pos = s
        while (left_old > 0 or left_new > 0) and i < len(lines):
            line = lines[i]
            i += 1
            if line.startswith('\\'):
                continue
            tag, body = (line[:1] or ' '), line[1:]
            if tag == '+':
                out.append(body)
                left_new -= 1
            elif tag == '-':
                pos += 1
                left_old -= 1
            else:
                out.append(old[pos] if pos < len(old) else body)
                pos += 1
                left_old -= 1
                left_new -= 1
    out.extend(old[pos:])
    return out


def table(lines, start):
    """The lines of a C initializer from the START line to its '};'."""
    for i, line in enumerate(lines):
        if re.search(start, line):
            rows = [line.split('{', 1)[1]]
            for more in lines[i + 1:]:
                if more.strip().startswith('};'):
                    return rows
                rows.append(more)
            return rows
    return None


def split_top(body):
    out, depth, cur = [], 0, ''
    for ch in body:
        if ch == ',' and depth == 0:
            out.append(cur)
            cur = ''
            continue
        depth += ch == '('
        depth -= ch == ')'
        cur += ch
    out.append(cur)
    return out


# ---------------------------------------------------------------- documents

def units(path, lines):
    """(kind, first line number, text, dated) for each fenced block,
    table row and prose paragraph."""
    out, buf, start, fenced, dated, pending_dated = [], [], 0, False, False, False

    def flush(kind):
        nonlocal buf
        if buf:
            out.append((kind, start, '\n'.join(buf), dated))
        buf = []
    for n, line in enumerate(lines, 1):
        if re.match(r'^\s*(```|~~~)', line):
            if fenced:
                flush('fence')
                fenced, dated = False, False
            else:
                flush('prose')
                fenced, dated, pending_dated = True, pending_dated, False
                start = n + 1
            continue
        if fenced:
            buf.append(line)
            continue
        if DATED.search(line):
            pending_dated = True
        if not line.strip() or line.lstrip().startswith('|') or line.startswith('#'):
            flush('prose')
            if line.strip():
                out.append(('row', n, line, False))
            continue
        if not buf:
            start = n
        buf.append(line)
    flush('fence' if fenced else 'prose')
    return out


def nearest(text, pos, choices):
    """Which of CHOICES (name -> regex) occurs last before POS."""
    best, where = None, -1
    for name, rx in choices.items():
        for m in re.finditer(rx, text[:pos]):
            if m.start() > where:
                best, where = name, m.start()
    return best


class Checker:
    def __init__(self, root):
        self.root = root
        self.facts = Facts(root)
        self.problems, self.skipped, self.checked = [], {}, 0

    def fact(self, name):
        try:
            return self.facts.get(name)
        except Skip as e:
            self.skipped[name] = str(e)
            return None

    def say(self, where, text, said, want, what, how):
        """TEXT, where a document states SAID, must state WANT."""
        self.checked += 1
        if said != want:
            self.problems.append('%s: "%s": %s is %s (%s)' % (where, text, what, want, how))

    def check_unit(self, doc, kind, first, text, dated):
        if dated:
            return
        at = lambda m: '%s:%d' % (doc, first + text.count('\n', 0, m.start()))  # noqa: E731
        used = []

        def find(rx, flags=0):
            # a statement may be wrapped anywhere a space is
            for m in re.finditer(rx.replace(' ', r'\s+'), text, flags):
                if any(a <= m.start() < b for a, b in used):
                    continue
                used.append((m.start(), m.end()))
                yield m

        suite = self.fact('suite')
        default_log = kind == 'fence' and re.search(
            r'boot: .*?, \d+ test\(s\), log (?:\.\.\.$|\S*/logs/test-)', text, re.M)
        if suite and default_log:
            names, how = suite
            for m in find(r'boot: .*?, (\d+) test\(s\), log'):
                self.say(at(m), m[1] + ' test(s)', int(m[1]), len(names), "the default suite's size", how)
            for m in find(r'initramfs: (\d+) test\(s\)'):
                self.say(at(m), m[0], int(m[1]), len(names), "the default suite's size", how)
            for m in find(r'^(?:not )?ok (\d+) selftests: (\w+): (\S+)', re.M):
                name = '%s:%s' % (m[2], m[3])
                pos = names.index(name) + 1 if name in names else 'not in it'
                self.say(at(m), m[0], int(m[1]), pos, "%s's position in the default suite" % name, how)
            for m in find(r'^(\d+) passed, (\d+) failed, (\d+) skipped$', re.M):
                self.say(at(m), m[0], sum(int(x) for x in m.groups()), len(names),
                         "the default suite's size", how)
        if suite:
            names, how = suite
            for m in find(r"default suite(?:'s)?,? (?:of )?%s tests|%s tests (?:in|of) the default suite" % (N, N)):
                self.say(at(m), m[0], num(m[1] or m[2]), len(names), "the default suite's size", how)
            for m in find(r'`?(\w+:[\w-]+|psci_test)`? (?:is|as) test (\d+)'):
                name = m[1] if ':' in m[1] else 'kvm:' + m[1]
                want = names.index(name) + 1 if name in names else 'not in it'
                self.say(at(m), m[0], int(m[2]), want, "%s's position in the default suite" % name, how)
        cases = {'psci': r'psci_test', 'conformance': r'conformance',
                 'model': r'test_psci_model|PSCI model|psci_model'}
        for m in find(r'%s of %s cases skipped|the %s cases that need no capability|\b%s cases\b'
                      % (N, N, N, N)):
            which = nearest(text, m.start(), cases)
            if which not in cases:
                continue
            v = self.fact({'psci': 'psci_cases', 'conformance': 'conformance_cases',
                           'model': 'model_cases'}[which])
            if not v:
                continue
            (total, nocap), how = v
            name = {'psci': 'psci_test', 'conformance': 'conformance',
                    'model': "the fuzzer's PSCI model tests"}[which]
            if nocap is None and not m[4]:
                continue  # the model's cases need no capability
            if m[1]:
                self.say(at(m), m[0], (num(m[1]), num(m[2])), (total - nocap, total),
                         "(%s's cases that need the capability, all its cases)" % name, how)
            elif m[3]:
                self.say(at(m), m[0], num(m[3]), nocap, "%s's cases that need no capability" % name, how)
            else:
                self.say(at(m), m[0], num(m[4]), total, "%s's case count" % name, how)
        for m in find(r'\+ (\d+) stable fix\(es\) \+ (\d+) patch\(es\)'):
            a, b = self.fact('stable_fixes'), self.fact('kernel_patches')
            if a and b:
                self.say(at(m), m[0], (int(m[1]), int(m[2])), (a[0], b[0]),
                         '(the stable fixes, the series\' patches)', a[1] + ', ' + b[1])
        for m in find(r'\b%s stable fix' % N):
            v = self.fact('stable_fixes')
            if v:
                self.say(at(m), m[0], num(m[1]), v[0], 'the stable fix count', v[1])
        series = {'qemu10': r'qemu/10\.0|`10\.0`|10\.0 series|PATCH 10\.0|QEMU=10\.0',
                  'qemu': r'QEMU(?! ?=?10\.0)|qemu/patches|`7\.2`',
                  'kernel': r'kernel|(?<!qemu/)(?<!10\.0/)patches/|PATCH 5\.10'}
        own = 'qemu10' if doc.startswith('qemu/10.0/') else 'qemu' if doc.startswith('qemu/') else 'kernel'
        for m in find(r'\b%s-patch (?:(QEMU) )?series|\b%s patches\b|\[PATCH[^\]\n]*? 0/(\d+)\]' % (N, N)):
            said = m[1] or m[3] or m[4]
            if m[4]:
                which = own
            elif m[2]:
                which = 'qemu'
            else:
                which = nearest(text, m.start(), series) or own
            v = self.fact(which + '_patches')
            if v:
                name = {'qemu10': 'QEMU 10.0', 'qemu': 'QEMU'}.get(which, which)
                self.say(at(m), m[0], num(said), v[0],
                         'the %s series\' patch count' % name, v[1])
        for m in find(r'\b%s (other )?function IDs' % N):
            v = self.fact('function_ids')
            if v:
                (total, sus), how = v
                want = total - sus if m[2] else total
                self.say(at(m), m[0], num(m[1]), want, 'the function IDs features_probed[] lists'
                         + (' other than SYSTEM_SUSPEND' if m[2] else ''), how)
        for m in find(r'\b(\d+) (?:harness )?self-tests\b|self-tests: (\d+) passed'):
            v = self.fact('selftests')
            if v:
                self.say(at(m), m[0], int(m[1] or m[2]), v[0], "the harness self-test count", v[1])
        if re.search(r'\bCI\b|\.ci/run', text):
            for m in find(r'\b%s steps\b' % N):
                v = self.fact('ci_steps')
                if v:
                    self.say(at(m), m[0], num(m[1]), v[0], "CI's steps", v[1])
        if re.search(r'\bVMM\b|vmm/', text):
            for m in find(r'\babout (\d+) lines'):
                v = self.fact('vmm_lines')
                if v:
                    self.checked += 1
                    if abs(int(m[1]) - v[0]) > v[0] // 20:
                        self.problems.append('%s: "%s": the VMM has %d lines (%s)'
                                             % (at(m), m[0], v[0], v[1]))

    def check_doc(self, doc, path):
        lines = open(path, encoding='utf-8').read().split('\n')
        for n, line in enumerate(lines, 1):
            m = INTERNAL.search(line)
            if m:
                self.problems.append('%s:%d: "%s": an internal reference a reader cannot follow'
                                     % (doc, n, m[0]))
        if doc == 'docs/history.md':
            return  # dated, superseded figures on purpose
        for kind, first, text, dated in units(doc, lines):
            self.check_unit(doc, kind, first, text, dated)
        if doc == 'README.md':
            self.layout(lines)
            self.documents(lines)

    def tracked(self):
        try:
            out = subprocess.run(['git', '-C', self.root, 'ls-files'], capture_output=True,
                                 text=True, check=True).stdout.split('\n')
            return [f for f in out if f]
        except (OSError, subprocess.CalledProcessError):
            return [os.path.relpath(os.path.join(d, f), self.root)
                    for d, _, fs in os.walk(self.root) if '/build' not in d and '/.git' not in d
                    for f in fs]

    def section(self, lines, title):
        out, on = [], False
        for n, line in enumerate(lines, 1):
            if line.startswith('## '):
                on = line[3:].strip() == title
                continue
            if on:
                out.append((n, line))
        if not out:
            self.problems.append('README.md: no "## %s" section' % title)
        return out

    def layout(self, lines):
        entries, fenced = [], False
        for n, line in self.section(lines, 'Layout'):
            if line.startswith('```'):
                fenced = not fenced
                continue
            if not fenced or not line.strip():
                continue
            if line[0] != ' ':
                path, _, desc = line.partition(' ')
                entries.append([n, path, desc])
            elif entries:
                entries[-1][2] += ' ' + line.strip()
        files = self.tracked()
        tops = {f.split('/')[0] for f in files if f != 'README.md' and not f.startswith('.git')}
        listed = {e[1].strip('/').split('/')[0] for e in entries}
        for t in sorted(tops - listed):
            self.problems.append('README.md: Layout: %s is not listed' % t)
        self.checked += len(tops)
        for n, path, desc in entries:
            if path.startswith(('build', '~')):
                continue
            full = os.path.join(self.root, path)
            self.checked += 1
            if not os.path.exists(full):
                self.problems.append('README.md:%d: Layout: %s: no such file or directory' % (n, path))
                continue
            if not os.path.isdir(full):
                continue
            d = path.rstrip('/') + '/'
            here = sorted(f[len(d):] for f in files if f.startswith(d) and '/' not in f[len(d):])
            words = [w.strip('.,;:()`') for w in re.split(r'[\s,;()`]+', desc)]
            named, explicit = set(), {}
            for w in words:
                if not w:
                    continue
                if '*' in w:
                    named.update(fnmatch.filter(here, w))
                    continue
                hit = [f for f in here if f == w or (('.' not in w) and f.rsplit('.', 1)[0] == w)]
                named.update(hit)
                for f in hit:
                    ext = f.rsplit('.', 1)[-1] if '.' in f else ''
                    explicit.setdefault(ext, set()).add(f)
                if not hit and FILE_WORD.match(w) and not os.path.exists(os.path.join(self.root, w)) \
                        and not glob.glob(os.path.join(full, '**', w), recursive=True):
                    self.problems.append('README.md:%d: Layout: %s names %s: no such file there'
                                         % (n, d, w))
            for ext, got in explicit.items():
                if len(got) < 2:
                    continue  # a list of that kind of file only when it names two
                for f in here:
                    if (f.rsplit('.', 1)[-1] if '.' in f else '') == ext and f not in named:
                        self.checked += 1
                        self.problems.append('README.md:%d: Layout: %s lists its .%s files but not %s'
                                             % (n, d, ext, f))

    def documents(self, lines):
        text = '\n'.join(line for _, line in self.section(lines, 'Documents'))
        want = sorted(f for f in self.tracked()
                      if re.match(r'^docs/[^/]+\.md$|^[^/]+/README\.md$', f))
        for f in want:
            self.checked += 1
            if '(%s)' % f not in text and '(%s#' % f not in text:
                self.problems.append('README.md: Documents: no link to %s' % f)


def help_text(root):
    """make help's lines, as a document of their own."""
    out, on = [], False
    for line in open(os.path.join(root, 'Makefile')):
        if line.startswith('help:'):
            on = True
            continue
        if on and not line.startswith('\t'):
            break
        if on:
            out.append(line.strip())
    return out


def default_docs(root):
    docs = ['README.md'] + sorted(os.path.relpath(f, root) for f in glob.glob(os.path.join(root, 'docs', '*.md')))
    docs += sorted(os.path.relpath(f, root) for f in glob.glob(os.path.join(root, '*', 'README.md')))
    docs += [d for d in ('patches/0000-cover-letter.patch', 'qemu/patches/0000-cover-letter.patch',
                         'qemu/10.0/patches/0000-cover-letter.patch')
             if os.path.exists(os.path.join(root, d))]
    return docs


def main(root, docs):
    c = Checker(root)
    if docs:
        top = os.path.abspath(root)
        for path in docs:
            rel = os.path.relpath(os.path.abspath(path), top)
            c.check_doc(path if rel.startswith('..') else rel, path)
    else:
        docs = default_docs(root)
        for doc in docs:
            c.check_doc(doc, os.path.join(root, doc))
    help_lines = help_text(root)
    for n, line in enumerate(help_lines, 1):
        m = INTERNAL.search(line)
        if m:
            c.problems.append('make help, line %d: "%s": an internal reference' % (n, m[0]))
    for n, line in enumerate(help_lines, 1):
        c.check_unit('make help', 'prose', n, line, False)
    for name, why in sorted(c.skipped.items()):
        print('skip: %s: %s' % (name, why))
    for p in c.problems:
        print(p)
    print('doc_check numbers: %d document(s), %d statement(s) checked, %d problem(s)'
          % (len(docs), c.checked, len(c.problems)))
    return 1 if c.problems else 0
