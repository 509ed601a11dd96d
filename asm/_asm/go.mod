module github.com/simdcore/simdcore/asm/_asm

go 1.26

replace github.com/simdcore/simdcore => ../..

require github.com/simdcore/simdcore v0.0.0-00010101000000-000000000000
