// Package throttle bounds what one process sends to a target: a rate (requests per second,
// evenly spaced, no bursts) and a number of requests in flight at once. The runner gives each
// process of a parallel run its share of the limits the user set for the whole run (README,
// "Gentle on shared staging").
//
// It imports the standard library only.
package throttle

import (
	"context"
	"sync"
	"time"
)

// Limiter admits requests within a rate and an in-flight bound. A nil *Limiter admits everything
// at once; a Limiter is safe for concurrent use.
type Limiter struct {
	interval time.Duration // between two admissions; 0 = no rate limit
	slots    chan struct{} // one token per request in flight; nil = no bound

	mu   sync.Mutex
	next time.Time // the earliest time the next request may start
}

// New returns a limiter of perSecond requests per second (0: no rate limit) and inFlight
// requests at once (0: no bound); nil when both are zero.
func New(perSecond float64, inFlight int) *Limiter {
	if perSecond <= 0 && inFlight <= 0 {
		return nil
	}
	l := &Limiter{}
	if perSecond > 0 {
		l.interval = time.Duration(float64(time.Second) / perSecond)
	}
	if inFlight > 0 {
		l.slots = make(chan struct{}, inFlight)
	}
	return l
}

// Acquire waits until one more request may be sent: a free in-flight slot, then its turn under
// the rate. It returns the function that ends the request (call it once the response body is
// read), or ctx's error when ctx ends first.
func (l *Limiter) Acquire(ctx context.Context) (release func(), err error) {
	if l == nil {
		return func() {}, nil
	}
	release = func() {}
	if l.slots != nil {
		select {
		case l.slots <- struct{}{}:
		case <-ctx.Done():
			return nil, context.Cause(ctx)
		}
		var once sync.Once
		release = func() { once.Do(func() { <-l.slots }) }
	}
	if wait := l.reserve(time.Now()); wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			release()
			return nil, context.Cause(ctx)
		}
	}
	return release, nil
}

// reserve takes the next turn under the rate and returns how long to wait for it.
func (l *Limiter) reserve(now time.Time) time.Duration {
	if l.interval == 0 {
		return 0
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	at := l.next
	if at.Before(now) {
		at = now
	}
	l.next = at.Add(l.interval)
	return at.Sub(now)
}

// Share splits a run-wide limit among procs processes: process i (1-based) gets its part of a
// rate (total/procs each) and of an in-flight bound (whole slots, the remainder to the first
// processes). Zero stays zero (no limit).
func Share(rate float64, inFlight, procs, i int) (float64, int) {
	if procs <= 1 {
		return rate, inFlight
	}
	r := rate / float64(procs)
	n := 0
	if inFlight > 0 {
		n = inFlight / procs
		if i <= inFlight%procs {
			n++
		}
	}
	return r, n
}
