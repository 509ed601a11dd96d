// Package cpuclock measures what benchmarks need besides wall time: the
// core clock, by timing a chain of dependent single-cycle adds (Spin, Hz),
// and the CPU time spent by the calling thread (ThreadCPU) or by the whole
// process (ProcessCPU). On a machine shared with other jobs wall time also
// counts the time spent waiting for a core; CPU time does not, and CPU
// time × clock gives the cycles a piece of work took.
//
// The clock probe is assembly (amd64, arm64). Builds without it (other
// architectures, the purego and noasm tags) have HasProbe false, Hz 0 and
// a Spin that does nothing: no Go loop is a cycle-exact probe, since the
// compiler may merge or reorder its adds. The CPU-time functions return 0
// where the system has no such clock.
package cpuclock
