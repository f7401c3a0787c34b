#!/usr/bin/env bash
# Tests of the harness itself (make selftest-harness): the log verdict,
# the TAP counts, the suite selection, the config check, l1/init run on
# the host, fetch-base.sh's checksum, apply-series.sh and export.sh, and
# the links and make targets of the documents.
set -euo pipefail
cd "$(dirname "$0")/../.."
h=harness d=harness/tests/data
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
t0=${HARNESS_T0:-}
export BUILD=$tmp/build HARNESS_T0=0
# Hermetic: the caller's BASE or HOST (make test BASE=...) must not leak in.
export BASE=5.10.223 HOST=vhe STABLE_PATCHES=
PYTHON=${PYTHON:-$(command -v /usr/bin/python3 || command -v python3)}
pass=0 fail=0

# check NAME WANT_RC GREP_PATTERN CMD...: CMD exits WANT_RC (0 or 1 for
# "non-zero") and its output matches GREP_PATTERN (extended regex).
check() {
	local name=$1 want=$2 pat=$3 rc=0
	shift 3
	"$@" >"$tmp/out" 2>&1 || rc=$?
	[ "$rc" -ne 0 ] && [ "$want" -ne 0 ] && rc=$want
	if [ "$rc" -eq "$want" ] && { [ -z "$pat" ] || grep -qE -- "$pat" "$tmp/out"; }; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name (rc=$rc, want $want, pattern '$pat'):"
		sed 's/^/  | /' "$tmp/out"
	fi
}
last_line() { tail -n 1 "$tmp/out"; }
verdict() { "$PYTHON" $h/tap.py verdict "$@"; }

# The verdict on sample console logs.
check clean 0 '^3 passed, 0 failed, 1 skipped$' verdict $d/clean.log --expect 4
check clean-nested 0 '^3 passed' verdict $d/clean.log
check expect-mismatch 1 'plan mismatch' verdict $d/clean.log --expect 5
check warning 1 'FAIL: kernel WARNING during test 2' verdict $d/warning.log
check warning-counts 1 '^2 passed, 1 failed, 0 skipped$' verdict $d/warning.log
check warning-lines 1 'WARNING: CPU: 1 PID: 77' verdict $d/warning.log
check panic 1 'FAIL: kernel panic before the tests started' verdict $d/panic.log
check panic-lines 1 'Requested init /nonexistent failed' verdict $d/panic.log
check panic-last-line 1 '^0 passed, 0 failed, 0 skipped$' verdict $d/panic.log
check short-plan 1 'plan 1..3 but 1 result\(s\) missing' verdict $d/short-plan.log
check short-plan-counts 1 '^2 passed, 1 failed, 0 skipped$' verdict $d/short-plan.log
check notok 1 '^0 passed, 2 failed, 0 skipped$' verdict $d/notok.log
check notok-output 1 'steal_time.c:200' verdict $d/notok.log
check timeout 1 'TIMEOUT 5 seconds' verdict $d/notok.log
check allskip 1 'every test was skipped' verdict $d/allskip.log
check zero 1 'zero tests' verdict $d/zero.log
check bailout 1 'init bailed out: KVM' verdict $d/bailout.log
check kmemleak 1 'FAIL: kmemleak: suspected leak during test 2' verdict $d/kmemleak.log
check kmemleak-counts 1 '^1 passed, 1 failed, 0 skipped$' verdict $d/kmemleak.log
check kmemleak-trace 1 'kvm_arch_vcpu_ioctl\+0x2c8' verdict $d/kmemleak.log
check hang 1 'watchdog: test 2 gave no result' verdict $d/hang.log
check hang-tail 1 'guest running' verdict $d/hang.log
check lockdep 1 'lockdep report during test 1' verdict $d/lockdep.log
check kasan 1 'KASAN report after the last test' verdict $d/kasan.log
check calltrace 1 'call trace during test 1' verdict $d/calltrace.log
check l2-warning 1 'FAIL: L2 guest kernel WARNING during test 1' verdict $d/l2-warning.log
check l2-warning-counts 1 '^1 passed, 1 failed, 0 skipped$' verdict $d/l2-warning.log
check no-log 1 'init never started' verdict /dev/null
check kvm-mode-vhe 0 '^3 passed' verdict $d/clean.log --kvm-mode vhe
check kvm-mode-nvhe 1 'KVM mode: asked for nvhe, the kernel says vhe' \
	verdict $d/clean.log --kvm-mode nvhe
check kvm-mode-bad 2 'usage|tap.py verdict' verdict $d/clean.log --kvm-mode pvhe
# 5.10 says "Hyp mode", 6.12 (Debian's stock host, make host-peers) "Hyp nVHE mode".
check kvm-mode-nvhe-510 0 '^3 passed' verdict $d/clean-nvhe-510.log --kvm-mode nvhe
check kvm-mode-nvhe-612 0 '^3 passed' verdict $d/clean-nvhe-612.log --kvm-mode nvhe
check kvm-mode-nvhe-612-vhe 1 'KVM mode: asked for vhe, the kernel says nvhe' \
	verdict $d/clean-nvhe-612.log --kvm-mode vhe

# Every sample's last line is the counts line.
for f in $d/*.log; do
	verdict "$f" >"$tmp/out" 2>&1 || true
	if last_line | grep -qE '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$'; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); echo "FAIL: last line of the verdict on $f: $(last_line)"
	fi
done

# make kselftest (tap.py ksft): l1/init and run_kselftest.sh, in the same
# boot, give every test the same result; psci_test as wanted in both.
ks() { "$PYTHON" $h/tap.py ksft "$@"; }
kr='kselftest: Running tests in kvm'
check ksft-agree 0 '^6 test\(s\) compared, 0 problem' ks $d/ksft-series.log --want psci_test=pass
check ksft-want-skip 1 'FAIL: psci_test: init says pass, want skip' \
	ks $d/ksft-series.log --want 'psci_test=skip:KVM_CAP_ARM_SYSTEM_SUSPEND'
check ksft-usage 2 'tap.py ksft LOG' ks $d/ksft-series.log --wnat psci_test=pass
# One side made to differ: the runner's psci_test fails, init's passes.
sed 's/^# ok 3 selftests: kvm: psci_test$/# not ok 3 selftests: kvm: psci_test # exit=1/' \
	$d/ksft-series.log >"$tmp/ksft-differ.log"
check ksft-differ 1 'FAIL: selftests: kvm: psci_test: init says pass, run_kselftest.sh says fail' \
	ks "$tmp/ksft-differ.log"
# ... or init's side: a skip where the runner passed.
sed 's/^ok 6 selftests: kvm: steal_time$/ok 6 selftests: kvm: steal_time # SKIP no steal time/' \
	$d/ksft-series.log >"$tmp/ksft-differ2.log"
check ksft-differ-init 1 'FAIL: selftests: kvm: steal_time: init says skip, run_kselftest.sh says pass' \
	ks "$tmp/ksft-differ2.log"
# A test only one of them ran, and the runner's plan then short.
grep -v '^# ok 5 selftests: kvm: set_memory_region_test$' $d/ksft-series.log >"$tmp/ksft-one.log"
check ksft-one-side 1 'set_memory_region_test: init says pass, run_kselftest.sh says -' \
	ks "$tmp/ksft-one.log"
check ksft-short-plan 1 'run_kselftest.sh planned 1..6, reported 5' ks "$tmp/ksft-one.log"
# A command the runner calls missing from the initramfs.
sed "/$kr/a # /kselftest/run_kselftest.sh: 1: realpath: not found" \
	$d/ksft-series.log >"$tmp/ksft-nf.log"
check ksft-not-found 1 'FAIL: run_kselftest.sh: .*realpath: not found' ks "$tmp/ksft-nf.log"
# No runner at all.
grep -v 'selftests: ksft: run_kselftest.sh' $d/ksft-series.log >"$tmp/ksft-none.log"
check ksft-no-runner 1 'no result of run_kselftest.sh' ks "$tmp/ksft-none.log"
# The base: the series' psci_test skips with its reason under both.
bw='psci_test=skip:KVM_CAP_ARM_SYSTEM_SUSPEND not supported'
check ksft-base 0 'psci_test: skipped under run_kselftest.sh: KVM_CAP_ARM_SYSTEM_SUSPEND not supported' \
	ks $d/ksft-base.log --want "$bw"
check ksft-base-pass 1 'FAIL: psci_test: run_kselftest.sh says skip, want pass' \
	ks $d/ksft-base.log --want psci_test=pass
sed '/^# # KVM_CAP_ARM_SYSTEM_SUSPEND not supported/d' $d/ksft-base.log >"$tmp/ksft-noreason.log"
check ksft-base-no-reason 1 'FAIL: psci_test: run_kselftest.sh skips it with ".*", want the reason' \
	ks "$tmp/ksft-noreason.log" --want "$bw"
# Base against series: the table, and a base pass failing on the series.
kc() { "$PYTHON" $h/tap.py ksft-compare "$@"; }
check ksft-compare 0 '^selftests: kvm: psci_test +skip +pass +base: KVM_CAP_ARM_SYSTEM_SUSPEND not supported' kc $d/ksft-base.log $d/ksft-series.log
sed 's/^# ok 6 selftests: kvm: steal_time$/# not ok 6 selftests: kvm: steal_time # exit=1/' \
	$d/ksft-series.log >"$tmp/ksft-regress.log"
check ksft-compare-regress 1 'FAIL: selftests: kvm: steal_time: passes on the base, fail on the series' \
	kc $d/ksft-base.log "$tmp/ksft-regress.log"

# Suite selection.
cat >"$tmp/suite" <<'EOS'
kvm:a 10 /kvm/a
kvm:b 20 /kvm/b -x 1  # SKIP reason
vmm:c 30 /vmm/vmm
kvm:s 99 /kvm/s -m 2 # SLOW takes ages
demo 300 /vmm/vmm --demo
EOS
sel() { "$PYTHON" $h/tap.py select "$tmp/suite" "$@" | awk '{print $1}' | xargs; }
check select-default 0 '^kvm:a kvm:b vmm:c$' sel
check select-slow 0 'slow, left out \(TESTS=NAME runs one\): kvm:s$' \
	"$PYTHON" $h/tap.py select "$tmp/suite"
check select-slow-named 0 '^kvm:s 99 /kvm/s -m 2$' \
	"$PYTHON" $h/tap.py select "$tmp/suite" kvm:s
check select-glob 0 '^kvm:a kvm:b kvm:s$' sel 'kvm:*'
check select-list 0 '^kvm:a vmm:c$' sel 'kvm:a,vmm:*'
check select-demo 0 '^demo$' sel demo
check suite-file 0 'kvm:get-reg-list' "$PYTHON" $h/tap.py select $h/suite.list

# The config check names a dropped symbol.
printf 'CONFIG_KVM=y\n# CONFIG_FOO is not set\nCONFIG_NR_CPUS=8\n' >"$tmp/frag"
printf 'CONFIG_NR_CPUS=8\n# CONFIG_KVM is not set\n' >"$tmp/dotconfig"
check kconfig-dropped 1 'CONFIG_KVM=y .* is CONFIG_KVM=n' \
	"$PYTHON" $h/kconfig-check.py "$tmp/dotconfig" "$tmp/frag"
printf 'CONFIG_NR_CPUS=8\nCONFIG_KVM=y\n' >"$tmp/dotconfig"
check kconfig-ok 0 '' "$PYTHON" $h/kconfig-check.py "$tmp/dotconfig" "$tmp/frag"

# l1/init, built for the host, runs a suite; the verdict counts it.
if cc -O2 -Wall -o "$tmp/init" l1/init.c 2>"$tmp/cc.log"; then
	mkdir -p "$tmp/bin"
	printf '#!/bin/sh\necho "1..1"\necho "ok 1 nested"\necho "# x"\n' >"$tmp/bin/ok"
	printf '#!/bin/sh\necho boom >&2\nexit 3\n' >"$tmp/bin/fail"
	printf '#!/bin/sh\necho "no SVE, skipping test"\nexit 4\n' >"$tmp/bin/skip"
	printf '#!/bin/sh\nsleep 30\n' >"$tmp/bin/hang"
	printf '#!/bin/sh\necho partial line' >"$tmp/bin/nonl"
	printf '#!%s\nimport time\nprint("progress")\ntime.sleep(30)\n' "$PYTHON" >"$tmp/bin/buffered"
	chmod +x "$tmp"/bin/*
	cat >"$tmp/isuite" <<EOS
# comment

t:ok 5 $tmp/bin/ok
t:fail 5 $tmp/bin/fail
t:skip 5 $tmp/bin/skip
t:missing 5 $tmp/bin/nothere
t:listed 5 $tmp/bin/ok # SKIP too slow here
t:hang 1 $tmp/bin/hang
t:nonl 5 $tmp/bin/nonl
t:buffered 1 $tmp/bin/buffered
EOS
	"$tmp/init" "$tmp/isuite" >"$tmp/init.log" 2>&1 || true
	check init-plan 0 '^1\.\.8$' cat "$tmp/init.log"
	check init-ok 0 '^ok 1 selftests: t: ok$' cat "$tmp/init.log"
	check init-nested 0 '^# ok 1 nested$' cat "$tmp/init.log"
	check init-fail 0 '^not ok 2 selftests: t: fail$' cat "$tmp/init.log"
	check init-stderr 0 '^# boom$' cat "$tmp/init.log"
	check init-skip 0 '^ok 3 selftests: t: skip # SKIP no SVE, skipping test$' cat "$tmp/init.log"
	check init-missing 0 '^ok 4 selftests: t: missing # SKIP not built$' cat "$tmp/init.log"
	check init-listed 0 '^ok 5 selftests: t: listed # SKIP too slow here$' cat "$tmp/init.log"
	check init-timeout 0 '^not ok 6 selftests: t: hang # TIMEOUT 1 seconds$' cat "$tmp/init.log"
	check init-nonl 0 '^# partial line$' cat "$tmp/init.log"
	check init-buffered 0 '^# progress$' cat "$tmp/init.log"
	check init-verdict 1 '^2 passed, 3 failed, 3 skipped$' verdict "$tmp/init.log" --expect 8
else
	fail=$((fail + 1)); echo "FAIL: l1/init.c does not build for the host:"; cat "$tmp/cc.log"
fi

# fetch-base.sh rejects a corrupt tarball, naming it.
echo "not a kernel" >"$tmp/bad.tar.xz"
(. $h/lib.sh && base_vars 5.10.223) >"$tmp/vars"
check fetch-corrupt 1 "checksum mismatch for $tmp/bad.tar.xz" \
	env $(cat "$tmp/vars") BASE_TARBALL="$tmp/bad.tar.xz" $h/fetch-base.sh "$tmp/cache"
check base-unknown 1 "unknown BASE '5.10.999': .*bases.list lists 5.10.223 5.10.262" \
	bash -c ". $h/lib.sh && base_vars 5.10.999"
check base-security 0 '^https?://.*/debian-security$' \
	bash -c ". $h/lib.sh && debian_archive bullseye-security"

# cpio_list (initramfs.sh, peers.sh): a directory, a file and a link.
c=$tmp/cpio
mkdir -p "$c/d" && echo x >"$c/d/f" && chmod 755 "$c/d" && chmod 640 "$c/d/f"
ln -s d/f "$c/l"
check cpio-list 0 "^dir /d 755 0 0,file /d/f $c/\./d/f 640 0 0,slink /l d/f 0777 0 0$" \
	bash -c ". $h/lib.sh && cpio_list $c | paste -sd,"

# apply-series.sh and export.sh on a tiny repository.
g=(git -c user.name=T -c user.email=t@t -c init.defaultBranch=main)
r=$tmp/repo
"${g[@]}" init -q "$r"
printf 'one\ntwo\nthree\n' >"$r/a.c"
"${g[@]}" -C "$r" add a.c && "${g[@]}" -C "$r" commit -qm base && git -C "$r" tag base
sed -i 's/two/TWO/' "$r/a.c"
"${g[@]}" -C "$r" commit -qam "a: shout two" -m "Because." -m "Signed-off-by: T <t@t>"
echo four >>"$r/a.c"
"${g[@]}" -C "$r" commit -qam "a: add four" -m "Signed-off-by: T <t@t>"
p=$tmp/patches
mkdir -p "$p"
echo "hand-written cover letter" >"$p/0000-cover-letter.patch"
check export 0 'export: 2 patch' $h/export.sh "$r" "$p"
check export-series 0 '^0001-a-shout-two.patch$' cat "$p/series"
cp -r "$p" "$tmp/patches.1"
$h/export.sh "$r" "$p" >/dev/null 2>&1
check export-stable 0 '' diff -r "$tmp/patches.1" "$p"
check export-cover 0 'hand-written' cat "$p/0000-cover-letter.patch"
check export-zero-commit 0 '^From 0{40} ' cat "$p/0001-a-shout-two.patch"
git -C "$r" checkout -q base
check apply-good 0 '^2$' env GIT_COMMITTER_NAME=T GIT_COMMITTER_EMAIL=t@t $h/apply-series.sh "$r" "$p"
git -C "$r" checkout -q base
sed -i 's/^-two$/-zwei/' "$p/0001-a-shout-two.patch"
check apply-bad 1 'patch 0001-a-shout-two.patch does not apply' $h/apply-series.sh "$r" "$p"
check apply-bad-file 1 'failed file\(s\): a.c' $h/apply-series.sh "$r" "$p"
check apply-aborted 1 'No such file' ls "$r/.git/rebase-apply"
printf 'missing.patch\n' >"$p/series"
check apply-missing 1 'names missing.patch' $h/apply-series.sh "$r" "$p"

# tree.sh on a tiny base: applies, keeps the tree while patches/ is
# unchanged, re-applies when it changes, and never over uncommitted or
# unexported work.
c=$tmp/cache
git clone -q --bare "$r" "$c/linux-5.10.223.git"
git -C "$c/linux-5.10.223.git" tag -f base base >/dev/null
git -C "$r" checkout -q main
rm -rf "$p" && mkdir "$p"
$h/export.sh "$r" "$p" >/dev/null 2>&1
tr() { env CACHE_DIR="$c" BUILD="$tmp/tb" PATCHES="$p" GIT_COMMITTER_NAME=T \
	GIT_COMMITTER_EMAIL=t@t "$@" $h/tree.sh; }
tl=$tmp/tb/linux
check tree-apply 0 'base \+ 0 stable fix\(es\) \+ 2 patch' tr
check tree-unchanged 0 'series unchanged' tr
echo "edited cover letter" >"$p/0000-cover-letter.patch"
check tree-cover-letter 0 'series unchanged' tr
check tree-content 0 '^four$' tail -n 1 "$tl/a.c"
echo "# comment" >>"$p/series"
check tree-reapply 0 'base \+ 0 stable fix\(es\) \+ 2 patch' tr
echo dirty >>"$tl/a.c"
echo "# again" >>"$p/series"
check tree-dirty 1 'uncommitted changes' tr
git -C "$tl" -c user.name=T -c user.email=t@t commit -qam wip
check tree-unexported 1 'never exported' tr
check export-guard 1 'changed since' env BUILD="$tmp/tb" $h/export.sh "$tl" "$p"
check tree-force 0 'base \+ 0 stable fix\(es\) \+ 2 patch' tr FORCE=1
check tree-previous 0 'wip' git -C "$tl" log -1 --format=%s previous
echo five >>"$tl/a.c"
git -C "$tl" -c user.name=T -c user.email=t@t commit -qam "a: add five"
check export-tree 0 'export: 3 patch' env BUILD="$tmp/tb" $h/export.sh "$tl" "$p"
check tree-after-export 0 'series unchanged' tr
check export-series3 0 '^0003-a-add-five.patch$' cat "$p/series"

# The base's stable fixes go in first, under the series, and never into
# what export writes to patches/.
sp=$tmp/stable
mkdir -p "$sp"
printf 'fix\n' >"$r/b.c"
git -C "$r" checkout -q base
"${g[@]}" -C "$r" add b.c
"${g[@]}" -C "$r" commit -qm "b: a fix of the base" -m "Signed-off-by: T <t@t>"
"${g[@]}" -C "$r" format-patch -q -1 -o "$sp" >/dev/null
(cd "$sp" && ls *.patch) >"$sp/series"
check tree-stable 0 'base \+ 1 stable fix\(es\) \+ 3 patch' tr STABLE_PATCHES="$sp"
check tree-stable-first 0 '^b: a fix of the base$' \
	git -C "$tl" log -1 --format=%s series-base
check export-no-stable 0 'export: 3 patch' env BUILD="$tmp/tb" STABLE_PATCHES="$sp" \
	$h/export.sh "$tl" "$p"
check export-no-stable-series 1 '' grep -q 'fix-of-the-base' "$p/series"

# The documents: every relative link names a file that exists (and a
# heading, for an anchor), every `make X` in README.md is a target; a
# sample with a broken link, anchor and target fails, naming each.
docs=(README.md docs/*.md)
doc_check() { "$PYTHON" $h/doc_check.py links "$@"; }
check docs-links 0 ' 0 problem' doc_check --targets-in README.md "${docs[@]}"
# ... and every number they state is the one the code gives today.
check docs-numbers 0 ' 0 problem' "$PYTHON" $h/doc_check.py numbers
check docs-bad-link 1 'doc-bad.md:8: link to no-such-results.md: no such file' \
	doc_check $d/doc-bad.md
check docs-bad-dir 1 'link to missing-dir/: no such file' doc_check $d/doc-bad.md
check docs-bad-anchor 1 'no heading #no-such-heading in docs/harness.md' \
	doc_check $d/doc-bad.md
check docs-bad-target 1 '`make frobnicate`: no such target' \
	doc_check --targets-in $d/doc-bad.md $d/doc-bad.md
check docs-bad-target-block 1 '`make fuzzz`: no such target' \
	doc_check --targets-in $d/doc-bad.md $d/doc-bad.md
check docs-bad-count 1 '1 document\(s\), 5 problem\(s\)$' \
	doc_check --targets-in $d/doc-bad.md $d/doc-bad.md

# The numbers the documents state, against what the code gives when the
# check runs: a sample stating a wrong one of each kind fails on each,
# and not in a block dated as an old log; a copy of README.md with the
# default suite's size made stale fails, naming it.
"$PYTHON" $h/doc_check.py numbers $d/doc-numbers.md >"$tmp/dn.out" 2>&1 || true
dn() { check "docs-numbers-$1" 0 "^$d/doc-numbers.md:$2: $3" cat "$tmp/dn.out"; }
dn suite-boot 7 '"999 test\(s\)": the default suite.s size is [0-9]+ '
dn suite-initramfs 6 '"initramfs: 999 test\(s\)": the default suite'
dn suite-position 8 '"ok 999 selftests: kvm: psci_test": kvm:psci_test.s position'
dn suite-counts 10 '"997 passed, 0 failed, 1 skipped": the default suite'
# (psci_test's cases: a table in the series' psci_test.c, if it has one)
dnp() { check "docs-numbers-$1" 0 "^$d/doc-numbers.md:$2: $3|^skip: psci_cases: " cat "$tmp/dn.out"; }
dnp psci-cases 13 '"999 cases": psci_test.s case count is [0-9]+ '
dnp psci-skipped 13 '"998 of 999 cases skipped"'
dnp psci-nocap 14 '"the 999 cases that need no capability"'
dn tree-line 15 '"\+ 999 stable fix\(es\) \+ 999 patch\(es\)"'
dn stable 16 '"nineteen stable fix": the stable fix count is [0-9]+ \(patches-stable/series\)'
dn kernel-series 16 '"999-patch series": the kernel series. patch count is [0-9]+ \(patches/series\)'
dn qemu-series 16 '"999-patch QEMU series": the QEMU series. patch count is [0-9]+ \(qemu/patches/series\)'
dn function-ids 17 '"999 other function IDs"'
dn selftests 18 '"999 self-tests": the harness self-test count is [0-9]+ '
dn ci-steps 18 '"twenty steps": CI.s steps is [0-9]+ '
dn vmm-size 19 '"about 99999 lines"'
dn internal 20 '"issue 27": an internal reference'
dn model-cases 21 '"999 cases": the fuzzer.s PSCI model tests.s case count is [0-9]+ '
check docs-numbers-conformance 0 'conformance.s case count|^skip: conformance_cases: ' cat "$tmp/dn.out"
check docs-numbers-dated 1 '' grep -qE "^$d/doc-numbers.md:2[2-9]:" "$tmp/dn.out"
check docs-numbers-total 0 '^doc_check numbers: 1 document\(s\), [0-9]+ statement\(s\) checked, 1[4-8] problem\(s\)$' \
	cat "$tmp/dn.out"
sed -E 's/, [0-9]+ test\(s\), log/, 999 test(s), log/' README.md >"$tmp/README.md"
check docs-numbers-stale 1 '^README.md:[0-9]+: "999 test\(s\)": the default suite.s size is [0-9]+ \(harness/suite.list' \
	bash -c "cd '$tmp' && '$PYTHON' '$PWD/$h/doc_check.py' numbers --root '$PWD' README.md"

# checkpatch_verdict.py (check.sh): a cited upstream commit that
# checkpatch cannot look up passes only with the listed title, a new file
# only if the series' MAINTAINERS patch covers it, an ERROR never.
cpv() { "$PYTHON" $h/checkpatch_verdict.py --ids $h/upstream-commits.list "$@"; }
check cp-unknown-listed 0 '' cpv --series $d/cp-maint.patch $d/cp-cite.patch $d/cp-unknown.log
check cp-wrong-title 1 'cited as \("KVM: arm64: Rename the KVM_REQ_SLEP handler"\), its title is' \
	cpv --series $d/cp-maint.patch $d/cp-wrong-title.patch $d/cp-unknown.log
check cp-not-covered 1 'WARNING:FILE_PATH_CHANGES' cpv $d/cp-cite.patch $d/cp-unknown.log
# a tools/include/ header: check.sh asks MAINTAINERS about the kernel's copy
check cp-tools-include 0 '' cpv $d/cp-tools-include.patch $d/cp-unknown.log
# a renamed file counts as added: covered by the series' MAINTAINERS lines, or not
check cp-rename 0 '' cpv --series $d/cp-maint.patch $d/cp-rename.patch $d/cp-rename.log
check cp-rename-not-covered 1 'WARNING:FILE_PATH_CHANGES' cpv $d/cp-rename.patch $d/cp-rename.log
check cp-error 1 'ERROR:GIT_COMMIT_ID' \
	cpv --series $d/cp-maint.patch $d/cp-cite.patch $d/cp-error.log
# -stable's `commit <id> upstream.` first line: only with a listed full id.
check cp-stable 0 '' cpv $d/cp-stable.patch $d/cp-stable.log
check cp-stable-unlisted 1 'the full id is not in' \
	cpv $d/cp-stable-unlisted.patch $d/cp-stable-unlisted.log
check cp-stable-elsewhere 1 'ERROR:GIT_COMMIT_ID' cpv $d/cp-cite.patch $d/cp-stable.log

# vmm-e2e's attribution of a wake-up the guest cannot name ("woken by
# untold": no pm_wakeup_irq), built for the host and run on sample runs:
# the console when the run proves it; nothing when an alarm, a host
# wakeup or an unread byte shares the window.
if cc -O2 -Wall -Wextra -Werror -Wno-unused-parameter -D_GNU_SOURCE -Ivmm -Ivmm/test \
	-o "$tmp/attrib" harness/tests/attrib_test.c vmm/test/attrib.c 2>"$tmp/cc.log"; then
	check attrib-console 0 '^line 11: console: RX interrupt raised while suspended, then WAKEUP 0.005 s later' \
		"$tmp/attrib" $d/wake-console-untold.log
	check attrib-only-untold 0 '^1$' bash -c "'$tmp/attrib' $d/wake-console-untold.log | wc -l"
	check attrib-rtc-too 0 '^line 12: -: console input and an RTC alarm in the same window' \
		"$tmp/attrib" $d/wake-console-rtc.log
	check attrib-rtc 0 '^line 19: rtc: an RTC alarm, then WAKEUP' "$tmp/attrib" $d/wake-console-rtc.log
	check attrib-host 0 '^line 27: -: a host wakeup' "$tmp/attrib" $d/wake-console-rtc.log
	check attrib-unread 0 '^line 34: -: the byte 0x6b typed while suspended was not read' \
		"$tmp/attrib" $d/wake-console-rtc.log
else
	fail=$((fail + 1)); echo "FAIL: vmm/test/attrib.c does not build for the host:"; cat "$tmp/cc.log"
fi

# The VMM's output (vmm/log.c), on the host: a log line that comes while
# the guest is half-way through a console line leaves that line whole.
if cc -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Ivmm -o "$tmp/vmm-log" \
	harness/tests/vmm_log_test.c vmm/log.c -lpthread 2>"$tmp/cc.log"; then
	check vmm-log-whole 0 '^guest: cycle 1: the write of "mem" failed as expected$' "$tmp/vmm-log"
	check vmm-log-order 0 '^\[vmm +[0-9.]+\] pl031: alarm due' bash -c "'$tmp/vmm-log' | head -1"
	check vmm-log-flush 0 '^unfinished$' bash -c "'$tmp/vmm-log' | tail -1"
else
	fail=$((fail + 1)); echo "FAIL: vmm/log.c does not build for the host:"; cat "$tmp/cc.log"
fi

# The fuzzer's PSCI model (fuzz/psci_model.c), on the host.
check fuzz-model 0 'psci_model: [0-9]+ of [0-9]+ cases passed$' \
	make -s -C fuzz test O="$tmp/fuzz-test"

# The count the documents state is the one doc_check.py computes: it
# must be this run's.
n=$("$PYTHON" $h/doc_check.py selftests)
if [ $((pass + fail)) -ne "$n" ]; then
	fail=$((fail + 1))
	echo "FAIL: $((pass + fail - 1)) self-test results, but doc_check.py selftests counts $n"
fi

HARNESS_T0=$t0
. harness/lib.sh
stage "harness: self-tests: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
