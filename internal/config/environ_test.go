package config

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestEmptyBaseURLIsAnError: an empty --base-url, a set-but-empty CALLCONF_BASE_URL (a CI secret
// that is not set) and an empty baseUrl key are errors naming where the value came from, not the
// embedded reference; other empty variables still count as unset.
func TestEmptyBaseURLIsAnError(t *testing.T) {
	file := writeFile(t, "c.yaml", "baseUrl: \"\"\n")
	for _, c := range []struct {
		name string
		args []string
		env  map[string]string
		want []string
	}{
		{"flag", []string{"--base-url", ""}, nil, []string{"--base-url is empty", "leave --base-url out to test the embedded reference"}},
		{"blank flag", []string{"--base-url= "}, nil, []string{"--base-url is empty"}},
		{"env", nil, map[string]string{"CALLCONF_BASE_URL": ""}, []string{"CALLCONF_BASE_URL is set but empty (a CI secret that is not set?)", "unset it to test the embedded reference"}},
		{"file", []string{"--config", file}, nil, []string{"baseUrl is empty", "remove the key"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := load(t, c.args, c.env)
			if err == nil {
				t.Fatal("an empty base URL loaded: the run would test the embedded reference")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// The flag wins over an empty variable, and other empty variables are still unset.
	c := mustLoad(t, []string{"--base-url", "http://127.0.0.1:1"}, map[string]string{"CALLCONF_BASE_URL": "", "CALLCONF_TIMEOUT": ""})
	if c.BaseURL != "http://127.0.0.1:1" || c.Timeout != DefaultTimeout {
		t.Fatalf("got base URL %q, timeout %s", c.BaseURL, c.Timeout)
	}
}

// TestBaseURLWithoutSchemeSuggestsOne: `--base-url 127.0.0.1:8080` says what was probably meant
// instead of Go's "first path segment in URL cannot contain colon".
func TestBaseURLWithoutSchemeSuggestsOne(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:8080":         "did you mean http://127.0.0.1:8080?",
		"localhost:8080/beta":    "did you mean http://localhost:8080/beta?",
		"graph.example.com/beta": "did you mean https://graph.example.com/beta?",
		"example.com:443":        "did you mean https://example.com:443?",
	} {
		_, err := load(t, []string{"--base-url", in}, nil)
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "first path segment") {
			t.Errorf("%s: error %v, want %q", in, err, want)
		}
	}
	for _, in := range []string{"ftp://x.example", "http:x", "mailto:a@b"} {
		if _, err := load(t, []string{"--base-url", in}, nil); err == nil || strings.Contains(err.Error(), "did you mean") {
			t.Errorf("%s: error %v, want one without a guess", in, err)
		}
	}
}

// TestCheckEnvironRefusesUnknownVariables: a misspelt CALLCONF_BASE_ULR is an error with the
// variable it probably meant; every setting's variable passes, and so do other programs'.
func TestCheckEnvironRefusesUnknownVariables(t *testing.T) {
	err := CheckEnviron([]string{"PATH=/bin", "CALLCONF_BASE_ULR=https://x.example", "CALLCONF_WHATEVER=1", "CALLCONF_BASE_ULR=again"})
	if err == nil {
		t.Fatal("unknown variables passed")
	}
	msg := err.Error()
	if !strings.Contains(msg, "CALLCONF_BASE_ULR is not a callconf setting; did you mean CALLCONF_BASE_URL?") ||
		!strings.Contains(msg, "CALLCONF_WHATEVER is not a callconf setting (unset it") || strings.Count(msg, "CALLCONF_BASE_ULR") != 1 {
		t.Fatalf("got %q", msg)
	}
	var env []string
	for _, v := range Variables() {
		env = append(env, v.Name+"=")
	}
	if err := CheckEnviron(append(env, "HOME=/h", "NOT_CALLCONF_X=1")); err != nil {
		t.Fatal(err)
	}
}

// TestProjectVariablesAreAccepted: every CALLCONF_* name the project's sources and scripts use
// is a setting, or one of the few that are knowingly not (their reason below): the runner must
// not refuse the project's own variables (the children of parallel runs and selftest, scripts).
func TestProjectVariablesAreAccepted(t *testing.T) {
	testOnly := map[string]string{
		"CALLCONF_LEAK":      "a marker selftest's test checks is not handed to its children",
		"CALLCONF_E2E_OTHER": "a marker the token test checks is not handed to the token command",
	}
	// Files that misspell variables on purpose, to see them refused.
	misspell := []string{"internal/config/environ.go", "internal/config/environ_test.go", "runner/firsthour_test.go", "e2e/firsthour_cli_test.go"}
	name := regexp.MustCompile(`CALLCONF_[A-Z0-9_]*`)
	seen := map[string]bool{}
	err := filepath.WalkDir("../..", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if rel, _ := filepath.Rel("../..", p); slices.Contains(misspell, filepath.ToSlash(rel)) {
			return nil
		}
		if d.IsDir() || !slices.Contains([]string{".go", ".sh", ".md", ".yaml", ".yml", ""}, filepath.Ext(p)) {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, n := range name.FindAllString(string(b), -1) {
			seen[n] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) < 20 {
		t.Fatalf("found only %d names: is the walk rooted at the repository?", len(seen))
	}
	for n := range seen {
		if testOnly[n] != "" || strings.HasSuffix(n, "_") {
			continue
		}
		if err := CheckEnviron([]string{n + "=x"}); err != nil {
			t.Errorf("the project uses %s, which the runner refuses: %v", n, err)
		}
	}
}

// TestCheckTargetNamesTargetSettings: without a base URL, a token, call ids, capabilities,
// headers or TLS settings mean the user asked for a target: an error naming each; with a base
// URL, or with settings the embedded reference honours, nothing.
func TestCheckTargetNamesTargetSettings(t *testing.T) {
	c := mustLoad(t, []string{"--call-id", "c1", "--capabilities", "create", "--header", "X-A=1", "--insecure-skip-tls-verify"},
		map[string]string{EnvToken: "tok-SECRET"})
	err := c.CheckTarget()
	if err == nil {
		t.Fatal("target settings without a target passed")
	}
	for _, w := range []string{"env CALLCONF_TOKEN", "flag --call-id", "flag --capabilities", "flag --header", "flag --insecure-skip-tls-verify", "set the target's URL"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	if strings.Contains(err.Error(), "tok-SECRET") {
		t.Fatal("the error shows the token")
	}
	if err := mustLoad(t, []string{"--base-url", "http://127.0.0.1:1", "--call-id", "c1"}, map[string]string{EnvToken: "t"}).CheckTarget(); err != nil {
		t.Fatal(err)
	}
	if err := mustLoad(t, []string{"--strict", "--timeout", "3s", "--procs", "2", "--report-dir", "r"}, nil).CheckTarget(); err != nil {
		t.Fatalf("settings the embedded reference honours: %v", err)
	}
}

// TestSummaryIsOneLine: the default start of a run is one line: target, strictness, token
// source and the settings not at their default, secrets redacted.
func TestSummaryIsOneLine(t *testing.T) {
	c := mustLoad(t, []string{"--base-url", "https://t.example/beta", "--timeout", "3s", "--header", "X-Key=hdr-SECRET", "--secret-header", "X-Key"},
		map[string]string{EnvToken: "tok-SECRET"})
	got := c.Summary()
	for _, w := range []string{"target: https://t.example/beta", "strict: no", "token: env CALLCONF_TOKEN", "timeout: 3s", `header: "X-Key=[REDACTED]"`} {
		if !strings.Contains(got, w) {
			t.Errorf("summary %q lacks %q", got, w)
		}
	}
	if strings.Contains(got, "SECRET") || strings.Contains(got, "\n") || strings.Contains(got, "deadline") {
		t.Fatalf("summary %q: a secret, a newline or a default", got)
	}
	if got := mustLoad(t, nil, nil).Summary(); got != "target: embedded reference; strict: no; token: made by the embedded reference" {
		t.Fatalf("default summary %q", got)
	}
}
