package weights

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/simdcore/simdcore/internal/torchpickle"
	"github.com/stretchr/testify/require"
)

// TestTorchTrainingCheckpoint reads torch's training checkpoint
// ckpt_model.pt ({"model": state_dict, "epoch", "optimizer", "loss"},
// scripts/torch_pt_checkpoints.py), and ckpt_model_legacy.pt, the same
// in the legacy format: the File is its state_dict, bit for bit the
// tensors of ckpt_model.safetensors.
func TestTorchTrainingCheckpoint(t *testing.T) {
	want, err := Open(filepath.Join(torchDir, "ckpt_model.safetensors"))
	require.NoError(t, err)
	for _, name := range []string{"ckpt_model.pt", "ckpt_model_legacy.pt"} {
		got, err := Open(filepath.Join(torchDir, name))
		require.NoError(t, err, name)
		requireSameFile(t, want, got)
	}
}

// TestTorchCudaLocation reads cuda_location.pt, whose storages torch.save
// tagged "cuda:0": the location says where torch.load would put a
// storage, the bytes are in the file, and the tensors are
// ckpt_model.safetensors' (the same state_dict).
func TestTorchCudaLocation(t *testing.T) {
	got, err := Open(filepath.Join(torchDir, "cuda_location.pt"))
	require.NoError(t, err)
	want, err := Open(filepath.Join(torchDir, "ckpt_model.safetensors"))
	require.NoError(t, err)
	requireSameFile(t, want, got)
}

// TestTorchProtocol1 reads the state_dict torch.save wrote with
// pickle_protocol=1, whose booleans are INT opcodes: the tensors of
// ckpt_model.safetensors (the same state_dict).
func TestTorchProtocol1(t *testing.T) {
	got, err := Open(filepath.Join(torchDir, "proto1.pt"))
	require.NoError(t, err)
	want, err := Open(filepath.Join(torchDir, "ckpt_model.safetensors"))
	require.NoError(t, err)
	requireSameFile(t, want, got)
}

// TestTorchTextIntegers reads the text integers of protocols 0 and 1 (INT,
// LONG) where a state_dict's pickle has integers: a tensor's storage
// offset, size and stride, and requires_grad as INT "00"; malformed ones
// are refused.
func TestTorchTextIntegers(t *testing.T) {
	six := map[string][]byte{"data/0": f32le(1, 2, 3, 4, 5, 6)}
	text := func(offset, size, stride, grad string) []byte {
		p := &torchpickle.Pickle{}
		p.Global("collections", "OrderedDict").Op(')', 'R', '(')
		p.Str("w").Global("torch._utils", "_rebuild_tensor_v2").Op('(')
		p.Op('(').Str("storage").Global("torch", "FloatStorage").Str("0").Str("cpu").Op('I').WriteString("6\n")
		p.Op('t', 'Q', 'I').WriteString(offset + "\n")
		p.Op('(', 'L').WriteString(size + "\n")
		p.Op('t', '(', 'I').WriteString(stride + "\n")
		p.Op('t', 'I').WriteString(grad + "\n")
		p.Global("collections", "OrderedDict").Op(')', 'R', 't', 'R', 'u', '.')
		return checkpoint(t, p.Bytes(), six, false)
	}
	f, err := readBytes(text("1", "2L", "2", "00"))
	require.NoError(t, err)
	x, err := f.Tensor("w")
	require.NoError(t, err)
	require.Equal(t, []float32{2, 4}, x.Data)
	for args, msg := range map[[4]string]string{
		{"x", "2L", "2", "00"}:                       `INT "x" is not a decimal integer`,
		{"1", "2z", "2", "00"}:                       `LONG "2z" is not a decimal integer`,
		{"1", "99999999999999999999999L", "2", "00"}: `size[0] is not an integer ≥ 0`,
		{"1", "2", "-1", "00"}:                       `stride[0] is not an integer ≥ 0`,
	} {
		_, err := readBytes(text(args[0], args[1], args[2], args[3]))
		require.ErrorIs(t, err, ErrFormat, args)
		require.ErrorContains(t, err, msg, args)
	}
}

// TestTorchRefusedObjects checks the messages for torch files that are not
// (or do not hold one) state_dict: each says what the file holds and
// what to save instead.
func TestTorchRefusedObjects(t *testing.T) {
	for name, msgs := range map[string][]string{
		"ckpt_two": {`a training checkpoint with state_dicts under both "model" and "state_dict"`, `which one to load is not guessed`,
			`torch.save(checkpoint["model"], path)`},
		"whole_module": {"global torch.nn.modules.rnn.LSTM is not allowed (torch.save(model) of a whole module? its classes need their code, which this reader never runs",
			"torch.save(model.state_dict(), path)"},
		"whole_module_legacy": {"global torch.nn.modules.linear.Linear is not allowed (torch.save(model) of a whole module: its classes need their code, which this reader never runs",
			"torch.save(model.state_dict(), path)"},
		"ckpt_args":   {"global argparse.Namespace is not allowed (an object inside the checkpoint that only its Python code could rebuild, which this reader never runs: save the state_dict by itself"},
		"proto0":      {`opcode 'p' of pickle protocol 0 (torch.save(obj, path, pickle_protocol=0)), which torch.load does not read back either`},
		"torchscript": {"global __torch__.", "TorchScript archive (torch.jit.save)", "torch.save(model.state_dict(), path)"},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Open(filepath.Join(torchDir, name+".pt"))
			require.Nil(t, f)
			require.ErrorIs(t, err, ErrFormat)
			for _, m := range msgs {
				require.ErrorContains(t, err, m)
			}
		})
	}
}

// pickleDict pickles a dict of the entries that add writes.
func pickleDict(p *torchpickle.Pickle, add func(p *torchpickle.Pickle)) *torchpickle.Pickle {
	p.Op('}', '(')
	add(p)
	return p.Op('u')
}

// TestTorchCheckpointDicts reads handmade dicts around a state_dict: the
// one state_dict under "state_dict", "model", "model_state_dict" or "net"
// is read, also when the pickle names one dict under two of them (its
// memo); two dicts, or none under those keys, are refused naming what
// the dict holds.
func TestTorchCheckpointDicts(t *testing.T) {
	six := map[string][]byte{"data/0": f32le(1, 2, 3, 4, 5, 6)}
	w := func(p *torchpickle.Pickle) {
		p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{2, 3}, []int64{3, 1})
	}
	file := func(add func(p *torchpickle.Pickle)) []byte {
		p := (&torchpickle.Pickle{}).Op(0x80, 2)
		pickleDict(p, add)
		return checkpoint(t, p.Op('.').Bytes(), six, false)
	}
	loads := map[string][]byte{}
	for _, key := range checkpointKeys {
		loads[key] = file(func(p *torchpickle.Pickle) {
			p.Str("epoch").Int(3).Str("args")
			pickleDict(p, func(p *torchpickle.Pickle) { p.Str("lr").Int(1) })
			p.Str(key)
			pickleDict(p, w)
		})
	}
	loads["one dict, two keys"] = file(func(p *torchpickle.Pickle) {
		p.Str("model")
		pickleDict(p, w).Op('q', 0)
		p.Str("state_dict").Op('h', 0)
	})
	loads["a key that holds no state_dict"] = file(func(p *torchpickle.Pickle) {
		p.Str("net")
		pickleDict(p, func(p *torchpickle.Pickle) { p.Str("lr").Int(1) })
		p.Str("model")
		pickleDict(p, w)
	})
	for name, b := range loads {
		t.Run(name, func(t *testing.T) {
			f, err := readBytes(b)
			require.NoError(t, err)
			require.Equal(t, []string{"w"}, f.Names())
			x, err := f.Tensor("w")
			require.NoError(t, err)
			require.Equal(t, []float32{1, 2, 3, 4, 5, 6}, x.Data)
		})
	}
	refused := map[string]struct {
		file []byte
		msg  string
	}{
		"two": {file(func(p *torchpickle.Pickle) {
			p.Str("model")
			pickleDict(p, w)
			p.Str("net")
			pickleDict(p, w)
		}), `state_dicts under both "model" and "net", and which one to load is not guessed`},
		"none": {file(func(p *torchpickle.Pickle) {
			p.Str("weights")
			pickleDict(p, w)
			p.Str("epoch").Int(3)
		}), `the checkpoint is a dict of "weights", "epoch", not a state_dict, and as a training checkpoint it holds no state_dict (a dict of tensors) under "state_dict", "model", "model_state_dict" or "net"`},
		"many keys": {file(func(p *torchpickle.Pickle) {
			for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"} {
				p.Str(k).Int(1)
			}
		}), `a dict of "a", "b", "c", "d", "e", "f", "g", "h" and 2 more, not a state_dict`},
	}
	for name, c := range refused {
		t.Run(name, func(t *testing.T) {
			f, err := readBytes(c.file)
			require.Nil(t, f)
			require.ErrorIs(t, err, ErrFormat)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// TestTorchTruncatedTenths reads a checkpoint torch wrote cut at every
// tenth of its length: each is refused with ErrFormat and a message that
// says the file may be truncated.
func TestTorchTruncatedTenths(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(torchDir, "cuda_location.pt"))
	require.NoError(t, err)
	for k := 1; k <= 9; k++ {
		f, err := readBytes(b[:len(b)*k/10])
		require.Nil(t, f, k)
		require.ErrorIs(t, err, ErrFormat, k)
		require.ErrorContains(t, err, "not a readable zip archive (truncated? a zip archive's directory is at its end", k)
	}
}

// TestTorchMessageWhole checks that a message about a long name from the
// file keeps its own words: the name is quoted whole up to the clipping
// limit, and the advice after it is not cut.
func TestTorchMessageWhole(t *testing.T) {
	long := strings.Repeat("pkg.", 40) + "mod"
	b := checkpoint(t, (&torchpickle.Pickle{}).Op(0x80, 2).Global(long, "Net").Op('.').Bytes(), nil, false)
	_, err := readBytes(b)
	require.ErrorIs(t, err, ErrFormat)
	require.ErrorContains(t, err, "global "+long+".Net is not allowed (")
	require.True(t, strings.HasSuffix(err.Error(), "torch.save(model.state_dict(), path))"), err.Error())
}
