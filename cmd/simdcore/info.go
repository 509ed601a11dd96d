package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"

	"github.com/klauspost/cpuid/v2"
	"github.com/simdcore/simdcore/internal/cpuclock"
	"github.com/simdcore/simdcore/kernel"
)

func cmdInfo(args []string, stdout io.Writer) error {
	fs := newFlagSet("info")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	c := &cpuid.CPU
	fmt.Fprintf(stdout, "simdcore on %s/%s, %s\n", runtime.GOOS, runtime.GOARCH, runtime.Version())
	brand := strings.TrimSpace(c.BrandName)
	if brand == "" {
		brand = "(unknown)"
	}
	fmt.Fprintf(stdout, "CPU:       %s, %d logical cores, GOMAXPROCS %d\n", brand, runtime.NumCPU(), runtime.GOMAXPROCS(0))
	fmt.Fprintf(stdout, "Caches:    L1d %s, L2 %s, L3 %s\n", size(c.Cache.L1D), size(c.Cache.L2), size(c.Cache.L3))
	fmt.Fprintf(stdout, "Features:  %s\n", strings.Join(relevantFeatures(), " "))
	if ghz := cpuclock.GHz(); ghz > 0 {
		fmt.Fprintf(stdout, "Clock:     %.2f GHz now (measured)\n", ghz)
	}
	levels := kernel.Available()
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = l.String()
	}
	fmt.Fprintf(stdout, "Levels:    %s available; active: %s", strings.Join(names, ", "), kernel.Active())
	if v := os.Getenv("SIMDCORE_LEVEL"); v != "" {
		fmt.Fprintf(stdout, " (SIMDCORE_LEVEL=%s)", v)
	}
	fmt.Fprintln(stdout)
	if err := kernel.EnvError(); err != nil {
		fmt.Fprintf(stdout, "Warning:   %v\n", err)
	}
	paths := kernel.Int8Paths()
	pnames := make([]string, len(paths))
	for i, p := range paths {
		pnames[i] = p.String()
	}
	p := kernel.ActiveInt8()
	fmt.Fprintf(stdout, "Int8:      %s available; active: %s, %s", strings.Join(pnames, ", "), p, p.Describe())
	if v := os.Getenv("SIMDCORE_INT8"); v != "" {
		fmt.Fprintf(stdout, " (SIMDCORE_INT8=%s)", v)
	}
	fmt.Fprintln(stdout)
	if err := kernel.Int8EnvError(); err != nil {
		fmt.Fprintf(stdout, "Warning:   %v\n", err)
	}
	fmt.Fprintln(stdout)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "kernel\truns\talso available")
	for _, k := range kernel.Kernels() {
		cur, _ := kernel.Current(k)
		var others []string
		for _, im := range kernel.Implementations(k) {
			if im != cur {
				others = append(others, im.Name)
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k, cur.Name, strings.Join(others, ", "))
	}
	return tw.Flush()
}

// relevantFeatures lists the CPU features simdcore's levels depend on.
func relevantFeatures() []string {
	var ids []cpuid.FeatureID
	switch runtime.GOARCH {
	case "amd64":
		ids = []cpuid.FeatureID{cpuid.SSE2, cpuid.AVX, cpuid.AVX2, cpuid.FMA3, cpuid.AVX512F, cpuid.AVX512DQ, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.AVXVNNI, cpuid.AVX512VNNI}
	case "arm64":
		ids = []cpuid.FeatureID{cpuid.ASIMD, cpuid.FP, cpuid.FPHP, cpuid.ASIMDHP, cpuid.ASIMDDP, cpuid.SVE}
	}
	var out []string
	for _, id := range ids {
		if cpuid.CPU.Supports(id) {
			out = append(out, id.String())
		}
	}
	if len(out) == 0 {
		return []string{"(none detected)"}
	}
	return out
}

func size(b int) string {
	switch {
	case b <= 0:
		return "?"
	case b >= 1<<20:
		return fmt.Sprintf("%d MiB", b>>20)
	default:
		return fmt.Sprintf("%d KiB", b>>10)
	}
}
