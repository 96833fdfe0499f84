// Package redact keeps secrets out of everything the harness prints or writes: a Redactor built
// from the configuration's secrets (the bearer token, secret header values, the OAuth client
// secret), extended with every token fetched during the run, replaces each of them, in its
// plain, URL-escaped and JSON-escaped forms, with Placeholder. The HTTP client, the reports, the
// runner and the proxy share one. It also strips credentials from URLs and url.Error texts.
//
// It imports only the standard library.
package redact

import (
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// Placeholder replaces a secret wherever one would be printed.
const Placeholder = "[REDACTED]"

// Redactor replaces secrets in text. The zero value redacts nothing; it is safe for concurrent
// use.
type Redactor struct {
	mu      sync.RWMutex
	secrets []string
	forms   []string // every form of every secret, longest first
}

// New returns a redactor for the given secrets (empty ones are ignored).
func New(secrets ...string) *Redactor {
	r := &Redactor{}
	r.Add(secrets...)
	return r
}

// Add makes r redact more secrets, e.g. a token fetched during the run.
func (r *Redactor) Add(secrets ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	grew := false
	for _, s := range secrets {
		if s != "" && !slices.Contains(r.secrets, s) {
			r.secrets, grew = append(r.secrets, s), true
		}
	}
	if grew {
		r.forms = forms(r.secrets)
	}
}

// Secrets returns every secret r redacts, in the order they were added.
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return slices.Clone(r.secrets)
}

// String returns s with every form of every secret replaced by Placeholder.
func (r *Redactor) String(s string) string {
	if r == nil {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	for _, f := range r.forms {
		if strings.Contains(s, f) {
			s = strings.ReplaceAll(s, f, Placeholder)
		}
	}
	return s
}

// forms returns each secret with its URL- and JSON-escaped forms, longest first, so a secret
// that contains another is replaced whole.
func forms(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s, url.QueryEscape(s), url.PathEscape(s))
		if b, err := json.Marshal(s); err == nil {
			out = append(out, string(b[1:len(b)-1]))
		}
		q := strconv.Quote(s)
		out = append(out, q[1:len(q)-1])
	}
	slices.SortFunc(out, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return slices.Compact(out)
}

// Userinfo returns raw with any user:password in its authority replaced by Placeholder.
func Userinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User(Placeholder)
	return u.String()
}

// URLError returns the error a *url.Error wraps, without its "Method \"URL\": " prefix: the URL
// may carry credentials, and the caller knows it anyway.
func URLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}
