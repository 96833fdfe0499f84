package throttle

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestNilLimiterAdmitsEverything(t *testing.T) {
	var l *Limiter = New(0, 0)
	if l != nil {
		t.Fatal("New(0, 0) is not nil")
	}
	for range 1000 {
		release, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
}

func TestRateSpacesRequests(t *testing.T) {
	l := New(50, 0) // one every 20ms
	now := time.Now()
	var waits []time.Duration
	for range 4 {
		waits = append(waits, l.reserve(now))
	}
	for i, w := range waits {
		if want := time.Duration(i) * 20 * time.Millisecond; w != want {
			t.Errorf("request %d waits %s, want %s", i, w, want)
		}
	}
	// Idle time is not saved up: after a pause the next request goes at once, the one after
	// waits its turn.
	later := now.Add(time.Second)
	if w := l.reserve(later); w != 0 {
		t.Errorf("after a pause: waits %s", w)
	}
	if w := l.reserve(later); w != 20*time.Millisecond {
		t.Errorf("the second after a pause waits %s", w)
	}
}

func TestAcquireWaitsOnTheRate(t *testing.T) {
	l := New(200, 0)
	start := time.Now()
	for range 5 {
		release, err := l.Acquire(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		release()
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Errorf("5 requests at 200/s took %s, want at least 20ms", d)
	}
}

func TestInFlightBound(t *testing.T) {
	l := New(0, 2)
	r1, _ := l.Acquire(context.Background())
	r2, _ := l.Acquire(context.Background())
	done := make(chan struct{})
	go func() {
		r3, err := l.Acquire(context.Background())
		if err == nil {
			r3()
		}
		close(done)
	}()
	select {
	case <-done:
		t.Fatal("a third request got in with two in flight")
	default:
	}
	r1()
	r1() // releasing twice frees one slot only
	<-done
	r2()

	ctx, cancel := context.WithCancelCause(context.Background())
	r4, _ := l.Acquire(ctx)
	r5, _ := l.Acquire(ctx)
	cause := errors.New("stop")
	cancel(cause)
	if _, err := l.Acquire(ctx); !errors.Is(err, cause) {
		t.Errorf("a cancelled wait returned %v", err)
	}
	r4()
	r5()
}

func TestShare(t *testing.T) {
	total := 0
	for i := 1; i <= 4; i++ {
		r, n := Share(10, 6, 4, i)
		if r != 2.5 {
			t.Errorf("process %d: rate %g", i, r)
		}
		if n < 1 || n > 2 {
			t.Errorf("process %d: %d in flight", i, n)
		}
		total += n
	}
	if total != 6 {
		t.Errorf("shares add up to %d in flight, want 6", total)
	}
	if r, n := Share(0, 0, 8, 3); r != 0 || n != 0 {
		t.Errorf("no limits shared as %g, %d", r, n)
	}
	if r, n := Share(5, 3, 1, 1); r != 5 || n != 3 {
		t.Errorf("one process gets %g, %d", r, n)
	}
}
