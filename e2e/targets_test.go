package e2e

import (
	"net/http"
	"testing"

	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/testsupport"
)

// serveReference starts the reference implementation behind wrap on 127.0.0.1:0.
func serveReference(t *testing.T, token string, wrap func(http.Handler) http.Handler) string {
	t.Helper()
	srv, err := reference.New(reference.Options{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = srv
	if wrap != nil {
		h = wrap(srv)
	}
	return serveOn(t, h)
}

// serveOn serves h on 127.0.0.1:0 until the test ends.
func serveOn(t *testing.T, h http.Handler) string {
	t.Helper()
	return testsupport.Serve(t, h, listen.Limits{}).URL()
}

// serveMutant starts the catalogue implementation name (package mutants) on 127.0.0.1:0 with
// token, and returns its URL.
func serveMutant(t *testing.T, name, token string) string {
	t.Helper()
	impl, ok := mutants.Get(name)
	if !ok {
		t.Fatalf("no implementation %q in the catalogue", name)
	}
	inst, err := impl.Build(token)
	if err != nil {
		t.Fatal(err)
	}
	if inst.Close != nil {
		t.Cleanup(inst.Close)
	}
	return serveOn(t, inst.Handler)
}
