//go:build linux || darwin

package reliability

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/proctest"
	"github.com/simdcore/simdcore/rnn"
	"github.com/stretchr/testify/require"
)

// saveChildEnv names the file a re-executed test binary saves the large
// model to, over and over, until it is killed (TestKillDuringSave).
const saveChildEnv = "SIMDCORE_RELIABILITY_SAVE_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(saveChildEnv); path != "" {
		big := largeNet()
		for {
			if err := big.Save(path, nil); err != nil {
				os.Stderr.WriteString(err.Error() + "\n")
				os.Exit(3)
			}
		}
	}
	os.Exit(m.Run())
}

// smallNet is the model on disk before the kill; largeNet (16 MB) the
// one being saved over it.
func smallNet() *rnn.Net { return mustNet(rnn.Config{Input: 3, Hidden: 4, Output: 2}, 1) }
func largeNet() *rnn.Net { return mustNet(rnn.Config{Input: 1024, Hidden: 1024, Layers: 2}, 2) }

func mustNet(cfg rnn.Config, seed uint64) *rnn.Net {
	n, err := rnn.New(cfg, seed)
	if err != nil {
		panic(err)
	}
	return n
}

func encoded(t *testing.T, n *rnn.Net) []byte {
	var b bytes.Buffer
	require.NoError(t, n.Encode(&b, nil))
	return b.Bytes()
}

// TestKillDuringSave kills (SIGKILL) a process in the middle of saving a
// large model over a small one. The file at the path must then be one of
// the two models byte for byte, never a mix or a truncation, and load;
// the temporary file the dead process left must be gone after the next
// save to that path.
func TestKillDuringSave(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	const base = "model.safetensors"
	path := filepath.Join(dir, base)
	small, large := encoded(t, smallNet()), encoded(t, largeNet())
	require.NoError(t, smallNet().Save(path, nil))

	var left []string
	for attempt := 0; attempt < 5 && len(left) == 0; attempt++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), saveChildEnv+"="+path)
		// Kill once the temporary file exists, at a different point of
		// the write each attempt.
		proctest.KillWhen(t, cmd, func() bool { return len(proctest.OtherFiles(t, dir, base)) > 0 }, time.Duration(attempt)*time.Millisecond)
		left = proctest.OtherFiles(t, dir, base)

		got, err := os.ReadFile(path)
		require.NoError(t, err)
		require.True(t, bytes.Equal(got, small) || bytes.Equal(got, large),
			"after the kill the model is %d bytes, neither the old one (%d) nor the new one (%d)", len(got), len(small), len(large))
		_, err = rnn.Load(path)
		require.NoError(t, err)
	}
	require.NotEmpty(t, left, "no save was caught in the middle")
	t.Logf("left behind by the killed save: %v", left)

	require.NoError(t, smallNet().Save(path, nil))
	require.Empty(t, proctest.OtherFiles(t, dir, base), "the next save leaves the dead process's temporary file")
	got, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, small, got)
}
