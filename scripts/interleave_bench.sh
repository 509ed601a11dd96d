#!/usr/bin/env bash
# Used for the restructure comparison in BENCHMARKS.md ("The restructure: before and after").
# interleave.sh OLD NEW OUTDIR BENCHREGEX BENCHTIME COUNT: run the two test binaries alternately,
# one -count 1 round each, COUNT times; write OUTDIR/old.txt and OUTDIR/new.txt.
set -u
old=$1 new=$2 out=$3 re=$4 bt=$5 n=$6
mkdir -p "$out"; : > "$out/old.txt"; : > "$out/new.txt"
for i in $(seq "$n"); do
  "$old" -test.run '^$' -test.bench "$re" -test.benchtime "$bt" -test.count 1 -test.cpu 1 >> "$out/old.txt" 2>&1
  "$new" -test.run '^$' -test.bench "$re" -test.benchtime "$bt" -test.count 1 -test.cpu 1 >> "$out/new.txt" 2>&1
done
