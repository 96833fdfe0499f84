package e2e

import (
	"context"
	"os"
	"os/exec"
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

// recipe is the README's GitHub Actions job as the tests play it: the line that builds the
// binary, the conformance step's environment (secrets expanded by secret) and its run line, and
// the paths the artifact upload keeps.
type recipe struct {
	build, run string
	env        []string
	upload     []string
}

// actionsRecipe reads the README's GitHub Actions job.
func actionsRecipe(t *testing.T, secret func(name string) string) recipe {
	t.Helper()
	text := readmeBlock(t, "yaml", "CALLCONF_BASE_URL")
	envLine := regexp.MustCompile(`^\s+(CALLCONF_[A-Z_]+):\s*(.*?)\s*$`)
	secretRef := regexp.MustCompile(`\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}`)
	runLine := regexp.MustCompile(`^\s+run:\s*(.*?)\s*$`)
	var r recipe
	lines := strings.Split(text, "\n")
	for i, line := range lines {
		if m := envLine.FindStringSubmatch(line); m != nil {
			r.env = append(r.env, m[1]+"="+secretRef.ReplaceAllStringFunc(m[2], func(ref string) string {
				return secret(secretRef.FindStringSubmatch(ref)[1])
			}))
		}
		if m := runLine.FindStringSubmatch(line); m != nil {
			if strings.HasPrefix(m[1], "go build") {
				r.build = m[1]
			} else {
				r.run = m[1]
			}
		}
		if strings.TrimSpace(line) == "path: |" {
			for _, p := range lines[i+1:] {
				if !strings.HasPrefix(p, "            ") {
					break
				}
				r.upload = append(r.upload, strings.TrimSpace(p))
			}
		} else if _, p, ok := strings.Cut(line, "path: "); ok && !strings.HasSuffix(p, "|") {
			r.upload = append(r.upload, strings.TrimSpace(p))
		}
	}
	if len(r.env) == 0 || r.run == "" || len(r.upload) == 0 {
		t.Fatalf("the README's recipe has no CALLCONF_* environment, no run line or no upload path:\n%s", text)
	}
	return r
}

// play runs the recipe's conformance step as a GitHub Actions runner would (sh -c, in the
// checkout, GITHUB_ACTIONS=true and a step summary file), with the binary the recipe builds,
// in a fresh directory. It returns the result and the directory.
func (r recipe) play(t *testing.T) (result, string) {
	t.Helper()
	// TestMain builds the runner as the recipe does (go build -o … ./runner); it stands in the
	// step's working directory under the recipe's name.
	if r.build != "go build -o callconf ./runner" {
		t.Fatalf("the recipe builds %q; this test plays `go build -o callconf ./runner`", r.build)
	}
	dir := t.TempDir()
	if err := os.Symlink(runnerBin, filepath.Join(dir, "callconf")); err != nil {
		t.Fatal(err)
	}
	env := append([]string{"GITHUB_ACTIONS=true", "GITHUB_STEP_SUMMARY=" + filepath.Join(dir, "summary.md")}, r.env...)
	res := execute(t, 3*time.Minute, "the README's step", env, func(ctx context.Context) *exec.Cmd {
		c := exec.CommandContext(ctx, "sh", "-e", "-c", r.run)
		c.Dir = dir
		return c
	})
	return res, dir
}

// TestReadmeActionsRecipe plays the README's GitHub Actions job (issue 19's "done when"): 0 for
// a conforming target, 1 for a failing MUST, 2 when the base URL's secret was never set (GitHub
// expands it to ""), each time with the report directory the upload keeps, a step summary and,
// for what gates, ::error annotations. It used to `go run` the runner, which turns exit 2 into
// 1, and wrote no report for a configuration error.
func TestReadmeActionsRecipe(t *testing.T) {
	const token = "a-token-SECRET-e2e"
	conforming := serveReference(t, token, nil)
	failing := serveMutant(t, "id-uppercased", token) // fails PATCH-03, a MUST
	for _, tc := range []struct {
		name, baseURL, verdict string
		code                   int
		says                   string // on stdout or stderr
		annotation             string // an ::error line starts with it ("" none)
	}{
		{"conforming target", conforming, "CONFORMS", 0, "verdict: CONFORMS", ""},
		{"a MUST fails", failing, "DOES NOT CONFORM", 1, "verdict: DOES NOT CONFORM", "::error file=suites/conformance/specs_"},
		{"the base URL secret unset", "", "COULD NOT START", 2, "CALLCONF_BASE_URL is set but empty", "::error title=callconf%3A COULD NOT START::"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := actionsRecipe(t, func(name string) string {
				if strings.Contains(name, "URL") {
					return tc.baseURL
				}
				return token
			})
			if !strings.Contains(strings.Join(r.env, " "), "CALLCONF_BASE_URL=") {
				t.Fatalf("the recipe no longer sets CALLCONF_BASE_URL: %q", r.env)
			}
			res, dir := r.play(t)
			if res.code != tc.code || !strings.Contains(res.stdout+res.stderr, tc.says) || strings.Contains(res.stdout+res.stderr, token) {
				t.Fatalf("want exit %d and %q, and no token:\n%s", tc.code, tc.says, res)
			}
			var annotations []string
			for _, line := range strings.Split(res.stdout, "\n") {
				if strings.HasPrefix(line, "::error") {
					annotations = append(annotations, line)
				}
			}
			if tc.annotation == "" && len(annotations) > 0 || tc.annotation != "" && (len(annotations) != 1 || !strings.HasPrefix(annotations[0], tc.annotation)) {
				t.Errorf("annotations %q, want one starting %q", annotations, tc.annotation)
			}
			for _, p := range r.upload {
				if _, err := os.Stat(filepath.Join(dir, p)); err != nil {
					t.Errorf("the upload's path %s: %v", p, err)
				}
			}
			c, j, md := readReports(t, filepath.Join(dir, "reports"))
			if c.Verdict != tc.verdict || c.ExitCode != tc.code || (j.Failures+j.Errors == 0) != (tc.code == 0) {
				t.Errorf("reports: verdict %s exit %d, junit failures=%d errors=%d", c.Verdict, c.ExitCode, j.Failures, j.Errors)
			}
			if tc.code == 2 && !strings.Contains(md, "CALLCONF_BASE_URL is set but empty") {
				t.Errorf("conformance.md does not give the cause:\n%s", md)
			}
			summary := readFile(t, dir, "summary.md")
			if !strings.Contains(summary, "**Verdict: "+tc.verdict+"**") || summary != md+"\n" {
				t.Errorf("the step summary is not conformance.md:\n%s", summary)
			}
			for _, f := range []string{"summary.md", "reports/conformance.json", "reports/junit.xml", "reports/conformance.md"} {
				if strings.Contains(readFile(t, dir, f), token) {
					t.Errorf("%s holds the token", f)
				}
			}
		})
	}
	// Every secret unset: the base URL is still what the message names.
	r := actionsRecipe(t, func(string) string { return "" })
	if res, _ := r.play(t); res.code != 2 || !strings.Contains(res.stderr, "CALLCONF_BASE_URL") {
		t.Fatalf("the recipe with no secret set: want exit 2 naming CALLCONF_BASE_URL:\n%s", res)
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
