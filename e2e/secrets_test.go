package e2e

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSecretsAppearNowhere runs the suite with a distinctive token and a secret header against a
// target that fails and echoes every request header back in its bodies, then searches stdout,
// stderr and every report file for either secret.
func TestSecretsAppearNowhere(t *testing.T) {
	const token = "e2e-TOKEN-zq81-do-not-print"
	const apiKey = "e2e-APIKEY-77ab-do-not-print"
	base := serveReference(t, token, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPatch {
				next.ServeHTTP(w, r)
				return
			}
			_, _ = io.Copy(io.Discard, r.Body)
			// Fail every PATCH, with the credentials echoed in headers and body.
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("X-Echo-Authorization", r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"code":"echo","message":"auth=`+r.Header.Get("Authorization")+` key=`+r.Header.Get("X-Api-Key")+`"}}`)
		})
	})
	dir := t.TempDir()
	r := run(t, 2*time.Minute, []string{"CALLCONF_TOKEN=" + token},
		"--base-url", base, "--header", "X-Api-Key="+apiKey, "--secret-header", "X-Api-Key", "--report-dir", dir)
	if r.code != 1 {
		t.Fatalf("want exit 1 against a failing target:\n%s", r)
	}
	if !strings.Contains(r.stdout, "$CALLCONF_TOKEN") {
		t.Errorf("curl lines should reference $CALLCONF_TOKEN:\n%s", r)
	}
	searchArtifacts(t, r, dir, token, apiKey)
}
