package weights

// RawBytes returns the stored bytes of the tensor name in f, for the
// external tests' bit-for-bit comparisons of two files.
func RawBytes(f *File, name string) ([]byte, bool) {
	info, ok := f.lookup(name)
	if !ok {
		return nil, false
	}
	return f.data[info.Begin:info.End], true
}
