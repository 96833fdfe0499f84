package main

import (
	"bytes"
	"context"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestHelpExitsZero: -h, -help and --help print the subcommand's flags on stderr and exit 0 in
// every subcommand; an unknown flag still exits 2.
func TestHelpExitsZero(t *testing.T) {
	for _, sub := range [][]string{{}, {"run"}, {"serve"}, {"validate"}, {"list"}, {"selftest"}} {
		for _, h := range []string{"-h", "-help", "--help"} {
			if len(sub) == 0 && h != "-h" {
				continue // bare "callconf --help" is dispatch's own help
			}
			args := append(append([]string{}, sub...), h)
			var stdout, stderr bytes.Buffer
			if code := dispatch(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != exitOK {
				t.Errorf("%q: exit %d, want %d", args, code, exitOK)
			}
			if len(sub) > 0 && (!strings.Contains(stderr.String(), "-") || stdout.Len() != 0) {
				t.Errorf("%q: usage not on stderr alone:\nstdout: %s\nstderr: %s", args, stdout.String(), stderr.String())
			}
		}
		args := append(append([]string{}, sub...), "--no-such-flag")
		var stdout, stderr bytes.Buffer
		if code := dispatch(context.Background(), args, strings.NewReader(""), &stdout, &stderr); code != exitUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitUsage)
		}
	}
}

// helpFlags are the flags a help text lists ("  -name ..." lines), in order.
func helpFlags(help string) []string {
	var names []string
	for _, m := range regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`).FindAllStringSubmatch(help, -1) {
		names = append(names, m[1])
	}
	return names
}

// TestHelpTrueToCode: `help proxy` neither says --base-url may be left unset (the proxy requires
// it) nor promises a Ginkgo report (it writes none); `help token` lists only the settings a token
// depends on (it listed every run flag); `help` names the exit status of an inconclusive,
// incomplete and nothing-judged run.
func TestHelpTrueToCode(t *testing.T) {
	_, proxyHelp, _ := runDispatch(t, "help", "proxy")
	for _, bad := range []string{"leave it unset", "Ginkgo JSON", "embedded reference"} {
		if strings.Contains(proxyHelp, bad) {
			t.Errorf("help proxy says %q:\n%s", bad, proxyHelp)
		}
	}
	if !strings.Contains(proxyHelp, "required") || !slices.Contains(helpFlags(proxyHelp), "base-url") {
		t.Errorf("help proxy does not say --base-url is required:\n%s", proxyHelp)
	}
	_, tokenHelp, _ := runDispatch(t, "help", "token")
	got := helpFlags(tokenHelp)
	slices.Sort(got)
	want := slices.Sorted(maps.Keys(tokenFlags))
	if !slices.Equal(got, want) {
		t.Errorf("help token lists %q, want %q", got, want)
	}
	for _, f := range []string{"base-url", "procs", "strict", "deadline", "call-id"} {
		if slices.Contains(got, f) {
			t.Errorf("help token lists --%s, which no token depends on", f)
		}
	}
	// Every flag help token lists is one the token's source reads: changing it changes what
	// `token` does (here: where the token comes from, or the error's text).
	if code, _, stderr := runDispatch(t, "token", "--token-command", "exit 3"); code != exitUsage || !strings.Contains(stderr, "--token-command") {
		t.Errorf("token --token-command failing: exit %d, %s", code, stderr)
	}
	_, runHelp, _ := runDispatch(t, "help")
	for _, w := range []string{"inconclusive", "INCOMPLETE", "NOTHING JUDGED", "COULD NOT START"} {
		if !strings.Contains(runHelp, w) {
			t.Errorf("help's exit statuses lack %q", w)
		}
	}
}

// TestHelpFlagsMatchReadme: every flag `help` lists is in the README's configuration table or
// its runner-only flags, and every flag the README documents there is one `help` lists (the
// table lacked --procs, --rate-limit and --max-in-flight).
func TestHelpFlagsMatchReadme(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	start := strings.Index(readme, "## Configuration reference")
	if start < 0 {
		t.Fatal("README has no configuration reference")
	}
	section := readme[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	documented := map[string]bool{}
	for _, line := range strings.Split(section, "\n") {
		switch {
		case strings.HasPrefix(line, "| `--"):
			cell := strings.SplitN(line, "|", 3)[1]
			documented[regexp.MustCompile("--([a-z0-9-]+)").FindStringSubmatch(cell)[1]] = true
		case strings.HasPrefix(line, "Runner-only flags:"):
			para := section[strings.Index(section, line):]
			para = para[:strings.Index(para, "\n\n")]
			for _, m := range regexp.MustCompile("`--?([a-z][a-z0-9-]*)").FindAllStringSubmatch(para, -1) {
				documented[m[1]] = true
			}
		}
	}
	_, help, _ := runDispatch(t, "help")
	listed := map[string]bool{}
	for _, f := range helpFlags(help) {
		listed[f] = true
		if !documented[f] {
			t.Errorf("help lists --%s; README's configuration reference does not", f)
		}
	}
	for f := range documented {
		if !listed[f] {
			t.Errorf("README's configuration reference documents --%s; help does not list it", f)
		}
	}
	if len(listed) < 30 {
		t.Fatalf("help lists %d flags: the parse is wrong", len(listed))
	}
}
