// Package testsupport holds the few helpers that the tests of several packages share: a buffer
// safe for concurrent writes, a clock the test moves, and a loopback server that stops with the
// test. Only tests import it.
//
// It imports the standard library and internal/listen.
package testsupport

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/listen"
)

// Buffer is a bytes.Buffer safe for concurrent writes: a log, or a child's stderr, that the test
// reads while it is written, or waits on (WaitFor) without polling.
type Buffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{} // closed by the next Write; nil when nobody waits
}

func (s *Buffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.wrote != nil {
		close(s.wrote)
		s.wrote = nil
	}
	return s.b.Write(p)
}

// WaitFor waits until the buffer holds sub, for at most d, and reports whether it does.
func (s *Buffer) WaitFor(sub string, d time.Duration) bool {
	timeout := time.NewTimer(d)
	defer timeout.Stop()
	for {
		s.mu.Lock()
		if bytes.Contains(s.b.Bytes(), []byte(sub)) {
			s.mu.Unlock()
			return true
		}
		if s.wrote == nil {
			s.wrote = make(chan struct{})
		}
		wrote := s.wrote
		s.mu.Unlock()
		select {
		case <-wrote:
		case <-timeout.C:
			return strings.Contains(s.String(), sub)
		}
	}
}

func (s *Buffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Clock is a clock the test moves, for the code under test to read through Now.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock returns a clock that reads t until moved.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// Serve serves h on a loopback port with the limits l until the test ends; a shutdown that fails
// fails the test.
func Serve(t testing.TB, h http.Handler, l listen.Limits) *listen.Server {
	t.Helper()
	run, err := listen.StartWithLimits("127.0.0.1:0", h, l)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := run.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
	})
	return run
}
