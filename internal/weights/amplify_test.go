package weights

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/race"
)

// readLimit is the time a read of these headers may take: a linear parse
// of 8 MB takes well under a second, a quadratic one hours, so the limit
// only tells the two apart. The race detector's instrumentation makes
// the parse 5–20× slower, more on a loaded machine, so it gets ten times
// the limit.
var readLimit = 10 * time.Second

func init() {
	if race.Enabled {
		readLimit *= 10
	}
}

// readCost reads file and returns the error, the bytes allocated and the
// time taken.
func readCost(file []byte) (err error, alloc uint64, took time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err = readBytes(file)
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return err, after.TotalAlloc - before.TotalAlloc, took
}

// TestHeaderAmplification feeds Read headers built to cost far more than
// their size (many empty tensors, many metadata keys, a huge name, a huge
// number) and checks that each is refused with ErrFormat, that reading
// allocates at most a few times the file's size and takes a bounded time,
// and that the message quotes at most a few hundred bytes of the file.
func TestHeaderAmplification(t *testing.T) {
	const huge = 8 << 20
	var tensors, meta strings.Builder
	tensors.WriteString("{")
	for i := range 4 * MaxTensors {
		fmt.Fprintf(&tensors, `"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},`, i)
	}
	meta.WriteString(`{"__metadata__":{`)
	for i := range 64 * MaxMetadataKeys {
		fmt.Fprintf(&meta, `"k%d":"",`, i)
	}
	cases := map[string]string{
		"tensors":  strings.TrimSuffix(tensors.String(), ",") + "}",
		"metadata": strings.TrimSuffix(meta.String(), ",") + "}}",
		"name":     `{"` + strings.Repeat("n", huge) + `":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}`,
		"key":      `{"__metadata__":{"` + strings.Repeat("k", huge) + `":""}}`,
		"number":   `{"a":` + strings.Repeat("1", huge) + `}`,
		"dtype":    `{"a":{"dtype":"` + strings.Repeat("X", huge) + `","shape":[0],"data_offsets":[0,0]}}`,
		"rank":     `{"a":{"dtype":"F32","shape":[` + strings.Repeat("1,", huge/2) + `1],"data_offsets":[0,4]}}`,
		"fields":   `{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]` + strings.Repeat(`,"x":0`, huge/6) + `}}`,
		"offsets":  `{"a":{"dtype":"F32","shape":[0],"data_offsets":[` + strings.Repeat("0,", huge/2) + `0]}}`,
	}
	// A long array in an unknown field is skipped, and the file accepted,
	// at the same cost.
	array := `{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"x":[` + strings.Repeat(`0,`, huge/2) + `0]}}`
	if err, alloc, took := readCost(build(array, nil)); err != nil || alloc > 10*uint64(len(array))+1<<20 || took > readLimit {
		t.Errorf("array: %v, %d bytes allocated for %d, %v", err, alloc, len(array), took)
	}
	for name, hdr := range cases {
		t.Run(name, func(t *testing.T) {
			file := build(hdr, nil)
			err, alloc, took := readCost(file)
			t.Logf("%d-byte file: %d bytes allocated (%.1f×), %v; %.300s", len(file), alloc, float64(alloc)/float64(len(file)), took, err)
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error %v, want ErrFormat", err)
			}
			if len(err.Error()) > 600 {
				t.Errorf("message of %d bytes", len(err.Error()))
			}
			if alloc > 10*uint64(len(file))+1<<20 {
				t.Errorf("%d bytes allocated for a %d-byte file", alloc, len(file))
			}
			if took > readLimit {
				t.Errorf("took %v", took)
			}
		})
	}
}

// TestLimitsExact checks that a header at each limit is accepted and one
// past it refused.
func TestLimitsExact(t *testing.T) {
	header := func(tensors, keys, nameLen, rank int) string {
		var b strings.Builder
		b.WriteString(`{"__metadata__":{`)
		for i := range keys {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `"k%d":"v"`, i)
		}
		b.WriteString("}")
		for i := range tensors {
			fmt.Fprintf(&b, `,"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`, i)
		}
		fmt.Fprintf(&b, `,"%s":{"dtype":"F32","shape":[%s0],"data_offsets":[0,0]}}`,
			strings.Repeat("n", nameLen), strings.Repeat("1,", rank-1))
		return b.String()
	}
	ok := [4]int{MaxTensors - 1, MaxMetadataKeys, MaxNameLength, MaxRank}
	f, err := readBytes(build(header(ok[0], ok[1], ok[2], ok[3]), nil))
	if err != nil {
		t.Fatalf("at the limits: %v", err)
	}
	if f.Len() != MaxTensors || len(f.Metadata()) != MaxMetadataKeys {
		t.Fatalf("%d tensors, %d keys", f.Len(), len(f.Metadata()))
	}
	for i, want := range []string{"more than 65536 tensors", "more than 4096 keys", "longer than 4096 bytes", "shape has more than 64 entries"} {
		over := ok
		over[i]++
		_, err := readBytes(build(header(over[0], over[1], over[2], over[3]), nil))
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), want) {
			t.Errorf("one past limit %d: %v, want %q", i, err, want)
		}
	}
}

// TestDictClipsValues checks that a Dict's messages quote a bounded part
// of a huge metadata value.
func TestDictClipsValues(t *testing.T) {
	f, err := readBytes(build(`{"__metadata__":{"n":"`+strings.Repeat("x", 1<<20)+`"}}`, nil))
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = NewDict(f, "test: ", nil).Int("n", 0)
	if !errors.Is(err, ErrFormat) || len(err.Error()) > 300 || !strings.Contains(err.Error(), "…(1048576 bytes)") {
		t.Fatalf("%.400v", err)
	}
}

// TestHeaderMemoryAtMaxTensors reads the largest header of empty tensors
// Read accepts and bounds what it allocates to a small multiple of the
// file: the header itself, each tensor's description, name and shape,
// the name index and the sorted names. The parser built on
// encoding/json's Decoder allocated 27.8 times the file here.
func TestHeaderMemoryAtMaxTensors(t *testing.T) {
	var b strings.Builder
	b.WriteString("{")
	for i := range MaxTensors {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"t%d":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}`, i)
	}
	b.WriteString("}")
	file := build(b.String(), nil)
	err, alloc, took := readCost(file)
	if err != nil {
		t.Fatal(err)
	}
	ratio := float64(alloc) / float64(len(file))
	t.Logf("%d-byte file of %d tensors: %d bytes allocated (%.1f×), %v", len(file), MaxTensors, alloc, ratio, took)
	if ratio > 5 {
		t.Errorf("%d bytes allocated for a %d-byte file (%.1f×), want at most 5×", alloc, len(file), ratio)
	}
}
