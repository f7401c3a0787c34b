#!/usr/bin/env bash
# fresh.sh: the README's two commands on a freshly made Debian 12 root,
# so that a missing install step shows even on a machine that has
# everything. debootstrap (minbase, plus make and git) builds the root in
# $FRESH_DIR/root, the committed HEAD is cloned into it, and `make demo`
# then `make test` run there as root under chroot. Only the project's own
# install steps install anything inside. The ccache and the downloaded
# tarballs are shared by bind mount (a second run is faster); nothing else.
set -euo pipefail
here=$(realpath "$(dirname "$0")")
. "$here/lib.sh"

dir=${FRESH_DIR:?}
root=$dir/root
flogs=$dir/logs
repo=$(git -C "$here/.." rev-parse --show-toplevel)
head=$(git -C "$repo" rev-parse HEAD)

[ "$(id -u)" -eq 0 ] || die "make fresh needs root (debootstrap, chroot, mount)"
command -v debootstrap >/dev/null || die "missing debootstrap: apt-get install debootstrap"

# Every mount point below the root, deepest first.
mounts_below() {
	awk -v r="$root/" 'index($2 "/", r) == 1 { print $2 }' /proc/self/mounts |
		sort -r
}
unmount_all() {
	local m
	for m in $(mounts_below); do
		umount "$m" 2>/dev/null || umount -l "$m"
	done
}
trap unmount_all EXIT
trap 'exit 130' INT TERM HUP

unmount_all
[ -z "$(mounts_below)" ] || die "cannot unmount $(mounts_below | xargs)"
rm -rf "$root" "$flogs"
mkdir -p "$root" "$flogs"

t=$SECONDS
stage "fresh: debootstrap bookworm (minbase, make, git) into $root"
logged fresh-debootstrap debootstrap --variant=minbase --include=make,git \
	bookworm "$root" "$(debian_archive bookworm)"
cp /etc/resolv.conf "$root/etc/resolv.conf"
debootstrap_s=$((SECONDS - t))
stage "fresh: debootstrap done in ${debootstrap_s}s"

git clone -q "$repo" "$root/root/psci"
git -C "$root/root/psci" checkout -q --detach "$head"
stage "fresh: cloned $head"

# /dev with what is mounted below it (/dev/pts: the harness's own tests
# run tests on a pty, as on any machine), as a slave so that unmounting
# it here can never propagate to the machine's /dev.
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
shared=$root/root/.cache/psci-suspend
for d in ccache tarballs; do
	mkdir -p "$CACHE_DIR/$d" "$shared/$d"
	mount --bind "$CACHE_DIR/$d" "$shared/$d"
done

# in_root LOG CMD: run CMD in the root's checkout with a clean
# environment; show its output, keep it in $flogs/LOG.log.
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		bash -c "cd /root/psci && $2" 2>&1 | tee "$flogs/$1.log" |
		sed -u 's/^/  | /'
	return "${PIPESTATUS[0]}"
}

# FRESH_CMDS: other commands than the README's two, ';'-separated
# (FRESH_CMDS='make qemu' proves that target's install steps).
IFS=';' read -ra cmds <<<"${FRESH_CMDS:-make demo;make test}"
rc=0 results=()
for cmd in "${cmds[@]}"; do
	stage "fresh: $cmd"
	t=$SECONDS r=0
	in_root "${cmd#make }" "$cmd" || r=$?
	results+=("$cmd: $([ $r -eq 0 ] && echo ok || echo "FAILED (status $r)") in $((SECONDS - t))s")
	[ $r -eq 0 ] || rc=1
done
# A failure's own last lines come last, where a log cut in the middle
# still shows them.
for cmd in "${cmds[@]}"; do
	grep -q "^$cmd: ok" < <(printf '%s\n' "${results[@]}") && continue
	echo "fresh: the last 40 lines of $cmd (all of it: $flogs/${cmd#make }.log)"
	tail -n 40 "$flogs/${cmd#make }.log" | sed 's/^/  | /'
done
echo "fresh: debootstrap: ok in ${debootstrap_s}s"
printf 'fresh: %s\n' "${results[@]}"
exit $rc
