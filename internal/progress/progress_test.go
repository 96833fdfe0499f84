package progress

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestLine(t *testing.T) {
	c := &clock{t: time.Unix(1000, 0)}
	var b bytes.Buffer
	r := New(&b, 10, Options{Now: c.now})
	if got := r.Line(); !strings.Contains(got, "0/10 specs") || !strings.Contains(got, "? left") {
		t.Errorf("at start: %q", got)
	}
	r.Add(Spec{Requests: 3})
	r.Add(Spec{Failed: true, Requests: 4, Retries: 1})
	c.t = c.t.Add(20 * time.Second)
	want := "progress: 2/10 specs, 1 failed, 7 requests, 1 throttled retries, 20s elapsed, ~1m20s left"
	if got := r.Line(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	r.Show()
	r.Stop()
	if b.String() != want+"\n" {
		t.Errorf("off a terminal: %q", b.String())
	}
}

func TestTerminalRedrawsInPlace(t *testing.T) {
	var b bytes.Buffer
	r := New(&b, 1, Options{Terminal: true})
	r.Show()
	r.Add(Spec{})
	r.Show()
	r.Stop()
	out := b.String()
	if strings.Count(out, "\r") != 3 || strings.Contains(out, "\n") || !strings.HasSuffix(out, "\r\033[K") {
		t.Errorf("terminal output %q: want two redraws and a cleared line, no newline", out)
	}
}

// signalWriter tells, on wrote, of every write.
type signalWriter struct{ wrote chan string }

func (w signalWriter) Write(p []byte) (int, error) {
	w.wrote <- string(p)
	return len(p), nil
}

func TestStartShowsUntilStop(t *testing.T) {
	w := signalWriter{wrote: make(chan string)}
	r := New(w, 1, Options{Every: time.Millisecond})
	r.Start()
	if line := <-w.wrote; !strings.Contains(line, "0/1 specs") {
		t.Errorf("first line %q", line)
	}
	go func() {
		for range w.wrote { // drain ticks racing with Stop
		}
	}()
	r.Stop()
	close(w.wrote) // a write after Stop would panic here
}

func TestEncodeDecode(t *testing.T) {
	var b bytes.Buffer
	in := Spec{Failed: true, Requests: 5, Retries: 2}
	if err := Encode(&b, in); err != nil {
		t.Fatal(err)
	}
	out, ok := Decode(b.String())
	if !ok || out != in {
		t.Errorf("round trip: %+v %v", out, ok)
	}
	for _, line := range []string{"", "panic: x", "callconf-progress {", "callconf-progress"} {
		if _, ok := Decode(line); ok {
			t.Errorf("Decode(%q) is ok", line)
		}
	}
}
