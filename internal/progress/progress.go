// Package progress shows how far a run of the conformance suite is, for people watching it: on a
// terminal one line updated in place, elsewhere (CI logs) a plain line every 10 seconds. It
// counts specs done of the total, failures so far, requests, throttled retries, elapsed time and
// an estimate of the time left. It also carries one finished spec from a child process of a
// parallel run to the parent, as a line of JSON. Nothing of it goes into report files.
//
// It imports the standard library only.
package progress

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// Spec is what one finished spec adds to the progress.
type Spec struct {
	Failed   bool `json:"failed,omitempty"`
	Requests int  `json:"requests,omitempty"`
	Retries  int  `json:"retries,omitempty"`
}

// linePrefix starts every progress line a child process writes.
const linePrefix = "callconf-progress "

// Encode writes s as one progress line, for the parent process to Decode.
func Encode(w io.Writer, s Spec) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintf(w, "%s%s\n", linePrefix, b)
	return err
}

// Decode reads a line Encode wrote; ok is false for any other line.
func Decode(line string) (s Spec, ok bool) {
	rest, ok := strings.CutPrefix(strings.TrimRight(line, "\r\n"), linePrefix)
	if !ok {
		return Spec{}, false
	}
	return s, json.Unmarshal([]byte(rest), &s) == nil
}

// Options shape a Reporter.
type Options struct {
	// Terminal redraws one line in place; otherwise a plain line is written every Every.
	Terminal bool
	// Every is the time between lines: 0 means 250ms on a terminal, 10s otherwise.
	Every time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Reporter counts finished specs and shows the progress. It is safe for concurrent use.
type Reporter struct {
	w     io.Writer
	o     Options
	total int
	start time.Time

	mu                              sync.Mutex
	done, failed, requests, retries int
	shown                           bool // a terminal line is on screen
	stop                            chan struct{}
	wg                              sync.WaitGroup
}

// New returns a reporter of a run of total specs, started now.
func New(w io.Writer, total int, o Options) *Reporter {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Every <= 0 {
		o.Every = 10 * time.Second
		if o.Terminal {
			o.Every = 250 * time.Millisecond
		}
	}
	return &Reporter{w: w, o: o, total: total, start: o.Now()}
}

// Start shows the progress every Options.Every until Stop.
func (r *Reporter) Start() {
	r.stop = make(chan struct{})
	r.wg.Go(func() {
		t := time.NewTicker(r.o.Every)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				r.Show()
			case <-r.stop:
				return
			}
		}
	})
}

// Stop ends the updates and, on a terminal, clears the line.
func (r *Reporter) Stop() {
	if r.stop != nil {
		close(r.stop)
		r.wg.Wait()
		r.stop = nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.shown {
		fmt.Fprint(r.w, "\r\033[K")
		r.shown = false
	}
}

// Add counts one finished spec.
func (r *Reporter) Add(s Spec) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done++
	if s.Failed {
		r.failed++
	}
	r.requests += s.Requests
	r.retries += s.Retries
}

// Show writes the progress once: in place on a terminal, as a line of its own otherwise.
func (r *Reporter) Show() {
	r.mu.Lock()
	defer r.mu.Unlock()
	line := r.line()
	if r.o.Terminal {
		fmt.Fprint(r.w, "\r"+line+"\033[K")
		r.shown = true
		return
	}
	fmt.Fprintln(r.w, line)
}

// Line returns the progress as text.
func (r *Reporter) Line() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.line()
}

func (r *Reporter) line() string {
	elapsed := r.o.Now().Sub(r.start)
	left := "?"
	if r.done > 0 && r.done <= r.total {
		left = "~" + round(time.Duration(float64(elapsed)*float64(r.total-r.done)/float64(r.done)))
	}
	return fmt.Sprintf("progress: %d/%d specs, %d failed, %d requests, %d throttled retries, %s elapsed, %s left",
		r.done, r.total, r.failed, r.requests, r.retries, round(elapsed), left)
}

func round(d time.Duration) string {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond).String()
	}
	return d.Round(time.Second).String()
}
