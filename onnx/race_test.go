package onnx_test

import "github.com/simdcore/simdcore/internal/race"

// raceEnabled skips the allocation counts under -race: the kernels'
// pooled scratch (sync.Pool) drops items at random under the detector.
const raceEnabled = race.Enabled
