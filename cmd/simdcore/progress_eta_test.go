package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestETAText: a remaining time past what a time.Duration holds printed
// as a negative one ("ETA -2562047h47m16.854775808s" for -steps 2^63-1).
func TestETAText(t *testing.T) {
	require.Equal(t, "1m30s", etaText(90.2))
	require.Equal(t, "more than a century", etaText(1e18))
	require.Equal(t, "more than a century", etaText(9.2e18*1e3))
}
