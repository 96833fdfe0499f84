package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/callconf/callconf/internal/requirements"
)

// closingLine is the runner's last summary line, read by CI systems.
var closingLine = regexp.MustCompile(`(?m)^(\d+) passed, (\d+) failed, (\d+) inconclusive, (\d+) unsupported, (\d+) disabled$`)

func TestEmbeddedReferenceConformsAndReportsEveryRequirement(t *testing.T) {
	dir := t.TempDir()
	r := run(t, 2*time.Minute, nil, "--report-dir", dir)
	if r.code != 0 {
		t.Fatalf("want exit 0 against the embedded reference:\n%s", r)
	}
	all := requirements.All()
	for _, req := range all {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(req.ID) + `\s+` + string(req.Level) + `\s+passed\s`).MatchString(r.stdout) {
			t.Errorf("%s not printed as passed", req.ID)
		}
	}
	m := closingLine.FindStringSubmatch(r.stdout)
	if m == nil || m[1] != strconv.Itoa(len(all)) || m[2] != "0" {
		t.Fatalf("closing line %q, want %d passed, 0 failed", m, len(all))
	}
	for _, f := range []string{"junit.xml", "ginkgo-report.json", "conformance.json", "conformance.md"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("report %s: %v", f, err)
		}
		if f == "ginkgo-report.json" {
			continue
		}
		for _, req := range all {
			if !strings.Contains(string(b), req.ID) {
				t.Errorf("%s does not mention %s", f, req.ID)
			}
		}
	}
	var c struct {
		Target       string
		Conforms     bool
		Requirements []struct{ ID, Outcome string }
	}
	b, _ := os.ReadFile(filepath.Join(dir, "conformance.json"))
	if err := json.Unmarshal(b, &c); err != nil || !c.Conforms || len(c.Requirements) != len(all) {
		t.Fatalf("conformance.json: conforms=%v, %d requirements, err=%v", c.Conforms, len(c.Requirements), err)
	}
}

func TestServedReferenceWithTokenPassesStrict(t *testing.T) {
	const token = "e2e-served-token-4f1c"
	base := serveReference(t, token, nil)
	r := run(t, 2*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", base, "--strict")
	if r.code != 0 {
		t.Fatalf("want exit 0 in strict mode against the served reference:\n%s", r)
	}
	if !strings.Contains(r.stdout, "capabilities (discovered): create,read,delete,auth") {
		t.Errorf("discovery result not printed:\n%s", r)
	}
}

func TestOneBrokenBehaviourFailsNamingTheRequirement(t *testing.T) {
	// The vendor bug: 204 No Content instead of 200 with the call.
	const token = "e2e-broken-token-19"
	base := serveMutant(t, "status-204", token)
	r := run(t, 2*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", base)
	if r.code != 1 {
		t.Fatalf("want exit 1:\n%s", r)
	}
	if !regexp.MustCompile(`(?m)^PATCH-01\s+MUST\s+failed`).MatchString(r.stdout) {
		t.Fatalf("PATCH-01 not reported failed:\n%s", r)
	}
	for _, want := range []string{"PATCH-01 (MUST)", "expected status 200", "reproduce: curl", "re-run only this spec", "--focus"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("failure output lacks %q", want)
		}
	}
}

func TestConfigurationErrorsExit2AllAtOnce(t *testing.T) {
	r := run(t, time.Minute, nil, "--base-url", "ftp://example.invalid", "--timeout", "-1s", "--capabilities", "teleport")
	if r.code != 2 {
		t.Fatalf("want exit 2:\n%s", r)
	}
	for _, want := range []string{"base-url", "timeout", "capabilit"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr does not name %q:\n%s", want, r.stderr)
		}
	}
}
