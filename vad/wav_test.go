package vad

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"runtime"
	"testing"

	"github.com/stretchr/testify/require"
)

// wavSpec describes a WAV file for makeWAV.
type wavSpec struct {
	tag        uint16 // format tag (wavExtensible puts sub in the GUID)
	sub        uint16
	channels   uint16
	rate       uint32
	bits       uint16
	blockAlign uint16 // 0: channels × bits / 8
	before     [][]byte
	dataSize   uint32 // 0: len(data)
	data       []byte
}

func chunk(id string, body []byte) []byte {
	b := append([]byte(id), binary.LittleEndian.AppendUint32(nil, uint32(len(body)))...)
	b = append(b, body...)
	if len(body)%2 == 1 {
		b = append(b, 0)
	}
	return b
}

func makeWAV(s wavSpec) []byte {
	le := binary.LittleEndian
	align := s.blockAlign
	if align == 0 {
		align = s.channels * s.bits / 8
	}
	var f []byte
	f = le.AppendUint16(f, s.tag)
	f = le.AppendUint16(f, s.channels)
	f = le.AppendUint32(f, s.rate)
	f = le.AppendUint32(f, s.rate*uint32(align))
	f = le.AppendUint16(f, align)
	f = le.AppendUint16(f, s.bits)
	if s.tag == wavExtensible {
		f = le.AppendUint16(f, 22)
		f = le.AppendUint16(f, s.bits)
		f = le.AppendUint32(f, 0)
		f = le.AppendUint16(f, s.sub)
		f = append(f, 0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71)
	}
	body := []byte("WAVE")
	for _, c := range s.before {
		body = append(body, c...)
	}
	body = append(body, chunk("fmt ", f)...)
	size := s.dataSize
	if size == 0 {
		size = uint32(len(s.data))
	}
	body = append(body, "data"...)
	body = le.AppendUint32(body, size)
	body = append(body, s.data...)
	return append(append([]byte("RIFF"), le.AppendUint32(nil, uint32(len(body)))...), body...)
}

// le encodes samples little-endian, as a WAV data chunk holds them.
func le[T int16 | int32 | float32 | float64](vs ...T) []byte {
	var b []byte
	for _, v := range vs {
		switch x := any(v).(type) {
		case int16:
			b = binary.LittleEndian.AppendUint16(b, uint16(x))
		case int32:
			b = binary.LittleEndian.AppendUint32(b, uint32(x))
		case float32:
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(x))
		case float64:
			b = binary.LittleEndian.AppendUint64(b, math.Float64bits(x))
		}
	}
	return b
}

func pcm16(vs ...int16) []byte       { return le(vs...) }
func float32le(vs ...float32) []byte { return le(vs...) }
func int32le(vs ...int32) []byte     { return le(vs...) }
func float64le(vs ...float64) []byte { return le(vs...) }

func TestReadWAVEncodings(t *testing.T) {
	cases := []struct {
		name string
		spec wavSpec
		want []float32
		ch   int
	}{
		{"pcm16 mono", wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(0, 16384, -32768, 32767)},
			[]float32{0, 0.5, -1, 32767.0 / 32768}, 1},
		{"pcm16 stereo averaged", wavSpec{tag: wavPCM, channels: 2, rate: 8000, bits: 16, data: pcm16(16384, -16384, 32767, 32767, -32768, 0)},
			[]float32{0, 32767.0 / 32768, -0.5}, 2},
		{"float32 mono", wavSpec{tag: wavFloat, channels: 1, rate: 16000, bits: 32, data: float32le(0.25, -0.75, 1.5)},
			[]float32{0.25, -0.75, 1.5}, 1},
		{"float32 three channels", wavSpec{tag: wavFloat, channels: 3, rate: 16000, bits: 32, data: float32le(0.3, 0.6, 0.9, 1, 1, 1)},
			[]float32{(0.3 + 0.6 + 0.9) / float32(3), 1}, 3},
		{"extensible float32", wavSpec{tag: wavExtensible, sub: wavFloat, channels: 1, rate: 16000, bits: 32, data: float32le(0.5)},
			[]float32{0.5}, 1},
		{"extensible pcm16", wavSpec{tag: wavExtensible, sub: wavPCM, channels: 2, rate: 16000, bits: 16, data: pcm16(100, 300)},
			[]float32{200.0 / 32768}, 2},
		{"odd-sized chunks skipped", wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(-16384),
			before: [][]byte{chunk("LIST", []byte("odd")), chunk("junk", nil), chunk("bext", make([]byte, 1001))}},
			[]float32{-0.5}, 1},
		{"streamed size reads to the end", wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, dataSize: streamedSize, data: pcm16(1, 2, 3)},
			[]float32{1.0 / 32768, 2.0 / 32768, 3.0 / 32768}, 1},
		{"empty data", wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16}, nil, 1},
		{"pcm8 (unsigned)", wavSpec{tag: wavPCM, channels: 1, rate: 8000, bits: 8, data: []byte{128, 192, 0, 255}},
			[]float32{0, 0.5, -1, 127.0 / 128}, 1},
		{"pcm24 stereo averaged", wavSpec{tag: wavPCM, channels: 2, rate: 44100, bits: 24,
			data: []byte{0, 0, 0x40, 0, 0, 0xc0, 0xff, 0xff, 0x7f, 1, 0, 0}},
			[]float32{0, (float32(0x7fffff) + 1) / (1 << 24)}, 2},
		{"extensible pcm24 extremes", wavSpec{tag: wavExtensible, sub: wavPCM, channels: 1, rate: 48000, bits: 24,
			data: []byte{0, 0, 0x80, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff}},
			[]float32{-1, float32(0x7fffff) / (1 << 23), -1.0 / (1 << 23)}, 1},
		{"pcm32", wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 32, data: int32le(math.MinInt32, 1<<30, math.MaxInt32, -1)},
			[]float32{-1, 0.5, float32(float64(math.MaxInt32) / (1 << 31)), float32(-1.0 / (1 << 31))}, 1},
		{"float64", wavSpec{tag: wavFloat, channels: 1, rate: 22050, bits: 64, data: float64le(0.1, -2, 1e-300)},
			[]float32{0.1, -2, 0}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ReadWAV(bytes.NewReader(makeWAV(c.spec)))
			require.NoError(t, err)
			require.Equal(t, int(c.spec.rate), a.SampleRate)
			require.Equal(t, c.ch, a.Channels)
			require.Equal(t, append([]float32{}, c.want...), append([]float32{}, a.Samples...))
			// The same through a reader that cannot tell its length.
			b, err := ReadWAV(struct{ io.Reader }{bytes.NewReader(makeWAV(c.spec))})
			require.NoError(t, err)
			require.Equal(t, append([]float32{}, a.Samples...), append([]float32{}, b.Samples...))
		})
	}
}

func TestReadWAVTrailingChunksIgnored(t *testing.T) {
	b := makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(8192)})
	b = append(b, chunk("LIST", []byte("after the data"))...)
	a, err := ReadWAV(bytes.NewReader(b))
	require.NoError(t, err)
	require.Equal(t, []float32{0.25}, a.Samples)
}

func TestReadWAVErrors(t *testing.T) {
	ok := wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(1, 2)}
	with := func(f func(*wavSpec)) []byte { s := ok; f(&s); return makeWAV(s) }
	good := makeWAV(ok)
	cases := []struct {
		name string
		file []byte
		msg  string
	}{
		{"empty", nil, "shorter than a RIFF header"},
		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVEfmt "), "not a RIFF/WAVE file"},
		{"no chunks", []byte("RIFF\x04\x00\x00\x00WAVE"), "no fmt chunk"},
		{"no data", good[:12+8+16], "no data chunk"},
		{"data before fmt", append([]byte("RIFF\x00\x00\x00\x00WAVE"), chunk("data", pcm16(1))...), "data chunk before the fmt chunk"},
		{"12-bit pcm", with(func(s *wavSpec) { s.bits, s.blockAlign = 12, 2 }),
			"encoding PCM with 12 bits per sample is not supported: want 8-, 16-, 24- or 32-bit PCM, 8-bit A-law or µ-law, or 32- or 64-bit float"},
		{"40-bit pcm", with(func(s *wavSpec) { s.bits = 40 }), "PCM with 40 bits per sample is not supported"},
		{"float16", with(func(s *wavSpec) { s.tag = wavFloat }), "IEEE float with 16 bits per sample is not supported"},
		{"16-bit a-law", with(func(s *wavSpec) { s.tag = wavALaw }), "A-law with 16 bits"},
		{"16-bit µ-law", with(func(s *wavSpec) { s.tag = wavMuLaw }), "µ-law with 16 bits"},
		{"adpcm", with(func(s *wavSpec) { s.tag, s.bits, s.blockAlign = 2, 4, 1 }), "ADPCM with 4 bits"},
		{"extensible 20-bit", with(func(s *wavSpec) { s.tag, s.sub, s.bits, s.blockAlign = wavExtensible, wavPCM, 20, 3 }), "PCM with 20 bits"},
		{"24-bit data not whole frames", with(func(s *wavSpec) { s.bits = 24 }), "data chunk of 4 bytes is not a whole number of 3-byte frames"},
		{"zero channels", with(func(s *wavSpec) { s.channels, s.blockAlign = 0, 2 }), "0 channels"},
		{"zero rate", with(func(s *wavSpec) { s.rate = 0 }), "sample rate 0"},
		{"block align", with(func(s *wavSpec) { s.blockAlign = 3 }), "block align 3 != 1 channels × 2 bytes"},
		{"data not whole frames", with(func(s *wavSpec) { s.data = []byte{1, 2, 3} }), "data chunk of 3 bytes is not a whole number of 2-byte frames"},
		{"streamed data ends inside a frame", with(func(s *wavSpec) { s.data, s.dataSize = []byte{1, 2, 3}, streamedSize }), "data ends inside a frame"},
		{"truncated data", good[:len(good)-1], "data chunk declares 4 bytes, the file ends after 3"},
		{"huge data size", with(func(s *wavSpec) { s.dataSize = 0xFFFFFFF0 }), "data chunk declares 4294967280 bytes, the file ends after 4"},
		{"huge fmt size", append([]byte("RIFF\x00\x00\x00\x00WAVEfmt \xf0\xff\xff\xff"), good[20:]...), "fmt chunk of 4294967280 bytes (want 16 to 4096)"},
		{"short fmt", append([]byte("RIFF\x00\x00\x00\x00WAVE"), chunk("fmt ", make([]byte, 14))...), "fmt chunk of 14 bytes"},
		{"truncated fmt", good[:12+8+10], "fmt chunk declares 16 bytes, the file ends after 10"},
		{"huge other chunk", append([]byte("RIFF\x00\x00\x00\x00WAVELIST\xff\xff\xff\x7f"), good[12:]...), `"LIST" chunk declares 2147483647 bytes`},
		{"second fmt", append(append([]byte{}, good[:12+8+16]...), good[12:]...), "second fmt chunk"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, err := ReadWAV(bytes.NewReader(c.file))
			require.Nil(t, a)
			require.ErrorIs(t, err, ErrWAV)
			require.ErrorContains(t, err, c.msg)
		})
	}
}

// TestReadWAVHostileSizesAllocateLittle: sizes declared in the file do not
// drive allocation.
func TestReadWAVHostileSizesAllocateLittle(t *testing.T) {
	files := [][]byte{
		makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, dataSize: 0xFFFFFFF0, data: pcm16(1, 2)}),
		makeWAV(wavSpec{tag: wavFloat, channels: 65535, rate: 16000, bits: 32, blockAlign: 65532, data: pcm16(1, 2)}),
		append([]byte("RIFF\xff\xff\xff\xffWAVELIST\xff\xff\xff\xff"), make([]byte, 100)...),
	}
	for i, f := range files {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ReadWAV(bytes.NewReader(f))
		runtime.ReadMemStats(&after)
		require.Error(t, err, "file %d", i)
		require.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "file %d allocated", i)
	}
}

// failingReader returns its bytes, then err.
type failingReader struct {
	b   []byte
	err error
}

func (r *failingReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, r.err
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

func TestReadWAVReaderError(t *testing.T) {
	boom := errors.New("disk on fire")
	b := makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, dataSize: 1000,
		before: [][]byte{chunk("LIST", make([]byte, 100))}})
	for _, n := range []int{0, 5, 12, 30, 60, 140, len(b)} {
		_, err := ReadWAV(&failingReader{b: b[:n], err: boom})
		require.ErrorIs(t, err, boom, "failing after %d bytes", n)
	}
}

// TestReadWAVFile reads the committed recording: its length, rate and
// samples against the bytes of its data chunk (sox writes a plain
// 44-byte header).
func TestReadWAVFile(t *testing.T) {
	a, err := ReadWAVFile("../testdata/vad/speech16k.wav")
	require.NoError(t, err)
	require.Equal(t, 16000, a.SampleRate)
	require.Equal(t, 1, a.Channels)
	require.Len(t, a.Samples, 436803)
	require.InDelta(t, 27.3, a.Duration(), 0.001)
	raw, err := os.ReadFile("../testdata/vad/speech16k.wav")
	require.NoError(t, err)
	require.Equal(t, "data", string(raw[36:40]))
	var peak float32
	for i, s := range a.Samples {
		v := float32(int16(binary.LittleEndian.Uint16(raw[44+2*i:]))) / 32768
		require.Equal(t, v, s, "sample %d", i)
		peak = max(peak, float32(math.Abs(float64(s))))
	}
	require.Greater(t, peak, float32(0.5), "the recording is nearly silent")

	_, err = ReadWAVFile("../testdata/vad/missing.wav")
	require.ErrorIs(t, err, os.ErrNotExist)
	_, err = ReadWAVFile("../testdata/vad/ort_speech16k.json")
	require.ErrorIs(t, err, ErrWAV)
	require.ErrorContains(t, err, "ort_speech16k.json: ")
}

func FuzzReadWAV(f *testing.F) {
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(1, -2, 3)}))
	f.Add(makeWAV(wavSpec{tag: wavFloat, channels: 2, rate: 8000, bits: 32, data: float32le(0.5, 0.25)}))
	f.Add(makeWAV(wavSpec{tag: wavExtensible, sub: wavFloat, channels: 1, rate: 16000, bits: 32, data: float32le(1)}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, dataSize: streamedSize, data: pcm16(7)}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 1, rate: 16000, bits: 16, data: pcm16(7),
		before: [][]byte{chunk("LIST", []byte("odd"))}}))
	f.Add(makeWAV(wavSpec{tag: wavPCM, channels: 2, rate: 44100, bits: 8, data: []byte{1, 200, 128, 3}}))
	f.Add(makeWAV(wavSpec{tag: wavExtensible, sub: wavPCM, channels: 1, rate: 48000, bits: 24, data: []byte{1, 2, 3, 4, 5, 6}}))
	f.Add(makeWAV(wavSpec{tag: wavFloat, channels: 1, rate: 22050, bits: 64, data: float64le(0.5, -1)}))
	// G.711: µ-law and A-law, plain and WAVE_FORMAT_EXTENSIBLE.
	f.Add(makeWAV(wavSpec{tag: wavMuLaw, channels: 1, rate: 8000, bits: 8, data: []byte{0x00, 0x7f, 0x80, 0xff}}))
	f.Add(makeWAV(wavSpec{tag: wavALaw, channels: 2, rate: 8000, bits: 8, data: []byte{0x55, 0xd5, 0x2a, 0xaa}}))
	f.Add(makeWAV(wavSpec{tag: wavExtensible, sub: wavMuLaw, channels: 1, rate: 8000, bits: 8, data: []byte{0x12, 0x93}}))
	f.Add(makeWAV(wavSpec{tag: wavExtensible, sub: wavALaw, channels: 1, rate: 16000, bits: 8, dataSize: streamedSize, data: []byte{0x01}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadWAV(bytes.NewReader(b))
		if err != nil {
			require.Nil(t, a)
			if !errors.Is(err, ErrWAV) {
				t.Fatalf("error does not wrap ErrWAV: %v", err)
			}
			return
		}
		// At least one byte of the file per sample, a rate and a channel.
		require.LessOrEqual(t, len(a.Samples), len(b))
		require.Positive(t, a.SampleRate)
		require.Positive(t, a.Channels)
	})
}

// TestReadWAVG711: every one of the 256 µ-law and A-law codes decodes to
// the 16-bit value sox gives it (scripts/make_g711_fixtures.sh), scaled
// as 16-bit PCM is, and the same through WAVE_FORMAT_EXTENSIBLE.
func TestReadWAVG711(t *testing.T) {
	for _, law := range []struct {
		name string
		tag  uint16
	}{{"mulaw", wavMuLaw}, {"alaw", wavALaw}} {
		t.Run(law.name, func(t *testing.T) {
			got, err := ReadWAVFile("../testdata/vad/g711_" + law.name + ".wav")
			require.NoError(t, err)
			want, err := ReadWAVFile("../testdata/vad/g711_" + law.name + "_sox16.wav")
			require.NoError(t, err)
			require.Len(t, got.Samples, 256)
			require.Equal(t, want.Samples, got.Samples)
			require.Equal(t, 8000, got.SampleRate)
			codes := make([]byte, 256)
			for i := range codes {
				codes[i] = byte(i)
			}
			ext, err := ReadWAV(bytes.NewReader(makeWAV(wavSpec{tag: wavExtensible, sub: law.tag, channels: 1, rate: 8000, bits: 8, data: codes})))
			require.NoError(t, err)
			require.Equal(t, want.Samples, ext.Samples)
		})
	}
}
