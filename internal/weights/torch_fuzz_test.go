package weights

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/simdcore/simdcore/internal/torchpickle"
)

// FuzzReadTorch feeds Read whole checkpoints, seeded with every committed
// torch checkpoint (testdata/torch/*.pt, the legacy format's *_legacy.pt
// among them), a legacy file of storage views of this file's own, and
// those in testdata/fuzz/FuzzReadTorch. The property is FuzzRead's
// (checkRead): no panic, an error wrapping ErrFormat on one bounded
// line, or a File whose tensors are consistent and survive a Write/Read
// round trip.
func FuzzReadTorch(f *testing.F) {
	f.Add(torchpickle.Legacy(torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("w").LegacyTensor("FloatStorage", "0", 6, nil, 0, []int64{2, 3}, []int64{3, 1})
		p.Str("v").LegacyTensor("FloatStorage", "0", 6, &torchpickle.View{Key: "1", Offset: 2, Numel: 3}, 1, []int64{2}, []int64{1})
		p.Str("h").LegacyTensor("HalfStorage", "2", 2, nil, 0, []int64{2}, []int64{1})
	}), []string{"0", "2"}, []torchpickle.Storage{{Count: 6, Data: f32bytes(1, 2, 3, 4, 5, 6)}, {Count: 2, Data: []byte{0, 0x3c, 0, 0xc0}}}))
	pts, err := filepath.Glob(filepath.Join(torchDir, "*.pt"))
	if err != nil || len(pts) == 0 {
		f.Fatalf("no checkpoints in %s: %v", torchDir, err)
	}
	for _, p := range pts {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(checkRead)
}

// FuzzTorchPickle mutates a checkpoint's data.pkl and its storage bytes,
// which a mutation of the whole file rarely reaches past the CRC: the
// fuzzer's pickle goes into a checkpoint whose records data/0 to
// data/15 each hold blob. Seeds are the data.pkl of every committed
// checkpoint with its storage 0, a pickle of this file's own, and those
// in testdata/fuzz/FuzzTorchPickle. The property is checkRead's.
func FuzzTorchPickle(f *testing.F) {
	f.Add(torchpickle.StateDict(func(p *torchpickle.Pickle) {
		p.Str("w").Tensor("FloatStorage", "0", 6, 0, []int64{2, 3}, []int64{1, 2})
		p.Str("h").Tensor("HalfStorage", "1", 12, 2, []int64{3}, []int64{2})
	}), f32bytes(1, 2, 3, 4, 5, 6))
	pts, _ := filepath.Glob(filepath.Join(torchDir, "*.pt"))
	for _, p := range pts {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			continue // a legacy-format file
		}
		var pkl, blob []byte
		for _, zf := range zr.File {
			if name := filepath.Base(zf.Name); name == "data.pkl" || filepath.Base(filepath.Dir(zf.Name)) == "data" && name == "0" {
				rc, err := zf.Open()
				if err != nil {
					f.Fatal(err)
				}
				data, err := io.ReadAll(rc)
				if err != nil {
					f.Fatal(err)
				}
				if name == "data.pkl" {
					pkl = data
				} else {
					blob = data
				}
			}
		}
		f.Add(pkl, blob)
	}
	f.Fuzz(func(t *testing.T, pkl, blob []byte) {
		records := map[string][]byte{}
		for k := range 16 {
			records["data/"+strconv.Itoa(k)] = blob
		}
		checkRead(t, checkpoint(t, pkl, records, false))
	})
}
