//go:build race

package scratch

// raceEnabled: the race detector is on, and sync.Pool drops items at
// random under it, so allocation counts are not meaningful.
const raceEnabled = true
