#!/usr/bin/env bash
# Runs a command with BENCH_ROOT set to a fresh journaled ext4 file system, loop-mounted from an
# image beside the build, then unmounts and deletes it. Needs root and a loop device.
#   sudo bench/on_journaled_ext4.sh bash bench/run_all.sh
# Why: this project's VM formats its disk as ext4 without a journal, where creating a file
# right after mass deletes is ~20x slower (see bench/shapes.py); a journaled ext4, the default
# almost everywhere, has no such penalty.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
img=$(mktemp "$PWD/$BUILD/bench-ext4.XXXXXX.img")
mnt=$(mktemp -d)
cleanup() { umount "$mnt" 2>/dev/null || true; rmdir "$mnt"; rm -f "$img"; }
trap cleanup EXIT
truncate -s 4G "$img"
mkfs.ext4 -q -F "$img"
mount -o loop "$img" "$mnt"
echo "== BENCH_ROOT=$mnt (journaled ext4 on a loop device)"
BENCH_ROOT=$mnt "$@"
