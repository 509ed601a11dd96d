// Package machbound measures, on the core at hand and in the calling
// process, the rates that benchmarks' bounds are made of: the FMA peak
// in FLOP per cycle, the read bandwidth of L1 and L2 in bytes per
// cycle, each at the vector width of the level the kernels run
// (kernel.Active()), and the int8 multiply-accumulate peak in MACs per
// cycle at the int8 path they run (kernel.ActiveInt8()). A bound built from them says what this core can do,
// not what a table says some core can do.
//
// How each rate is measured (Measure):
//
//   - FMA peak: a loop of one FMA on each of many independent
//     accumulators (14 ymm at AVX2, 30 zmm at AVX-512, 28 q registers at
//     NEON), more chains than FMA latency × FMA ports, so the ports set
//     the pace.
//   - L1 and L2 read bandwidth: repeated sweeps of full-width loads over a
//     buffer of half the L1 data cache and of half the L2 cache (sizes
//     from cpuid; where it reports none, 32 KiB and 512 KiB are assumed,
//     which only chooses the buffers' sizes). The buffer is written
//     before it is read, so that each of its pages has memory of its own
//     (an unwritten page reads the system's shared zero page).
//   - int8 MAC peak: a loop of the int8 path's multiply-accumulate
//     sequence, the one its kernels run per vector, on independent
//     accumulators: six copies of VPSIGNB, VPMADDUBSW, VPMADDWD, VPADDD
//     (avx2), one VPDPBUSD on each of 14 ymm or 30 zmm (avxvnni,
//     avx512vnni), one SDOT on each of 28 q registers (neondot), twelve
//     copies of SMULL, SMLAL2, SADALP (neon), twelve int32 multiply-adds
//     in Go (generic).
//   - Cycles: the clock probe of internal/cpuclock (Spin, as Hz uses it),
//     timed in the same rounds as the probes. A core that lowers its
//     clock for wide vectors therefore shows fewer FLOP per cycle, which
//     is what a bound converted to time with the same clock probe needs.
//
// Each figure is the best of Trials timed runs of about a quarter of a
// millisecond of the calling thread's CPU time (wall time where the
// system has no thread clock; interference only slows a run), the runs
// of all five
// taken in turn so that each figure's spread over the whole measurement
// (about 15 ms); Rates.Agreed says how many runs came within 10% of the
// best. Get caches one measurement per level and int8 path for the life of the
// process, so every bound of a benchmark run uses the same rates.
//
// On a shared machine the rates are only as steady as the core: on this
// project's shared test machine (a Zen 3 virtual machine) the FMA peak
// and the L2 rate repeat within a few percent, while the L1 rate
// alternates between about 32 and 64 bytes per cycle in phases of
// seconds, at the same clock, as if another tenant's thread shared the
// core's load ports. Compare figures from a quiet machine only.
//
// At the Generic level the probes are Go loops: twelve independent
// float32 multiply-adds (what the compiler makes of a·b+c: MULSS and
// ADDSS on amd64, FMADDS on arm64) and a sweep of 8-byte loads. Builds
// without a clock probe (cpuclock.HasProbe false: architectures other
// than amd64 and arm64, the purego and noasm tags) measure nothing and
// report every rate as 0, meaning unknown; callers then state no bound.
//
// The amd64 probes are written by the avo generator in asm/_asm/amd64
// (probe.go, int8probe.go, run by go generate in package asm); the NEON
// probes are hand-written Go assembly (the int8 ones with instructions
// that internal/neonasm encodes, and its tests check). The VNNI probes
// run only on CPUs that have VNNI. They live here, not in package asm, because
// only package kernel imports asm. Under an emulator (qemu) the probes
// run correctly but the rates mean nothing.
package machbound
