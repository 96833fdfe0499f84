// Package mutants is the catalogue of implementations the selftest (`runner selftest`) runs the
// conformance suite against, to prove the harness both ways: it must pass the reference and every
// allowed variant (implementations that differ from the reference only in ways the contract
// permits), fail every mutant (the reference with one vendor bug) for exactly the requirements
// the mutant declares, and end with a failing verdict, in bounded time and without panicking,
// against hostile targets.
//
// Each implementation is data: a name, a kind, a one-line description, the requirement IDs it
// must fail, and a constructor that builds an http.Handler around a fresh reference.Server
// (mostly as a middleware that rewrites requests or answers; the reference itself is never
// changed), together with what the child run must be told about the target (token, call IDs,
// capabilities, extra flags). The catalogue serves the calls collection at the root of the URL.
package mutants

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"time"

	"github.com/callconf/callconf/internal/reference"
)

// Kind is what an implementation is meant to prove.
type Kind string

// The kinds of implementation.
const (
	KindReference Kind = "reference" // passes everything (strict)
	KindVariant   Kind = "variant"   // differs from the reference as the contract allows: passes everything (strict)
	KindMutant    Kind = "mutant"    // one bug: fails exactly its declared requirements
	KindHostile   Kind = "hostile"   // a broken or hostile server: the run ends with 1 or 2, in time, without a panic
)

// Impl is one implementation of the catalogue.
type Impl struct {
	Name        string
	Kind        Kind
	Description string
	// Declares lists the requirement IDs a mutant must fail (contract order). The selftest
	// reports a mutant whose failures lack one of them, and lists failures beyond them.
	Declares []string
	// Spares lists, for a hostile target, requirement IDs its run must not fail: what the
	// target did there is legal, only past the harness's own limits (the run may call them
	// inconclusive, never failed).
	Spares []string
	// Build starts nothing: it returns the handler and how to address it. token is the bearer
	// token the selftest chose for this implementation.
	Build func(token string) (*Instance, error)
}

// Instance is a built implementation, ready to be served.
type Instance struct {
	Handler http.Handler
	// Token is what the child sends as CALLCONF_TOKEN ("" = none). Usually the token Build got;
	// a target that does not authenticate gets none.
	Token string
	// CallIDs are existing calls the child must use (--call-id), for targets without create.
	CallIDs []string
	// Capabilities are declared to the child (--capabilities); nil lets the child discover them.
	Capabilities []string
	// Args are extra flags for the child (e.g. --timeout 300ms --deadline 20s).
	Args []string
	// Serial runs the child's suite in one process (--procs 1): the implementation's bug reaches
	// across calls in a way only a serial run makes deterministic.
	Serial bool
	// Shards split a slow implementation's run into several children, one Ginkgo label filter
	// each, run at once; their verdicts are merged. Nil: one child runs every spec.
	Shards []string
	// Limit bounds the child's wall time (0: the selftest's default). For hostile targets it is
	// part of the expectation: the run must end before it.
	Limit time.Duration
	// Expect, for hostile targets, is a regular expression the child's output (stdout and stderr)
	// must match: the message that names the cause ("timed out after 300ms").
	Expect string
	// Check, when set, is called after the child ended; an error is a selftest failure (e.g. a
	// redirect target that must never have received the Authorization header).
	Check func() error
	// Close releases what Build started besides the handler (another listener); may be nil.
	Close func()
}

// All returns the catalogue: the reference first, then variants, mutants and hostile targets.
func All() []Impl {
	var out []Impl
	out = append(out, Impl{Name: "reference", Kind: KindReference,
		Description: "the reference implementation, unchanged",
		Build:       func(tok string) (*Instance, error) { return plain(reference.Options{Token: tok}, tok) }})
	out = append(out, variants()...)
	out = append(out, ledgerVariants()...)
	out = append(out, edgeVariants()...)
	out = append(out, mutants()...)
	out = append(out, ledgerMutants()...)
	out = append(out, contentMutants()...)
	out = append(out, generatedMutants()...)
	out = append(out, edgeMutants()...)
	out = append(out, hostiles()...)
	out = append(out, ledgerHostiles()...)
	out = append(out, edgeHostiles()...)
	return out
}

// Get returns the implementation with the given name.
func Get(name string) (Impl, bool) {
	for _, im := range All() {
		if im.Name == name {
			return im, true
		}
	}
	return Impl{}, false
}

// Select returns the implementations whose name fully matches one of the regular expressions
// (all of them when none is given).
func Select(patterns []string) ([]Impl, error) {
	all := All()
	if len(patterns) == 0 {
		return all, nil
	}
	var res []*regexp.Regexp
	for _, p := range patterns {
		re, err := regexp.Compile("^(?:" + p + ")$")
		if err != nil {
			return nil, fmt.Errorf("mutants: --only %q: %v", p, err)
		}
		res = append(res, re)
	}
	var out []Impl
	for _, im := range all {
		if slices.ContainsFunc(res, func(re *regexp.Regexp) bool { return re.MatchString(im.Name) }) {
			out = append(out, im)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("mutants: --only %q matches no implementation", patterns)
	}
	return out, nil
}

// plain builds the reference with opts, unwrapped.
func plain(opts reference.Options, tok string) (*Instance, error) {
	srv, err := reference.New(opts)
	if err != nil {
		return nil, err
	}
	return &Instance{Handler: srv, Token: tok}, nil
}

// wrapped builds the reference (with the token) and wraps it.
func wrapped(tok string, wrap func(srv *reference.Server) http.Handler) (*Instance, error) {
	srv, err := reference.New(reference.Options{Token: tok})
	if err != nil {
		return nil, err
	}
	return &Instance{Handler: wrap(srv), Token: tok}, nil
}

// wrapping is the Build of an implementation that wraps the reference (built with the token):
// wrap(srv, token).
func wrapping(wrap func(srv *reference.Server, tok string) http.Handler) func(string) (*Instance, error) {
	return func(tok string) (*Instance, error) {
		return wrapped(tok, func(srv *reference.Server) http.Handler { return wrap(srv, tok) })
	}
}
