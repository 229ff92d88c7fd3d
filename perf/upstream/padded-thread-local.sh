#!/usr/bin/env bash
# Reruns the 2-thread scaling figure with thread_local's per-thread entries padded to 128 bytes
# (thread_local-pad-entries.patch), beside the unpatched figure, on this machine.
#
# tracing-subscriber's Registry keeps each thread's span stack in a thread_local::ThreadLocal;
# the entries of neighbouring thread ids share a cache line, and every enter and exit writes
# one. The patch is the fix that belongs upstream (not yet filed there: this project has no
# network access but to package registries); this script shows what it does to the figure.
# Nothing here is part of genops or its build: the patched copy lives in a temporary directory.
#
# The padded side is a clone of this checkout's HEAD: run it on a clean checkout.
#
# usage: perf/upstream/padded-thread-local.sh [ROUNDS]   (default 2; about 4 min to build)
set -euo pipefail
rounds="${1:-2}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

version="$(grep -A1 '^name = "thread_local"$' "$root/Cargo.lock" | sed -n 's/^version = "\(.*\)"$/\1/p')"
(cd "$root" && cargo fetch --quiet)
source="$(find "${CARGO_HOME:-$HOME/.cargo}/registry/src" -maxdepth 2 -type d \
  -name "thread_local-$version" | head -n 1)"
[ -n "$source" ] || { echo "thread_local $version is not in the cargo registry" >&2; exit 1; }

cp -r "$source" "$work/thread_local"
patch --quiet -d "$work/thread_local" -p1 <"$here/thread_local-pad-entries.patch"
git clone --quiet "$root" "$work/padded"
printf '\n[patch.crates-io]\nthread_local = { path = "%s" }\n' "$work/thread_local" \
  >>"$work/padded/Cargo.toml"

for tree in "$root" "$work/padded"; do
  (cd "$tree" && cargo build --quiet --release -p genops-tests --example perf_report)
done
for round in $(seq 1 "$rounds"); do
  for tree in "$root" "$work/padded"; do
    label="unpatched"
    [ "$tree" = "$root" ] || label="padded thread_local"
    printf 'round %s, %s: ' "$round" "$label"
    (cd "$tree" && ./target/release/examples/perf_report --quick 2>/dev/null | grep '^2 threads / 1 thread')
  done
done
