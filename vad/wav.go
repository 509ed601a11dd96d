package vad

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"

	"github.com/simdcore/simdcore/internal/regfile"
)

// Audio is a decoded recording: mono samples in [-1, 1] (n-bit PCM
// divided by 2^(n−1), 8-bit PCM, which is unsigned, less 128 first; IEEE
// float as stored) at SampleRate samples per second. Channels is
// how many channels the file had; they were averaged into Samples.
type Audio struct {
	SampleRate int
	Channels   int
	Samples    []float32
}

// Duration returns the length of the recording in seconds.
func (a *Audio) Duration() float64 {
	if a.SampleRate <= 0 {
		return 0
	}
	return float64(len(a.Samples)) / float64(a.SampleRate)
}

// ErrWAV is wrapped by every error ReadWAV returns for a file it cannot
// decode: not RIFF/WAVE, malformed or truncated chunks, or an encoding
// other than 8-, 16-, 24- and 32-bit PCM, 8-bit A-law and µ-law (G.711)
// and 32- and 64-bit IEEE float.
var ErrWAV = errors.New("vad: bad WAV file")

// wavErr formats an error that wraps ErrWAV.
func wavErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrWAV}, args...)...)
}

const (
	wavPCM        = 1
	wavFloat      = 3
	wavALaw       = 6
	wavMuLaw      = 7
	wavExtensible = 0xFFFE
	// maxFmtChunk bounds the fmt chunk we read into memory: the largest
	// standard one (WAVE_FORMAT_EXTENSIBLE) is 40 bytes.
	maxFmtChunk = 1 << 12
	// streamedSize is the data size that streaming writers (ffmpeg to a
	// pipe) put when they do not know it: read to the end of the file.
	streamedSize = 0xFFFFFFFF
	// readBlock is how many bytes of samples are decoded at a time: the
	// only buffer whose size does not follow the bytes actually present.
	readBlock = 1 << 16
)

// wavFormat is what the fmt chunk says.
type wavFormat struct {
	float    bool   // IEEE float, else PCM
	law      uint16 // wavALaw or wavMuLaw: 8-bit G.711 (bytes 1), else 0
	bytes    int    // per sample: 1 to 4 (PCM), 4 or 8 (float)
	channels int
	rate     int
	frame    int // bytes per frame (all channels)
}

// ReadWAVFile reads a WAV file with ReadWAV. The path names a regular
// file or a FIFO (a pipe such as a pipeline's /dev/stdin, for a streamed
// file); a FIFO is opened without waiting for a writer, so one with none
// is an empty file (an error) rather than a wait without end. Devices
// and directories are refused.
func ReadWAVFile(path string) (*Audio, error) {
	f, _, err := regfile.OpenStream(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	a, err := ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return a, nil
}

// ReadWAV decodes a RIFF/WAVE stream holding 8-bit unsigned, 16-, 24- or
// 32-bit signed PCM, 8-bit A-law or µ-law (G.711, as telephony records
// it; decoded to ITU-T G.711's 16-bit values, then scaled as 16-bit PCM)
// or 32- or 64-bit IEEE float samples (format tag 1, 6, 7 or 3, or
// WAVE_FORMAT_EXTENSIBLE with one of those sub-formats), any number of
// channels (averaged into one) and any sample rate (the detectors take
// 8000 and 16000 Hz: Resample converts others). Chunks other than fmt and
// data are skipped; the fmt chunk must come before data; reading stops at
// the end of the data chunk. A data size of 0xFFFFFFFF (a streamed file)
// means "to the end of the stream".
//
// Errors wrap ErrWAV, or are the reader's own. Sizes declared in the file
// are never trusted for allocation: memory is bounded by the bytes present
// (the samples take at most twice them), so a truncated or lying file
// costs at most what it holds (the samples take at most four times the
// bytes: one float32 per frame of at least one byte).
func ReadWAV(r io.Reader) (*Audio, error) {
	avail := bytesLeft(r)
	br := bufio.NewReaderSize(r, readBlock)
	var hdr [12]byte
	if _, err := io.ReadFull(br, hdr[:]); err != nil {
		if !isEOF(err) {
			return nil, err
		}
		return nil, wavErr("shorter than a RIFF header (12 bytes)")
	}
	if string(hdr[0:4]) != "RIFF" || string(hdr[8:12]) != "WAVE" {
		return nil, wavErr("not a RIFF/WAVE file (starts %q)", hdr[:12])
	}
	var format *wavFormat
	for {
		var ch [8]byte
		if _, err := io.ReadFull(br, ch[:]); err != nil {
			if !isEOF(err) {
				return nil, err
			}
			if format == nil {
				return nil, wavErr("no fmt chunk")
			}
			return nil, wavErr("no data chunk")
		}
		id := string(ch[0:4])
		size := binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			if format != nil {
				return nil, wavErr("second fmt chunk")
			}
			f, err := readFmt(br, size)
			if err != nil {
				return nil, err
			}
			format = f
		case "data":
			if format == nil {
				return nil, wavErr("data chunk before the fmt chunk")
			}
			return readData(br, size, format, avail)
		default:
			if err := skipChunk(br, id, size); err != nil {
				return nil, err
			}
		}
	}
}

// isEOF reports whether err is the end of the stream (at a boundary or
// inside a read).
func isEOF(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// skipChunk discards a chunk's body and its pad byte (chunks are
// word-aligned: an odd size is followed by one zero byte).
func skipChunk(br *bufio.Reader, id string, size uint32) error {
	n := int64(size) + int64(size&1)
	got, err := io.CopyN(io.Discard, br, n)
	if err != nil {
		if !isEOF(err) {
			return err
		}
		if got >= int64(size) {
			return nil // a missing pad byte at the very end
		}
		return wavErr("%q chunk declares %d bytes, the file ends after %d", id, size, got)
	}
	return nil
}

// readFmt parses the fmt chunk and checks that it is an encoding we read.
func readFmt(br *bufio.Reader, size uint32) (*wavFormat, error) {
	if size < 16 || size > maxFmtChunk {
		return nil, wavErr("fmt chunk of %d bytes (want 16 to %d)", size, maxFmtChunk)
	}
	buf := make([]byte, size+size&1) // with the pad byte of an odd size
	if n, err := io.ReadFull(br, buf); err != nil {
		if !isEOF(err) {
			return nil, err
		}
		return nil, wavErr("fmt chunk declares %d bytes, the file ends after %d", size, n)
	}
	le := binary.LittleEndian
	tag := le.Uint16(buf[0:2])
	channels := int(le.Uint16(buf[2:4]))
	rate := le.Uint32(buf[4:8])
	blockAlign := int(le.Uint16(buf[12:14]))
	bits := int(le.Uint16(buf[14:16]))
	if tag == wavExtensible {
		// cbSize (2), valid bits (2), channel mask (4), sub-format GUID
		// whose first two bytes are the format tag.
		if size < 40 {
			return nil, wavErr("WAVE_FORMAT_EXTENSIBLE fmt chunk of %d bytes (want 40)", size)
		}
		tag = le.Uint16(buf[24:26])
	}
	f := &wavFormat{channels: channels, rate: int(rate), bytes: bits / 8}
	switch {
	case tag == wavPCM && (bits == 8 || bits == 16 || bits == 24 || bits == 32):
	case tag == wavFloat && (bits == 32 || bits == 64):
		f.float = true
	case (tag == wavALaw || tag == wavMuLaw) && bits == 8:
		f.law = tag
	default:
		return nil, wavErr("encoding %s with %d bits per sample is not supported: want 8-, 16-, 24- or 32-bit PCM, 8-bit A-law or µ-law, or 32- or 64-bit float", tagName(tag), bits)
	}
	if channels < 1 {
		return nil, wavErr("%d channels", channels)
	}
	if rate == 0 || rate > math.MaxInt32 {
		return nil, wavErr("sample rate %d", rate)
	}
	f.frame = channels * bits / 8
	if blockAlign != f.frame {
		return nil, wavErr("block align %d != %d channels × %d bytes", blockAlign, channels, bits/8)
	}
	return f, nil
}

// tagName names a WAVE format tag for an error message.
func tagName(tag uint16) string {
	switch tag {
	case wavPCM:
		return "PCM"
	case wavFloat:
		return "IEEE float"
	case wavALaw:
		return "A-law"
	case wavMuLaw:
		return "µ-law"
	case 2:
		return "ADPCM"
	}
	return fmt.Sprintf("format tag %#x", tag)
}

// bytesLeft returns how many bytes r holds from here when it can tell
// (a file, a bytes or strings reader), else -1.
func bytesLeft(r io.Reader) int64 {
	switch v := r.(type) {
	case interface{ Len() int }:
		return int64(v.Len())
	case *os.File:
		st, err := v.Stat()
		if err != nil || !st.Mode().IsRegular() {
			return -1
		}
		at, err := v.Seek(0, io.SeekCurrent)
		if err != nil {
			return -1
		}
		return st.Size() - at
	}
	return -1
}

// readData decodes the data chunk block by block, averaging channels.
// avail (≥ 0 when known) is the number of bytes the whole stream held: the
// samples are allocated once when the data size and it agree on a bound,
// and grow with what is read otherwise.
func readData(br *bufio.Reader, size uint32, f *wavFormat, avail int64) (*Audio, error) {
	a := &Audio{SampleRate: f.rate, Channels: f.channels}
	toEnd := size == streamedSize
	if avail >= 0 {
		bound := avail
		if !toEnd {
			bound = min(bound, int64(size))
		}
		a.Samples = make([]float32, 0, bound/int64(f.frame))
	}
	if !toEnd && int64(size)%int64(f.frame) != 0 {
		return nil, wavErr("data chunk of %d bytes is not a whole number of %d-byte frames", size, f.frame)
	}
	block := make([]byte, max(readBlock/f.frame, 1)*f.frame)
	var left int64 = int64(size)
	var read int64
	for toEnd || left > 0 {
		want := int64(len(block))
		if !toEnd {
			want = min(want, left)
		}
		n, err := io.ReadFull(br, block[:want])
		read += int64(n)
		left -= int64(n)
		ended := isEOF(err)
		switch {
		case err != nil && !ended:
			return nil, err
		case ended && !toEnd:
			return nil, wavErr("data chunk declares %d bytes, the file ends after %d", size, read)
		case n%f.frame != 0:
			return nil, wavErr("data ends inside a frame (%d bytes, %d-byte frames)", read, f.frame)
		}
		a.Samples = appendFrames(a.Samples, block[:n], f)
		if ended {
			return a, nil
		}
	}
	return a, nil
}

// appendFrames decodes whole frames of b and appends one mono sample per
// frame: the mean of its channels.
func appendFrames(dst []float32, b []byte, f *wavFormat) []float32 {
	channels := float32(f.channels)
	for p := 0; p+f.frame <= len(b); p += f.frame {
		var s float32
		for c := 0; c < f.channels; c++ {
			s += f.sample(b[p+f.bytes*c:])
		}
		if f.channels > 1 {
			s /= channels
		}
		dst = append(dst, s)
	}
	return dst
}

// sample decodes one channel's sample at the start of b: PCM scaled to
// [-1, 1) (exact up to 24 bits; 32-bit PCM and 64-bit float rounded once
// to float32), A-law and µ-law as their 16-bit values scaled the same,
// float32 as stored.
func (f *wavFormat) sample(b []byte) float32 {
	le := binary.LittleEndian
	switch {
	case f.law == wavMuLaw:
		return float32(muLaw16(b[0])) / 32768
	case f.law == wavALaw:
		return float32(aLaw16(b[0])) / 32768
	case f.float && f.bytes == 4:
		return math.Float32frombits(le.Uint32(b))
	case f.float:
		return float32(math.Float64frombits(le.Uint64(b)))
	case f.bytes == 1:
		return float32(int(b[0])-128) / 128
	case f.bytes == 2:
		return float32(int16(le.Uint16(b))) / 32768
	case f.bytes == 3:
		return float32(int32(uint32(b[0])<<8|uint32(b[1])<<16|uint32(b[2])<<24)>>8) / (1 << 23)
	}
	return float32(float64(int32(le.Uint32(b))) / (1 << 31))
}

// muLaw16 decodes one µ-law byte to ITU-T G.711's 16-bit linear value
// (±32124 at most), as libsndfile and sox do.
func muLaw16(b byte) int16 {
	u := ^b
	t := (int(u&0x0F)<<3 + 0x84) << ((u & 0x70) >> 4)
	if u&0x80 != 0 {
		return int16(0x84 - t)
	}
	return int16(t - 0x84)
}

// aLaw16 decodes one A-law byte to ITU-T G.711's 16-bit linear value
// (±32256 at most), as libsndfile and sox do.
func aLaw16(b byte) int16 {
	a := b ^ 0x55
	t := int(a&0x0F) << 4
	switch seg := (a & 0x70) >> 4; seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t = (t + 0x108) << (seg - 1)
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
