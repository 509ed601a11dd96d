//go:build !purego && !noasm

package kernel

func init() {
	for _, k := range []string{"Exp", "Tanh", "Sigmoid"} {
		register(k, Generic, genericName(k))
	}
}

func exp32s(dst, src []float32)     { expGeneric(dst, src) }
func tanh32s(dst, src []float32)    { tanhGeneric(dst, src) }
func sigmoid32s(dst, src []float32) { sigmoidGeneric(dst, src) }
