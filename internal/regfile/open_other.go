//go:build !unix

package regfile

// openNonblock is 0 where open(2) has no O_NONBLOCK: there Open relies on
// its os.Stat before opening to refuse what is not a regular file.
const openNonblock = 0
