package token

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/redact"
)

// Timing defaults of a Source.
const (
	// EarlyRefresh is how long before a token's expiry it is fetched again, at most half its
	// lifetime (so a 2 s token is fetched again after 1 s): long enough for a request sent just
	// before to be answered with the old token still valid.
	EarlyRefresh = time.Minute
	// FailureBackoff is how long a failed fetch is reported to every request before the next
	// attempt, so that a broken command is not run once per request.
	FailureBackoff = time.Second
)

// Fetched is one token as a fetch returned it.
type Fetched struct {
	Token string
	// Expiry is when the token expires (a JWT's exp); zero when unknown.
	Expiry time.Time
	// Lifetime is how long the token lives from now (OAuth expires_in); zero when unknown. It is
	// used when Expiry is zero.
	Lifetime time.Duration
}

// FetchFunc obtains a new token. Its errors must not contain the token.
type FetchFunc func(ctx context.Context) (Fetched, error)

// Options tune a fetching Source; the zero value takes the defaults.
type Options struct {
	// Name says where tokens come from in error messages, e.g. "--token-command".
	Name string
	// Interval fetches a new token at least this often; 0 = only before the token expires (a
	// token of unknown expiry is then kept for the whole run).
	Interval time.Duration
	// Margin overrides EarlyRefresh; FailureBackoff overrides the package's FailureBackoff.
	Margin, FailureBackoff time.Duration
	// Now is the clock; nil = time.Now.
	Now func() time.Time
	// Secrets are other secrets the source knows (the client secret), redacted by Redact.
	Secrets []string
	// Redactor learns every token the source hands out and Secrets; nil = a redactor of its own.
	Redactor *redact.Redactor
}

// Error is a failure to obtain a token; it never holds a token or a secret.
type Error struct {
	Source string // where tokens come from, e.g. "--token-command"
	Err    error
}

func (e *Error) Error() string { return "no bearer token from " + e.Source + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Source hands out the current bearer token, fetching a new one when it is due. It is safe for
// concurrent use; concurrent callers share one fetch.
type Source struct {
	fetch FetchFunc // nil for a fixed token
	opts  Options
	red   *redact.Redactor // every token handed out and every other secret of the source

	mu        sync.Mutex
	cur       string        // the current token; "" before the first fetch
	expiry    time.Time     // when cur expires; zero = unknown
	refreshAt time.Time     // when cur is due for a new fetch; zero = never
	grace     time.Duration // cur is not handed out once it expires within grace
	flight    *flight       // the fetch in progress, if any
	lastErr   error         // the last failed fetch, reported until retryAt
	retryAt   time.Time
	issued    []string // every token handed out, in order
}

// flight is one fetch that several callers may wait for.
type flight struct {
	done chan struct{}
	tok  string
	err  error
}

// Static returns a Source that always hands out tok ("" = no token, no Authorization header),
// and adds it to red (nil = a redactor of its own).
func Static(tok string, red *redact.Redactor) *Source {
	if red == nil {
		red = redact.New()
	}
	s := &Source{opts: Options{Name: "the configured token"}, cur: tok, red: red}
	if tok != "" {
		s.issued = []string{tok}
		red.Add(tok)
	}
	return s
}

// New returns a Source that obtains its tokens from fetch, the first time when Token is first
// called.
func New(fetch FetchFunc, opts Options) *Source {
	if opts.Margin <= 0 {
		opts.Margin = EarlyRefresh
	}
	if opts.FailureBackoff <= 0 {
		opts.FailureBackoff = FailureBackoff
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Name == "" {
		opts.Name = "the token source"
	}
	red := opts.Redactor
	if red == nil {
		red = redact.New()
	}
	red.Add(opts.Secrets...)
	return &Source{fetch: fetch, opts: opts, red: red}
}

// Fetching reports whether the source fetches its tokens; a source of one fixed token never
// fetches and never waits.
func (s *Source) Fetching() bool { return s.fetch != nil }

// Token returns a token that is valid now, fetching a new one first when the current one is due.
// While a fetch is in progress or has just failed, a current token that does not expire within a
// grace (10 s, or a quarter of its lifetime) is still returned. It returns an *Error when there is no valid token, or ctx's cause when ctx ends first.
func (s *Source) Token(ctx context.Context) (string, error) {
	if s.fetch == nil {
		return s.cur, nil
	}
	s.mu.Lock()
	now := s.opts.Now()
	if s.cur != "" && (s.refreshAt.IsZero() || now.Before(s.refreshAt)) {
		tok := s.cur
		s.mu.Unlock()
		return tok, nil
	}
	// Due (or never fetched). The current token may still serve until shortly before it expires
	// (the grace leaves a request sent now time to reach the target before it does).
	valid := s.cur != "" && !s.expiry.IsZero() && now.Before(s.expiry.Add(-s.grace))
	if s.lastErr != nil && now.Before(s.retryAt) {
		tok, err := s.cur, s.lastErr
		s.mu.Unlock()
		if valid {
			return tok, nil
		}
		return "", err
	}
	f := s.flight
	if f == nil {
		f = &flight{done: make(chan struct{})}
		s.flight = f
		// The fetch outlives this caller's context (a per-request timeout must not cut short the
		// fetch every other request waits for); the fetch bounds itself.
		go s.run(context.WithoutCancel(ctx), f)
	}
	tok := s.cur
	s.mu.Unlock()
	if valid {
		return tok, nil
	}
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		return "", context.Cause(ctx)
	}
}

// run performs one fetch and publishes its result to the source and to f's waiters.
func (s *Source) run(ctx context.Context, f *flight) {
	got, err := s.fetch(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	defer close(f.done)
	s.flight = nil
	now := s.opts.Now()
	if err == nil {
		err = s.accept(got, now)
	}
	if err != nil {
		// The error text may echo what the command printed: scrub every token known so far.
		s.lastErr = &Error{Source: s.opts.Name, Err: redactedError{s.red.String(err.Error())}}
		s.retryAt = now.Add(s.opts.FailureBackoff)
		f.err = s.lastErr
		return
	}
	s.lastErr = nil
	f.tok = s.cur
}

// settle waits for the fetch in progress, if any (for tests: a due token is fetched again in the
// background while the current one is still valid).
func (s *Source) settle() {
	s.mu.Lock()
	f := s.flight
	s.mu.Unlock()
	if f != nil {
		<-f.done
	}
}

// accept makes got the current token, working out when it is due again.
func (s *Source) accept(got Fetched, now time.Time) error {
	expiry := got.Expiry
	if expiry.IsZero() && got.Lifetime > 0 {
		expiry = now.Add(got.Lifetime)
	}
	if expiry.IsZero() {
		expiry = jwtExpiry(got.Token)
	}
	if !expiry.IsZero() && !now.Before(expiry) {
		// Remember it anyway: it was printed by the fetch and must be redacted like the others.
		s.remember(got.Token)
		return fmt.Errorf("the new token expired at %s, before it could be used (is the clock right?)", expiry.UTC().Format(time.RFC3339))
	}
	var refreshAt time.Time
	var grace time.Duration
	if !expiry.IsZero() {
		life := expiry.Sub(now)
		refreshAt = expiry.Add(-min(s.opts.Margin, life/2))
		grace = min(s.opts.Margin/6, life/4) // 10 s, or a quarter of a short life
	}
	if iv := s.opts.Interval; iv > 0 && (refreshAt.IsZero() || now.Add(iv).Before(refreshAt)) {
		refreshAt = now.Add(iv)
	}
	s.cur, s.expiry, s.refreshAt, s.grace = got.Token, expiry, refreshAt, grace
	s.remember(got.Token)
	return nil
}

func (s *Source) remember(tok string) {
	if tok != "" && !slices.Contains(s.issued, tok) {
		s.issued = append(s.issued, tok)
		s.red.Add(tok)
	}
}

// Issued returns every token the source has handed out (or fetched), oldest first.
func (s *Source) Issued() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.issued)
}

// Current returns the token the source last handed out, without fetching ("" when none).
func (s *Source) Current() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Redactor returns the redactor that knows every token the source handed out and its other
// secrets.
func (s *Source) Redactor() *redact.Redactor { return s.red }

// Redact replaces every token issued so far and the source's other secrets in text.
func (s *Source) Redact(text string) string { return s.red.String(text) }

// redactedError is an error whose text has been scrubbed already.
type redactedError struct{ msg string }

func (e redactedError) Error() string { return e.msg }
