// Package peers benchmarks the work simdcore does against what a Go
// programmer would otherwise use: plain Go loops, gonum (blas32), vek
// (vek32) and chewxy/math32, all in one run so that the ratios hold on a
// machine whose clock drifts. It is a nested module so that simdcore's
// users never download these dependencies.
//
//	cd bench/peers && go test -bench . -count 6 | tee peers.txt
//	benchstat -col /impl peers.txt
package peers
