package rnn

import (
	"encoding/binary"
	"fmt"
	"math"
)

// A State's binary form, written by MarshalBinary and AppendBinary and
// read by UnmarshalBinary, is
//
//	"RNNS" · version 1 (1 byte) · cell (1 byte: 0 Elman, 1 LSTM, 2 GRU)
//	· Layers, HiddenOut, Hidden (uint32 little-endian each)
//	· for each layer: h (HiddenOut float32), then c (Hidden float32, LSTM only)
//
// with every float32 little-endian. It holds the state only, not the
// network: it restores into a State of a network of the same cell and
// sizes.
const (
	stateMagic   = "RNNS"
	stateVersion = 1
	stateHeader  = len(stateMagic) + 2 + 3*4
)

// stateLen returns the size of the binary form of a State of n.
func (s *State) stateLen() int {
	c := s.n.cfg
	per := c.HiddenOut()
	if s.c != nil {
		per += c.Hidden
	}
	return stateHeader + 4*c.Layers*per
}

// AppendBinary appends the state's binary form to b (see MarshalBinary).
// With a b of enough capacity it allocates nothing: a way to snapshot a
// stream at every step.
func (s *State) AppendBinary(b []byte) ([]byte, error) {
	if s.err != nil {
		return b, s.err
	}
	c := s.n.cfg
	b = append(b, stateMagic...)
	b = append(b, stateVersion, byte(c.Cell))
	b = binary.LittleEndian.AppendUint32(b, uint32(c.Layers))
	b = binary.LittleEndian.AppendUint32(b, uint32(c.HiddenOut()))
	b = binary.LittleEndian.AppendUint32(b, uint32(c.Hidden))
	for l := range s.h {
		for _, v := range s.h[l] {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		if s.c != nil {
			for _, v := range s.c[l] {
				b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
			}
		}
	}
	return b, nil
}

// MarshalBinary returns the state's binary form: its cell and sizes, and
// every layer's h (and c), so that UnmarshalBinary on a State of the
// same network (or one of the same shape) resumes the stream exactly.
func (s *State) MarshalBinary() ([]byte, error) {
	if s.err != nil {
		return nil, s.err
	}
	return s.AppendBinary(make([]byte, 0, s.stateLen()))
}

// UnmarshalBinary restores a state written by MarshalBinary. The data
// must come from a network of the same cell, Layers, HiddenOut and
// Hidden; otherwise, or if it is truncated or malformed, it returns an
// error wrapping ErrFormat or ErrShape and leaves the State unchanged.
// Non-finite values are restored as they were saved.
func (s *State) UnmarshalBinary(data []byte) error {
	if s.err != nil {
		return s.err
	}
	c := s.n.cfg
	if len(data) < stateHeader || string(data[:4]) != stateMagic {
		return fmt.Errorf("%w: State.UnmarshalBinary: not a state (%d bytes, want the %q header)", ErrFormat, len(data), stateMagic)
	}
	if data[4] != stateVersion {
		return fmt.Errorf("%w: State.UnmarshalBinary: version %d, want %d", ErrFormat, data[4], stateVersion)
	}
	cell := CellType(data[5])
	layers := binary.LittleEndian.Uint32(data[6:])
	ho := binary.LittleEndian.Uint32(data[10:])
	hid := binary.LittleEndian.Uint32(data[14:])
	if cell != c.Cell || uint64(layers) != uint64(c.Layers) || uint64(ho) != uint64(c.HiddenOut()) || uint64(hid) != uint64(c.Hidden) {
		return shapeErr("State.UnmarshalBinary: a state of a %v cell with %d layers, h %d, hidden %d; this network is %s",
			cell, layers, ho, hid, describe(c))
	}
	if len(data) != s.stateLen() {
		return fmt.Errorf("%w: State.UnmarshalBinary: %d bytes, want %d", ErrFormat, len(data), s.stateLen())
	}
	p := data[stateHeader:]
	read := func(dst []float32) {
		for i := range dst {
			dst[i] = math.Float32frombits(binary.LittleEndian.Uint32(p))
			p = p[4:]
		}
	}
	for l := range s.h {
		read(s.h[l])
		if s.c != nil {
			read(s.c[l])
		}
	}
	return nil
}
