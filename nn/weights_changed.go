package nn

// This file holds WeightsChanged for the blocks and stacks: Linear and
// attn.MultiHead keep their weight matrices packed for kernel.GemmPacked
// (built on first use, shared by the goroutines that run the model), and
// a change of weights in place must drop those packed forms.

// WeightsChanged drops the packed forms of both linears' weights (see
// Linear.WeightsChanged).
func (f *FeedForward) WeightsChanged() {
	f.Linear1.WeightsChanged()
	f.Linear2.WeightsChanged()
}

// WeightsChanged drops the packed forms of the layer's weights: call it
// after changing any of them in place (an optimiser step). As
// Linear.WeightsChanged, it may run while other goroutines run the layer.
// Norms are not packed.
func (l *EncoderLayer) WeightsChanged() {
	l.SelfAttn.WeightsChanged()
	l.FF.WeightsChanged()
}

// WeightsChanged drops the packed forms of the layer's weights (see
// EncoderLayer.WeightsChanged).
func (l *DecoderLayer) WeightsChanged() {
	l.SelfAttn.WeightsChanged()
	l.CrossAttn.WeightsChanged()
	l.FF.WeightsChanged()
}

// WeightsChanged calls every layer's WeightsChanged: after an optimiser
// step on the stack's Params, before the next Forward.
func (e *Encoder) WeightsChanged() { layersChanged(e.Layers) }

// WeightsChanged calls every layer's WeightsChanged (see
// Encoder.WeightsChanged).
func (dec *Decoder) WeightsChanged() { layersChanged(dec.Layers) }

func layersChanged[L interface{ WeightsChanged() }](layers []L) {
	for _, l := range layers {
		l.WeightsChanged()
	}
}
