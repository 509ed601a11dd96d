module github.com/simdcore/simdcore/asm/_asm

go 1.26

replace github.com/simdcore/simdcore => ../..
