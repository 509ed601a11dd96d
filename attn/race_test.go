package attn

import "github.com/simdcore/simdcore/internal/race"

// raceEnabled: the race detector is on. sync.Pool drops items at random
// under it, so allocation counts are not meaningful, and tests trim their
// heaviest sweeps.
const raceEnabled = race.Enabled
