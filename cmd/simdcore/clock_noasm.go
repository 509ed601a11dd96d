//go:build !(amd64 || arm64) || purego || noasm

package main

// clockGHz returns 0: without assembly there is no reliable clock probe,
// and the bench table leaves out per-cycle figures.
func clockGHz() float64 { return 0 }
