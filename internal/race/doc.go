// Package race reports whether the race detector is on, for the tests of
// the packages that pool memory or goroutines: sync.Pool drops items at
// random under the detector, so allocation counts are not meaningful
// there, and heavy sweeps are trimmed.
package race
