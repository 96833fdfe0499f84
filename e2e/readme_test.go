package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// readmeBlock returns the first fenced code block of README.md whose info string is lang and
// whose text contains marker.
func readmeBlock(t *testing.T, lang, marker string) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range regexp.MustCompile("(?ms)^```"+regexp.QuoteMeta(lang)+"\n(.*?)^```").FindAllStringSubmatch(string(b), -1) {
		if strings.Contains(m[1], marker) {
			return m[1]
		}
	}
	t.Fatalf("README.md has no ```%s block with %q", lang, marker)
	return ""
}

// actionsStep is the conformance step of the README's GitHub Actions recipe: its environment
// (secrets expanded by secret) and the arguments its `go run ./runner` line gives the runner.
func actionsStep(t *testing.T, secret func(name string) string) (env, args []string) {
	t.Helper()
	recipe := readmeBlock(t, "yaml", "CALLCONF_BASE_URL")
	envLine := regexp.MustCompile(`^\s+(CALLCONF_[A-Z_]+):\s*(.*?)\s*$`)
	secretRef := regexp.MustCompile(`\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}`)
	for _, line := range strings.Split(recipe, "\n") {
		if m := envLine.FindStringSubmatch(line); m != nil {
			env = append(env, m[1]+"="+secretRef.ReplaceAllStringFunc(m[2], func(ref string) string {
				return secret(secretRef.FindStringSubmatch(ref)[1])
			}))
		}
		if _, cmd, ok := strings.Cut(line, "run: go run ./runner"); ok {
			args = strings.Fields(cmd)
		}
	}
	if len(env) == 0 || args == nil {
		t.Fatalf("the README's recipe has no CALLCONF_* environment or no `run: go run ./runner` line:\n%s", recipe)
	}
	return env, args
}

// TestReadmeActionsRecipeFailsWithoutTheBaseURLSecret runs the README's GitHub Actions step, as
// written there, in a repository where the base URL's secret was never set (GitHub expands it to
// ""): the job must fail with exit 2 and name CALLCONF_BASE_URL, not test the embedded reference
// and pass (issue 13's "done when").
func TestReadmeActionsRecipeFailsWithoutTheBaseURLSecret(t *testing.T) {
	env, args := actionsStep(t, func(name string) string {
		if strings.Contains(name, "URL") {
			return "" // the secret that is not set
		}
		return "a-token-SECRET"
	})
	if !strings.Contains(strings.Join(env, " "), "CALLCONF_BASE_URL=") {
		t.Fatalf("the recipe no longer sets CALLCONF_BASE_URL: %q", env)
	}
	dir := t.TempDir()
	inTemp(args, dir)
	r := run(t, time.Minute, env, args...)
	if r.code != 2 || !strings.Contains(r.stderr, "CALLCONF_BASE_URL is set but empty") || strings.Contains(r.stdout, "CONFORMS") || strings.Contains(r.stdout+r.stderr, "SECRET") {
		t.Fatalf("the README's recipe with the base URL secret unset: want exit 2 naming CALLCONF_BASE_URL, no verdict, no token:\n%s", r)
	}
	if _, err := os.Stat(filepath.Join(dir, "reports", "conformance.json")); err == nil {
		t.Fatal("a report was written for a run that tested nothing")
	}
	// Every secret unset: the base URL is still what the message names.
	env, args = actionsStep(t, func(string) string { return "" })
	inTemp(args, dir)
	if r := run(t, time.Minute, env, args...); r.code != 2 || !strings.Contains(r.stderr, "CALLCONF_BASE_URL") {
		t.Fatalf("the recipe with no secret set: want exit 2 naming CALLCONF_BASE_URL:\n%s", r)
	}
}

// inTemp moves the recipe's report directory into the test's dir.
func inTemp(args []string, dir string) {
	for i, a := range args {
		if a == "reports" {
			args[i] = filepath.Join(dir, "reports")
		}
	}
}

// TestReadmeQuickStartMakesItsTokenFile: the quick start may use token.txt only after a line
// that creates it, and builds the binary it names (a new user could not follow it before).
func TestReadmeQuickStartMakesItsTokenFile(t *testing.T) {
	qs := readmeBlock(t, "sh", "--token-file token.txt")
	// The first mention of token.txt must be the redirection that writes it.
	if first := strings.Index(qs, "token.txt"); first < 2 || qs[first-2:first] != "> " {
		t.Errorf("the quick start uses token.txt before a line that makes it:\n%s", qs)
	}
	if !strings.Contains(qs, "go build -o callconf ./runner") {
		t.Errorf("the quick start does not build the binary it calls callconf:\n%s", qs)
	}
}
