#!/usr/bin/env python3
"""elf-closure.py ROOT PROGRAM...: print, one per line, the files under
ROOT (an unpacked set of Debian arm64 packages) that PROGRAM... need at
run time: the programs themselves, every shared library their DT_NEEDED
entries name (transitively), the dynamic loader, and the symlinks that
lead to them. Paths are relative to ROOT. A library found nowhere under
ROOT is an error naming it and who needs it.
"""
import os
import subprocess
import sys

LIB_DIRS = ["lib/aarch64-linux-gnu", "usr/lib/aarch64-linux-gnu",
            "lib", "usr/lib"]


def needed(path):
    """DT_NEEDED and PT_INTERP of an ELF file, by readelf."""
    out = subprocess.run(["readelf", "-dlW", path], check=True,
                         capture_output=True, text=True).stdout
    libs, interp = [], None
    for line in out.splitlines():
        if "(NEEDED)" in line:
            libs.append(line.split("[", 1)[1].split("]", 1)[0])
        elif "[Requesting program interpreter:" in line:
            interp = line.split(": ", 1)[1].rstrip("]")
    return libs, interp


def with_links(root, rel):
    """rel and, if it is a symlink (chain), everything it points to."""
    out = []
    while True:
        out.append(rel)
        full = os.path.join(root, rel)
        if not os.path.islink(full):
            return out
        target = os.readlink(full)
        if target.startswith("/"):
            rel = target.lstrip("/")
        else:
            rel = os.path.normpath(os.path.join(os.path.dirname(rel), target))


def find_lib(root, name):
    for d in LIB_DIRS:
        rel = os.path.join(d, name)
        if os.path.exists(os.path.join(root, rel)):
            return rel
    return None


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    root = sys.argv[1]
    todo = [p.lstrip("/") for p in sys.argv[2:]]
    seen, files = set(), []
    while todo:
        rel = todo.pop()
        if rel in seen:
            continue
        seen.add(rel)
        if not os.path.exists(os.path.join(root, rel)):
            sys.exit(f"elf-closure: {rel} not found under {root}")
        chain = with_links(root, rel)
        files.extend(chain)
        libs, interp = needed(os.path.join(root, chain[-1]))
        if interp:
            todo.append(interp.lstrip("/"))
        for lib in libs:
            found = find_lib(root, lib)
            if not found:
                sys.exit(f"elf-closure: {lib} (needed by {rel}) "
                         f"not found under {root}")
            todo.append(found)
    for f in sorted(set(files)):
        print(f)


if __name__ == "__main__":
    main()
