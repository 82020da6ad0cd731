#!/usr/bin/env bash
# same_lines.sh REGEX -- COMMAND1... -- COMMAND2...: runs both commands (each must exit 0) and fails
# unless the lines of their output that match REGEX are the same, and there is at least one.
set -uo pipefail
regex=$1
shift
[ "$1" = "--" ] || { echo "usage: $0 REGEX -- COMMAND... -- COMMAND..." >&2; exit 2; }
shift
first=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do first+=("$1"); shift; done
[ $# -gt 0 ] || { echo "usage: $0 REGEX -- COMMAND... -- COMMAND..." >&2; exit 2; }
shift
out1=$("${first[@]}" 2>&1) || { echo "$out1"; echo "same_lines: the first command failed: ${first[*]}"; exit 1; }
out2=$("$@" 2>&1) || { echo "$out2"; echo "same_lines: the second command failed: $*"; exit 1; }
lines1=$(grep -E "$regex" <<<"$out1")
lines2=$(grep -E "$regex" <<<"$out2")
echo "first:  ${first[*]}"; echo "$lines1"
echo "second: $*"; echo "$lines2"
if [ -z "$lines1" ]; then echo "same_lines: no line matches '$regex'"; exit 1; fi
if [ "$lines1" != "$lines2" ]; then echo "same_lines: the lines differ"; exit 1; fi
echo "same_lines: the same"
