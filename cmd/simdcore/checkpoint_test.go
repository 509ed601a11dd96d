package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/simdcore/simdcore/internal/weights"
	"github.com/simdcore/simdcore/optim"
	"github.com/simdcore/simdcore/rnn"
	"github.com/simdcore/simdcore/tlm"
	"github.com/stretchr/testify/require"
)

// trainArgs are the arguments of a small, quick training run into out.
func trainArgs(f map[string]string, out string, more ...string) []string {
	return append([]string{"train", "-text", f["corpus.txt"], "-hidden", "8", "-embed", "4", "-seqlen", "8", "-batch", "2", "-lr", "0.02", "-out", out}, more...)
}

// TestTrainResumeContinuesExactly: 7 updates, then -resume for 5 more,
// writes the very file that 12 updates in one run write: the checkpoint
// keeps Adam's moments and step count (under the names package optim
// documents), so the resumed run updates exactly as the uninterrupted
// one. Before, Adam restarted from zero moments on -resume and the
// weights differed.
func TestTrainResumeContinuesExactly(t *testing.T) {
	f := testFiles(t)
	whole, split := filepath.Join(f["dir"], "whole.st"), filepath.Join(f["dir"], "split.st")
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(trainArgs(f, whole, "-steps", "12"), &out, &errb), errb.String())
	require.Equal(t, 0, run(trainArgs(f, split, "-steps", "7"), &out, &errb), errb.String())

	ckpt, err := weights.Open(split)
	require.NoError(t, err)
	require.Equal(t, "7", ckpt.Metadata()[optim.AdamSteps])
	lm, err := rnn.LoadLM(split)
	require.NoError(t, err, "a checkpoint loads as a plain model")
	for _, p := range lm.Params() {
		for _, prefix := range []string{optim.AdamFirstMoment, optim.AdamSecondMoment} {
			s, err := ckpt.Shape(prefix + p.Name)
			require.NoError(t, err)
			require.Equal(t, []int{len(p.Data)}, s)
		}
	}

	out.Reset()
	errb.Reset()
	require.Equal(t, 0, run(trainArgs(f, split, "-steps", "5", "-resume"), &out, &errb), errb.String())
	require.Contains(t, out.String(), "(12 in all)")
	requireSameResume(t, whole, split, errb.String(), "7 + 5 resumed updates differ from 12 in one run")
}

// TestTransformerResumeContinuesExactly is TestTrainResumeContinuesExactly
// for -arch transformer: the checkpoint holds Adam's state for every
// parameter of tlm's Params, and the resumed run writes the same file.
func TestTransformerResumeContinuesExactly(t *testing.T) {
	f := testFiles(t)
	whole, split := filepath.Join(f["dir"], "whole.st"), filepath.Join(f["dir"], "split.st")
	args := func(out string, more ...string) []string {
		return append([]string{"train", "-arch", "transformer", "-text", f["corpus.txt"], "-embed", "8", "-heads", "2", "-ff", "8",
			"-seqlen", "8", "-batch", "2", "-lr", "0.02", "-out", out}, more...)
	}
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(args(whole, "-steps", "6"), &out, &errb), errb.String())
	require.Equal(t, 0, run(args(split, "-steps", "4"), &out, &errb), errb.String())
	ckpt, err := weights.Open(split)
	require.NoError(t, err)
	m, err := tlm.Load(split)
	require.NoError(t, err, "a checkpoint loads as a plain model")
	for _, p := range m.Params(m.NewGrads()) {
		s, err := ckpt.Shape(optim.AdamSecondMoment + p.Name)
		require.NoError(t, err)
		require.Equal(t, []int{len(p.Value)}, s)
	}
	require.Equal(t, 0, run([]string{"train", "-text", f["corpus.txt"], "-seqlen", "8", "-batch", "2", "-lr", "0.02", "-out", split, "-steps", "2", "-resume"}, &out, &errb), errb.String())
	requireSameResume(t, whole, split, errb.String(), "4 + 2 resumed updates differ from 6 in one run")
}

// TestTrainResumeWithoutOptimiserState: a model with no optimiser state
// (written by LM.Save, as earlier versions of train did) still resumes,
// with a note that Adam starts afresh; a checkpoint whose state does not
// fit is refused before training and left as it was.
func TestTrainResumeWithoutOptimiserState(t *testing.T) {
	f := testFiles(t)
	model := filepath.Join(f["dir"], "m.st")
	var out, errb bytes.Buffer
	require.Equal(t, 0, run(trainArgs(f, model, "-steps", "2"), &out, &errb), errb.String())
	lm, err := rnn.LoadLM(model, rnn.WithMetadata(new(map[string]string)))
	require.NoError(t, err)
	require.NoError(t, lm.Save(model, map[string]string{metaSteps: "2"}))
	errb.Reset()
	require.Equal(t, 0, run(trainArgs(f, model, "-steps", "1", "-resume"), &out, &errb), errb.String())
	require.Contains(t, errb.String(), "holds no optimiser state")

	// Break the saved state: a second moment that Adam cannot reach.
	ckpt, err := weights.Open(model)
	require.NoError(t, err)
	var ts []weights.Tensor
	for _, n := range ckpt.Names() {
		tn, err := ckpt.Tensor(n)
		require.NoError(t, err)
		if strings.HasPrefix(n, optim.AdamSecondMoment) {
			tn.Data[0] = -1
		}
		ts = append(ts, tn)
	}
	require.NoError(t, weights.Save(model, ts, ckpt.Metadata()))
	before, err := os.ReadFile(model)
	require.NoError(t, err)
	errb.Reset()
	require.Equal(t, 2, run(trainArgs(f, model, "-steps", "1", "-resume"), &out, &errb))
	require.Contains(t, errb.String(), "invalid optimiser state")
	after, err := os.ReadFile(model)
	require.NoError(t, err)
	require.Equal(t, before, after)
}

// TestTrainInterruptInsideUpdate: a run whose single update would take
// tens of seconds (-batch 5000000) shows its progress within a second,
// and SIGINT stops it within a second, inside the update, with status
// 130 and the checkpoint it resumed from unchanged, optimiser state
// included: the update was abandoned, not half applied. Before, the
// update ran to its end, deaf to the signal, with no output.
func TestTrainInterruptInsideUpdate(t *testing.T) {
	if runtime.GOOS == "windows" || (testing.Short() && runtime.GOARCH != "amd64") {
		t.Skip("needs POSIX signals and the built binary")
	}
	f := testFiles(t)
	model := filepath.Join(f["dir"], "ckpt.st")
	var o0, e0 bytes.Buffer
	require.Equal(t, 0, run(trainArgs(f, model, "-steps", "3"), &o0, &e0), e0.String())
	before, err := os.ReadFile(model)
	require.NoError(t, err)

	cmd := exec.Command(builtBinary(t), trainArgs(f, model, "-resume", "-steps", "10", "-batch", "5000000")...)
	var o, e syncBuffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	require.NoError(t, cmd.Start())
	for !strings.Contains(e.String(), "update 1 running") && time.Since(start) < 10*time.Second {
		time.Sleep(10 * time.Millisecond)
	}
	shown := time.Since(start)
	require.Less(t, shown, time.Second, "no progress within a second: stderr %q", e.String())

	time.Sleep(200 * time.Millisecond) // well inside the update
	sent := time.Now()
	require.NoError(t, cmd.Process.Signal(syscall.SIGINT))
	err = cmd.Wait()
	took := time.Since(sent)
	t.Logf("progress shown after %v; SIGINT took effect and the checkpoint was saved in %v", shown, took)
	require.Less(t, took, time.Second, "SIGINT took effect after %v", took)
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "stderr: %s", e.String())
	require.Equal(t, 130, ee.ExitCode(), "stderr: %s", e.String())
	require.Contains(t, o.String(), "interrupted; checkpoint saved: no update completed (3 in all)")
	after, err := os.ReadFile(model)
	require.NoError(t, err)
	require.True(t, bytes.Equal(before, after), "the checkpoint changed")
}

// requireSameResume checks that a resumed run wrote split byte for byte
// as the uninterrupted one wrote whole, without a note on stderr that
// the optimiser state was missing.
func requireSameResume(t *testing.T, whole, split, stderr, msg string) {
	t.Helper()
	a, err := os.ReadFile(whole)
	require.NoError(t, err)
	b, err := os.ReadFile(split)
	require.NoError(t, err)
	require.True(t, bytes.Equal(a, b), msg)
	require.NotContains(t, stderr, "optimiser state")
}
