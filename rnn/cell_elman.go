package rnn

// elmanCell is torch.nn.RNN's cell: h' = ψ(z) with z the one gate block
// W_ih·x + b_ih + W_hh·h + b_hh and ψ the Config.Activation.
type elmanCell struct{}

func (elmanCell) name() string      { return "elman" }
func (elmanCell) gates() int        { return 1 }
func (elmanCell) hasC() bool        { return false }
func (elmanCell) splitHidden() bool { return false }

// forward writes h = ψ(g) and leaves g as it came: backward reads ψ(z)
// from h, which is the step's output, so the activated gates need no
// second copy.
func (elmanCell) forward(act Activation, h, _, g, _, _, _ []float32) {
	activateTo(act, h, g)
}

func (elmanCell) backward(act Activation, dg, _, _, _, dh, _, _, h, _, _, _ []float32) {
	copy(dg, dh)
	derivative(act, dg, h)
}
