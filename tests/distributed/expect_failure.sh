#!/bin/sh
# Usage: expect_failure.sh <regex> <command...>
# Passes when the command exits non-zero and its output (stdout and stderr) matches the extended
# regex: a job with a dead or stalled rank must end, with a failure and a clear message. The
# command's own time limit is ctest's TIMEOUT.
pattern=$1
shift
out=$("$@" 2>&1)
rc=$?
printf '%s\n' "$out"
if [ "$rc" -eq 0 ]; then
  echo "expect_failure.sh: the job exited 0; expected a failure"
  exit 1
fi
if ! printf '%s\n' "$out" | grep -Eq "$pattern"; then
  echo "expect_failure.sh: the job failed (exit $rc) without a line matching: $pattern"
  exit 1
fi
echo "expect_failure.sh: the job failed as expected (exit $rc)"
