// Package peers benchmarks the work simdcore does against what a Go
// programmer would otherwise use: plain Go loops, gonum (blas32), vek
// (vek32) and chewxy/math32, all in one run so that the ratios hold on a
// machine whose clock drifts. It is a nested module so that simdcore's
// users never download these dependencies.
//
//	cd bench/peers && go test -bench . -count 6 | tee peers.txt
//	benchstat -col /impl peers.txt
//
// cmd/chart turns such a run into one SVG chart per kernel family
// (speed-up over plain Go by size, one line per simdcore level and per
// peer); BENCHMARKS.md shows them and gives the exact commands:
//
//	go run ./cmd/chart -metric cpu-ns/elem,cpu-GFLOP/s,ns/op -o ../../docs/img peers.txt
package peers
