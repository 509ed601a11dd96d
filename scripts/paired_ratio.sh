#!/usr/bin/env bash
# paired_ratio.sh A B N DIR ARGS...: run the test binaries A and B one
# after the other N times (in DIR, each with ARGS, e.g. -test.run '^$'
# -test.bench ... -test.benchtime 12x -test.cpu 1), alternating which goes
# first, and print per benchmark the median, first and third quartile of
# the N ratios ns/op(B) / ns/op(A) of runs side by side. On a guest whose
# speed shifts by 20-50% over seconds, the two runs of a pair share the
# shift, so their ratio is steadier than either benchstat column.
set -u
A=$1 B=$2 N=$3 D=$4; shift 4
cd $D
for i in $(seq $N); do
  if (( i % 2 )); then a=$($A "$@" | grep ns/op); b=$($B "$@" | grep ns/op); else b=$($B "$@" | grep ns/op); a=$($A "$@" | grep ns/op); fi
  paste <(echo "$a" | awk '{print $1, $3}') <(echo "$b" | awk '{print $3}') | awk '{print $1, $3/$2}'
done | sort -k1,1 -k2,2n | awk '{v[$1]=v[$1]" "$2} END {for (k in v) {n=split(v[k],a," "); printf "%s: median %.3f [q1 %.3f q3 %.3f] n=%d\n", k, a[int((n+1)/2)], a[int((n+3)/4)], a[int((3*n+1)/4)], n}}'
