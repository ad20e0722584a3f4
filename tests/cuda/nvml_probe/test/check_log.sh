#!/bin/sh
# usage: check_log.sh LOG PATTERN...  Every extended regular expression must match a line of LOG.
set -u
log=$1
shift
status=0
for pattern in "$@"; do
    grep -q -E -e "$pattern" "$log" || { echo "FAIL: no line of $log matches: $pattern"; status=1; }
done
exit $status
