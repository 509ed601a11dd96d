//go:build linux || darwin

package weights

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/proctest"
	"github.com/stretchr/testify/require"
)

// saveChildEnv names the file a re-executed test binary saves to, over and
// over, until it is killed (see TestSaveKilled).
const saveChildEnv = "SIMDCORE_WEIGHTS_SAVE_CHILD"

func TestMain(m *testing.M) {
	if path := os.Getenv(saveChildEnv); path != "" {
		big := []Tensor{{Name: "w", Shape: []int{4 << 20}, Data: make([]float32, 4<<20)}} // 16 MB
		for {
			if err := Save(path, big, nil); err != nil {
				os.Stderr.WriteString(err.Error() + "\n")
				os.Exit(3)
			}
		}
	}
	os.Exit(m.Run())
}

// tempFiles lists the files in dir other than the model called base.
func tempFiles(t *testing.T, dir, base string) []string { return proctest.OtherFiles(t, dir, base) }

// TestSaveKilled kills a process in the middle of Save, which leaves its
// temporary file behind, and checks that the next Save to the same path
// removes it.
func TestSaveKilled(t *testing.T) {
	exe, err := os.Executable()
	require.NoError(t, err)
	dir := t.TempDir()
	const base = "m.safetensors"
	path := filepath.Join(dir, base)
	var left []string
	for attempt := 0; attempt < 5 && len(left) == 0; attempt++ {
		cmd := exec.Command(exe, "-test.run=^$")
		cmd.Env = append(os.Environ(), saveChildEnv+"="+path)
		proctest.KillWhen(t, cmd, func() bool { return len(tempFiles(t, dir, base)) > 0 }, 0)
		left = tempFiles(t, dir, base)
	}
	require.NotEmpty(t, left, "no temporary file left by a killed Save")
	t.Logf("left behind: %v", left)
	require.NoError(t, Save(path, []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}}, nil))
	require.Empty(t, tempFiles(t, dir, base), "the next Save leaves the dead process's temporary file")
	f, err := Open(path)
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, f.Names())
}

// TestSaveKeepsOthersTemp checks that Save leaves alone a temporary file of
// a live process (this one) and files that merely look like ours.
func TestSaveKeepsOthersTemp(t *testing.T) {
	dir := t.TempDir()
	const base = "m.safetensors"
	keep := []string{
		tempPrefix(base) + "1-x",                              // pid 1 (init) is alive
		tempPrefix(base) + strconv.Itoa(os.Getpid()) + "-abc", // our own
		tempPrefix(base) + "notapid-abc",                      // not our pattern
		".other.safetensors.tmp-999999999-abc",                // another model's
	}
	for _, n := range keep {
		require.NoError(t, os.WriteFile(filepath.Join(dir, n), nil, 0o600))
	}
	require.NoError(t, Save(filepath.Join(dir, base), nil, nil))
	require.ElementsMatch(t, keep, tempFiles(t, dir, base))
}

// TestSaveMode checks that Save keeps the permission bits of the file it
// replaces and creates a new file with 0644 less the umask.
func TestSaveMode(t *testing.T) {
	dir := t.TempDir()
	ok := []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}}
	private := filepath.Join(dir, "private.safetensors")
	require.NoError(t, os.WriteFile(private, []byte("old"), 0o600))
	require.NoError(t, os.Chmod(private, 0o600))
	require.NoError(t, Save(private, ok, nil))
	st, err := os.Stat(private)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm(), "an existing file's mode")

	umask := syscall.Umask(0o22)
	syscall.Umask(umask)
	fresh := filepath.Join(dir, "new.safetensors")
	require.NoError(t, Save(fresh, ok, nil))
	st, err = os.Stat(fresh)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644&^umask), st.Mode().Perm(), "a new file's mode")
}

// TestSaveSymlink checks that Save writes through a symlink at the path:
// the link stays, its target gets the new content and keeps its mode; a
// dangling link is refused.
func TestSaveSymlink(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "store")
	require.NoError(t, os.Mkdir(sub, 0o755))
	target := filepath.Join(sub, "v2.safetensors")
	require.NoError(t, os.WriteFile(target, []byte("old"), 0o600))
	link := filepath.Join(dir, "latest.safetensors")
	require.NoError(t, os.Symlink(filepath.Join("store", "v2.safetensors"), link))
	ok := []Tensor{{Name: "a", Shape: []int{1}, Data: []float32{1}}}
	require.NoError(t, Save(link, ok, nil))

	st, err := os.Lstat(link)
	require.NoError(t, err)
	require.Equal(t, os.ModeSymlink, st.Mode().Type(), "the link is still a link")
	st, err = os.Stat(target)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), st.Mode().Perm())
	f, err := Open(target)
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, f.Names())
	require.Empty(t, tempFiles(t, sub, "v2.safetensors"))
	require.Equal(t, []string{"store"}, tempFiles(t, dir, "latest.safetensors"))

	dangling := filepath.Join(dir, "dangling.safetensors")
	require.NoError(t, os.Symlink("nowhere.safetensors", dangling))
	require.Error(t, Save(dangling, ok, nil))
	_, err = os.Stat(filepath.Join(dir, "nowhere.safetensors"))
	require.ErrorIs(t, err, os.ErrNotExist)
}

// TestSaveRemovesOld checks that Save removes temporary files of its naming
// older than a day, whatever their process, and those of the naming of
// earlier versions, and keeps young ones of the earlier naming.
func TestSaveRemovesOld(t *testing.T) {
	dir := t.TempDir()
	const base = "m.safetensors"
	old := []string{tempPrefix(base) + "1-x", "." + base + ".tmp123456"}
	young := "." + base + ".tmp654321"
	long := time.Now().Add(-25 * time.Hour)
	for _, n := range append(old, young) {
		p := filepath.Join(dir, n)
		require.NoError(t, os.WriteFile(p, nil, 0o600))
		if n != young {
			require.NoError(t, os.Chtimes(p, long, long))
		}
	}
	require.NoError(t, Save(filepath.Join(dir, base), nil, nil))
	require.Equal(t, []string{young}, tempFiles(t, dir, base))
}
