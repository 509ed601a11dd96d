//go:build unix

package weights

import "syscall"

// openNonblock is added to the flags Open opens a file with, so that
// opening a FIFO with no writer (or a device that waits for a carrier)
// returns at once and the "not a regular file" check after it can refuse
// the file. Reads from a regular file ignore the flag.
const openNonblock = syscall.O_NONBLOCK
