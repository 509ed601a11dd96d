//go:build race

package attn

// raceEnabled: the race detector is on. sync.Pool drops items at random
// under it, so allocation counts are not meaningful, and tests trim their
// heaviest sweeps.
const raceEnabled = true
