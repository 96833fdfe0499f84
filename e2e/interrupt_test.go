//go:build unix

package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/reference"
)

// The harness's clock never fails a target (issue 17, item 5): a run against the reference that
// an interrupt or --deadline cuts reports no requirement failed, the verdict INCOMPLETE and exit
// 2, in every process of a parallel run, and still deletes every call it created.

// slowReference serves the reference with latency on 127.0.0.1:0; fire receives once the
// request count reaches the value at holds (0: never).
type slowReference struct {
	srv    *reference.Server
	url    string
	served atomic.Int64
	at     atomic.Int64
	fire   chan struct{}
}

const interruptToken = "e2e-interrupt-token"

func serveSlowReference(t *testing.T, latency time.Duration) *slowReference {
	t.Helper()
	srv, err := reference.New(reference.Options{Token: interruptToken, Latency: latency})
	if err != nil {
		t.Fatal(err)
	}
	s := &slowReference{srv: srv, fire: make(chan struct{}, 1)}
	s.url = serveOn(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n := s.served.Add(1); n == s.at.Load() {
			select {
			case s.fire <- struct{}{}:
			default:
			}
		}
		srv.ServeHTTP(w, r)
	}))
	return s
}

// cutRun runs the runner against s in a process group of its own, as a terminal starts it;
// interrupt, when true, sends SIGINT to the whole group (as Ctrl-C does) once s has served
// `after` requests. It returns the exit status, stdout, conformance.json, and how many calls
// the run left on s.
func cutRun(t *testing.T, s *slowReference, interrupt bool, after int64, args ...string) (int, string, cutReport, int) {
	t.Helper()
	before := s.srv.Len()
	s.served.Store(0)
	s.at.Store(after)
	dir := t.TempDir()
	cmd := exec.Command(runnerBin, append([]string{"--base-url", s.url, "--report-dir", dir, "-q"}, args...)...)
	cmd.Env = append(config.WithoutEnv(os.Environ()), "CALLCONF_TOKEN="+interruptToken)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	limit := time.After(40 * time.Second)
	var fire <-chan struct{}
	if interrupt {
		fire = s.fire
	}
	for {
		select {
		case <-fire:
			if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGINT); err != nil {
				t.Fatalf("interrupting the run: %v", err)
			}
			fire = nil
			continue
		case <-limit:
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
			t.Fatalf("the run did not end within 40s\nstdout:\n%s\nstderr:\n%s", tail(out.String(), 4000), tail(errb.String(), 2000))
		case <-done:
		}
		break
	}
	if interrupt && fire != nil {
		t.Fatalf("the run ended before its %dth request (%d served): the interrupt never came\n%s", after, s.served.Load(), tail(out.String(), 4000))
	}
	var c cutReport
	b, err := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		t.Fatalf("conformance.json: %v\nstdout:\n%s\nstderr:\n%s", err, tail(out.String(), 4000), tail(errb.String(), 2000))
	}
	return cmd.ProcessState.ExitCode(), out.String(), c, s.srv.Len() - before
}

// cutReport is the part of conformance.json these tests read.
type cutReport struct {
	Verdict      string
	ExitCode     int
	Requirements []struct {
		ID, Outcome   string
		Inconclusives []struct{ Spec, Cause string } `json:"inconclusive"`
	}
}

// checkCut asserts what a cut run must show: exit 2, INCOMPLETE in the terminal and the
// report, no requirement failed, at least one spec cut with the cause named, and no call left
// on the target.
func checkCut(t *testing.T, code int, stdout string, c cutReport, left int, cause string) {
	t.Helper()
	if code != 2 || c.ExitCode != 2 || c.Verdict != "INCOMPLETE" {
		t.Errorf("exit %d, report %s (exit %d); want INCOMPLETE, exit 2\n%s", code, c.Verdict, c.ExitCode, tail(stdout, 4000))
	}
	if !bytes.Contains([]byte(stdout), []byte("verdict: INCOMPLETE")) {
		t.Errorf("the terminal does not say INCOMPLETE:\n%s", tail(stdout, 4000))
	}
	cut := 0
	for _, r := range c.Requirements {
		if r.Outcome == "failed" {
			t.Errorf("%s failed in a run the harness cut:\n%s", r.ID, tail(stdout, 6000))
		}
		for _, i := range r.Inconclusives {
			if bytes.Contains([]byte(i.Cause), []byte(cause)) {
				cut++
			}
		}
	}
	if cut == 0 {
		t.Errorf("no spec is inconclusive with the cause %q:\n%s", cause, tail(stdout, 6000))
	}
	if left != 0 {
		t.Errorf("%d created calls were left on the target: the clean-up did not run", left)
	}
}

// TestInterruptNeverFailsATarget interrupts runs at several moments, as Ctrl-C does (SIGINT to
// the whole process group): early and later in a parallel run, and in a serial one.
func TestInterruptNeverFailsATarget(t *testing.T) {
	s := serveSlowReference(t, 100*time.Millisecond)
	for _, tc := range []struct {
		procs int
		after int64 // the request that triggers the interrupt (discovery sends the first few)
	}{{4, 20}, {4, 75}, {4, 160}, {1, 40}} {
		t.Run("procs "+strconv.Itoa(tc.procs)+" after "+strconv.FormatInt(tc.after, 10)+" requests", func(t *testing.T) {
			code, stdout, c, left := cutRun(t, s, true, tc.after, "--procs", strconv.Itoa(tc.procs))
			checkCut(t, code, stdout, c, left, "interrupted")
		})
	}
}

// TestDeadlineNeverFailsATarget: --deadline cuts a parallel run in the middle of specs.
func TestDeadlineNeverFailsATarget(t *testing.T) {
	s := serveSlowReference(t, 100*time.Millisecond)
	code, stdout, c, left := cutRun(t, s, false, 0, "--procs", "4", "--deadline", "3s", "--timeout", "2s")
	checkCut(t, code, stdout, c, left, "cut by the deadline")
}
