package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// harDoc is what the test reads of an exchanges.har.
type harDoc struct {
	Log struct {
		Version string `json:"version"`
		Entries []struct {
			StartedDateTime string `json:"startedDateTime"`
			Request         struct {
				Method  string `json:"method"`
				URL     string `json:"url"`
				Headers []struct{ Name, Value string }
			} `json:"request"`
			Response struct {
				Status int `json:"status"`
			} `json:"response"`
		} `json:"entries"`
	} `json:"log"`
}

// Every run writes exchanges.har with one entry per request the verdict counts, in every
// process layout, ordered by start time, and without the token.
func TestRunWritesEveryExchangeToHAR(t *testing.T) {
	const token = "e2e-har-token-77ab"
	base := serveMutant(t, "status-204", token)
	for _, procs := range []string{"1", "3"} {
		t.Run("procs-"+procs, func(t *testing.T) {
			dir := t.TempDir()
			r := run(t, 2*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", base, "--procs", procs, "--report-dir", dir, "-q")
			if r.code != 1 {
				t.Fatalf("want exit 1 (status-204 fails PATCH-01):\n%s", r)
			}
			raw, err := os.ReadFile(filepath.Join(dir, "exchanges.har"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), token) {
				t.Fatal("exchanges.har holds the token")
			}
			var h harDoc
			if err := json.Unmarshal(raw, &h); err != nil {
				t.Fatal(err)
			}
			var c struct {
				Requests int `json:"requests"`
			}
			if err := json.Unmarshal([]byte(readFile(t, dir, "conformance.json")), &c); err != nil {
				t.Fatal(err)
			}
			if h.Log.Version != "1.2" || c.Requests == 0 || len(h.Log.Entries) != c.Requests {
				t.Fatalf("version %q, %d entries; the verdict counts %d requests", h.Log.Version, len(h.Log.Entries), c.Requests)
			}
			prev, auth := time.Time{}, 0
			for i, e := range h.Log.Entries {
				ts, err := time.Parse(time.RFC3339Nano, e.StartedDateTime)
				if err != nil || ts.Before(prev) {
					t.Fatalf("entry %d: started %s after %s (%v)", i, e.StartedDateTime, prev, err)
				}
				prev = ts
				for _, hd := range e.Request.Headers {
					if hd.Name == "Authorization" && hd.Value == "Bearer [REDACTED]" {
						auth++
					}
				}
			}
			if auth == 0 {
				t.Error("no request shows its Authorization header redacted")
			}
			if matches, _ := filepath.Glob(filepath.Join(os.TempDir(), "callconf-har-*")); len(matches) > 0 {
				t.Logf("parts directories present (other runs may be in progress): %v", matches)
			}
		})
	}
}
