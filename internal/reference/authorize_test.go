package reference

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/callconf/callconf/internal/requirements"
)

// TestAuthorizeDecidesWhichTokensPass: with Options.Authorize, exactly the tokens it accepts pass;
// any other (say an expired one) answers 401 with the same challenge as a wrong fixed token.
func TestAuthorizeDecidesWhichTokensPass(t *testing.T) {
	srv, err := New(Options{Authorize: func(tok string) bool { return tok == "good" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		auth   string
		status int
	}{{"Bearer good", http.StatusCreated}, {"bearer  good ", http.StatusCreated}, {"Bearer expired", http.StatusUnauthorized}, {"", http.StatusUnauthorized}, {"Basic good", http.StatusUnauthorized}} {
		r := httptest.NewRequest(http.MethodPost, requirements.CollectionPath, strings.NewReader(`{}`))
		r.Header.Set("Content-Type", "application/json")
		if tc.auth != "" {
			r.Header.Set("Authorization", tc.auth)
		}
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, r)
		if w.Code != tc.status {
			t.Errorf("%q: %d, want %d: %s", tc.auth, w.Code, tc.status, w.Body)
		}
		if tc.status == http.StatusUnauthorized && !strings.HasPrefix(w.Header().Get("WWW-Authenticate"), `Bearer realm="callconf"`) {
			t.Errorf("%q: WWW-Authenticate %q", tc.auth, w.Header().Get("WWW-Authenticate"))
		}
	}
}
