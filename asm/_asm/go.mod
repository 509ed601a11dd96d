module github.com/simdcore/simdcore/asm/_asm

go 1.26

replace github.com/simdcore/simdcore => ../..

require (
	github.com/mmcloughlin/avo v0.5.0
	github.com/simdcore/simdcore v0.0.0-00010101000000-000000000000
)

require (
	golang.org/x/mod v0.6.0 // indirect
	golang.org/x/sys v0.41.0 // indirect
	golang.org/x/tools v0.2.0 // indirect
)
