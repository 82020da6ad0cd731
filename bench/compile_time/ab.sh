#!/usr/bin/env bash
# Compile time of one program against several typegrad include trees, interleaved in one run, so
# that the load of a shared machine falls on every tree alike.
#
#   bench/compile_time/ab.sh [--repeat N] [--compilers "g++-12 clang++-14"] SOURCE NAME=INCLUDE_DIR... [-- FLAGS...]
#
# For each round (N, default 3), each compiler and each tree in the order given, compiles SOURCE to
# an object file with `-std=c++20 -O2 -march=native -I<tree> FLAGS` under /usr/bin/time and prints
# one line: round, compiler, tree name, CPU seconds (user + sys), peak RSS MiB. Then one Markdown
# row per compiler and tree: the median CPU time, its ratio to the first tree, the largest RSS.
# A tree of an older commit: `git worktree add /tmp/old <commit>` (or `git archive <commit> include`
# into a folder), then `bench/compile_time/ab.sh examples/diabetes/main.cpp old=/tmp/old/include
# now=include -- -DTYPEGRAD_EXAMPLE_DATA='"x"'`.
set -euo pipefail

repeat=3
compilers="g++-12 clang++-14"
while [ $# -gt 0 ]; do
    case "$1" in
        --repeat) repeat=$2; shift 2 ;;
        --compilers) compilers=$2; shift 2 ;;
        *) break ;;
    esac
done
[ $# -ge 2 ] || { echo "usage: $0 [--repeat N] [--compilers \"...\"] SOURCE NAME=INCLUDE_DIR... [-- FLAGS...]" >&2; exit 2; }
src=$1
shift
names=()
dirs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    names+=("${1%%=*}")
    dirs+=("${1#*=}")
    shift
done
[ "${1:-}" = "--" ] && shift
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for r in $(seq "$repeat"); do
    for cxx in $compilers; do
        for k in "${!names[@]}"; do
            status=ok
            /usr/bin/time -f '%U %S %M' -o "$work/time" "$cxx" -std=c++20 -O2 -march=native -I"${dirs[$k]}" "$@" \
                -c "$src" -o "$work/out.o" 2>"$work/log" || status=FAILS
            read -r user sys rss <"$work/time"
            cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
            echo "$r $cxx ${names[$k]} $cpu $((rss / 1024)) $status" | tee -a "$work/all"
        done
    done
done

echo
echo "| compiler | tree | median CPU s | ratio to ${names[0]} | peak RSS MiB |"
echo "| --- | --- | ---: | ---: | ---: |"
for cxx in $compilers; do
    first=""
    for name in "${names[@]}"; do
        median=$(awk -v c="$cxx" -v t="$name" '$2 == c && $3 == t {print $4}' "$work/all" | sort -n |
            awk '{v[NR] = $1} END {print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
        rss=$(awk -v c="$cxx" -v t="$name" '$2 == c && $3 == t && $5 > m {m = $5} END {print m}' "$work/all")
        [ -z "$first" ] && first=$median
        ratio=$(awk -v a="$median" -v b="$first" 'BEGIN {printf "%.2f", a / b}')
        echo "| $cxx | $name | $median | $ratio | $rss |"
    done
done
