package kernel_test

import (
	"testing"

	"github.com/simdcore/simdcore/internal/kerneltest"
	"github.com/simdcore/simdcore/kernel"
	"github.com/stretchr/testify/require"
)

func TestLevelNames(t *testing.T) {
	for _, l := range []kernel.Level{kernel.Generic, kernel.AVX2, kernel.AVX512, kernel.NEON} {
		got, err := kernel.ParseLevel(l.String())
		require.NoError(t, err)
		require.Equal(t, l, got)
	}
	_, err := kernel.ParseLevel("sse9")
	require.Error(t, err)
}

func TestSetLevel(t *testing.T) {
	avail := kernel.Available()
	require.Equal(t, kernel.Generic, avail[0], "generic is always available")
	before := kernel.Active()
	for _, l := range avail {
		restore, err := kernel.SetLevel(l)
		require.NoError(t, err)
		require.Equal(t, l, kernel.Active())
		restore()
		require.Equal(t, before, kernel.Active())
	}
	for _, l := range []kernel.Level{kernel.AVX2, kernel.AVX512, kernel.NEON, kernel.Level(99)} {
		if kernel.Supported(l) {
			continue
		}
		restore, err := kernel.SetLevel(l)
		require.Error(t, err, "SetLevel(%v) must refuse a level this CPU lacks", l)
		restore()
		require.Equal(t, before, kernel.Active())
	}
}

// TestRequiredLevel fails when CI asked for a level (SIMDCORE_REQUIRE)
// that this run cannot test, so a capable machine cannot skip its
// implementations silently.
func TestRequiredLevel(t *testing.T) {
	want, ok := kerneltest.RequiredLevel(t)
	if !ok {
		t.Skip("SIMDCORE_REQUIRE not set")
	}
	require.True(t, kernel.Supported(want), "SIMDCORE_REQUIRE=%v but available levels are %v", want, kernel.Available())
	restore, err := kernel.SetLevel(want)
	require.NoError(t, err)
	defer restore()
	for _, k := range kernel.Kernels() {
		im, ok := kernel.Current(k)
		require.True(t, ok)
		require.Equal(t, want, im.Level, "kernel %s has no %v implementation", k, want)
	}
}

// TestRegistry checks that every kernel has a generic implementation and
// that Current follows the active level. (TestRequiredLevel checks, in
// CI, that no kernel lacks the most capable level.)
func TestRegistry(t *testing.T) {
	require.NotEmpty(t, kernel.Kernels())
	for _, k := range kernel.Kernels() {
		impls := kernel.Implementations(k)
		require.NotEmpty(t, impls, k)
		require.Equal(t, kernel.Generic, impls[0].Level, "%s has no generic implementation", k)
		for _, im := range impls {
			require.Equal(t, k, im.Kernel)
			require.NotEmpty(t, im.Name)
		}
		restore, _ := kernel.SetLevel(kernel.Generic)
		cur, ok := kernel.Current(k)
		restore()
		require.True(t, ok)
		require.Equal(t, kernel.Generic, cur.Level)
	}
}
