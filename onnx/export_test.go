package onnx

// LoadDataSet plans m for a data set in ONNX's test layout and fills the
// session's inputs, for tests that run it again (zero allocations).
func LoadDataSet(m *Model, dir string) (*Session, error) {
	s, _, err := loadDataSet(m, dir)
	return s, err
}
