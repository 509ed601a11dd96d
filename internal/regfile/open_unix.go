//go:build unix

package regfile

import "syscall"

// openNonblock is added to the flags Open opens a file with, so that
// opening a FIFO with no writer (or a device that waits for a carrier)
// returns at once and the check after it can refuse the file. Reads from
// a regular file ignore the flag.
const openNonblock = syscall.O_NONBLOCK
