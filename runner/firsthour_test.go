package main

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/mutants"
	"github.com/callconf/callconf/internal/version"
)

// runDispatch runs the command line args in this process and returns its exit status, stdout and
// stderr.
func runDispatch(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := dispatch(context.Background(), args, strings.NewReader(""), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// TestBadFiltersFailBeforeAnyRequest: a --focus or --skip that is not a regular expression (a
// Ginkgo panic before), a --label-filter that does not parse (exit 1 with colour codes before)
// and one naming a requirement that does not exist (0 specs and exit 0 before) are exit 2 with
// one plain line, and the target never sees a request (discovery used to create and delete a
// call first).
func TestBadFiltersFailBeforeAnyRequest(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusNotFound)
	}))
	defer srv.Close()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--focus", "("}, `--focus "(" is not a valid regular expression: error parsing regexp: missing closing )`},
		{[]string{"--skip", "[z-a]"}, `--skip "[z-a]" is not a valid regular expression`},
		{[]string{"--label-filter", "req:PATCH-04 ||"}, `--label-filter "req:PATCH-04 ||" does not parse: Unexpected EOF.`},
		{[]string{"--label-filter", "req:PATCH-4"}, "--label-filter: no requirement PATCH-4; did you mean req:PATCH-04?"},
		{[]string{"--label-filter", "level:MUST && !feature:stat"}, "no feature stat; did you mean feature:state?"},
		{[]string{"--label-filter", "level:MUSTT"}, "no requirement level MUSTT; did you mean level:MUST?"},
		{[]string{"-q", "-v"}, "-q and -v exclude each other"},
	} {
		args := append([]string{"--base-url", srv.URL, "--capabilities", "none", "--call-id", "c1"}, c.args...)
		code, stdout, stderr := runDispatch(t, args...)
		if code != exitUsage || !strings.Contains(stderr, c.want) {
			t.Errorf("%q: exit %d, want 2 and %q:\n%s", c.args, code, c.want, stderr)
		}
		if strings.Count(strings.TrimSpace(stderr), "\n") != 0 || strings.Contains(stderr, "\x1b") || strings.Contains(stderr, "goroutine") || stdout != "" {
			t.Errorf("%q: want one plain line on stderr and nothing on stdout:\nstdout: %s\nstderr: %q", c.args, stdout, stderr)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the target got %d requests before the filters were checked", n)
	}
	// Labels Ginkgo matches without regard to case, and label sets, are left to Ginkgo.
	for _, f := range []string{"REQ:patch-04", "level:should && feature:errors", "req: containsAny {PATCH-04}", "/PATCH-0[1-3]/"} {
		if err := (&runOptions{labelFilter: f}).check(); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
}

// TestNoSilentGreen: an empty --base-url or CALLCONF_BASE_URL, a misspelt CALLCONF_ variable, and
// target settings without a target are exit 2 naming the flag or variable, before any request
// (they used to test the embedded reference and conform).
func TestNoSilentGreen(t *testing.T) {
	for _, c := range []struct {
		name string
		env  map[string]string
		args []string
		want []string
	}{
		{"empty flag", nil, []string{"--base-url", ""}, []string{"--base-url is empty"}},
		{"empty secret", map[string]string{"CALLCONF_BASE_URL": "", config.EnvToken: "tok"}, nil,
			[]string{"CALLCONF_BASE_URL is set but empty (a CI secret that is not set?)", "unset it to test the embedded reference"}},
		{"misspelt variable", map[string]string{"CALLCONF_BASE_ULR": "https://t.example"}, nil,
			[]string{"CALLCONF_BASE_ULR is not a callconf setting; did you mean CALLCONF_BASE_URL?"}},
		{"token without target", map[string]string{config.EnvToken: "tok-SECRET"}, nil,
			[]string{"no target is set (--base-url or CALLCONF_BASE_URL)", "env CALLCONF_TOKEN"}},
		{"call ids without target", nil, []string{"--call-id", "c1", "--strict"}, []string{"flag --call-id"}},
		{"no scheme", nil, []string{"--base-url", "127.0.0.1:8080"}, []string{"did you mean http://127.0.0.1:8080?"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := runDispatch(t, c.args...)
			if code != exitUsage {
				t.Fatalf("exit %d, want 2:\nstdout: %s\nstderr: %s", code, stdout, stderr)
			}
			for _, w := range c.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stdout+stderr, "SECRET") || strings.Contains(stdout, "verdict") {
				t.Fatalf("a secret or a verdict was printed:\nstdout: %s\nstderr: %s", stdout, stderr)
			}
		})
	}
}

// TestUnknownFlagSaysDidYouMean: `--base-ulr` is two lines (the error with "did you mean" and
// where the help is), not the 42 lines of usage it was, in run and in a subcommand.
func TestUnknownFlagSaysDidYouMean(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--base-ulr", "x"}, "callconf: unknown flag --base-ulr; did you mean --base-url?\nrun 'callconf help' for usage\n"},
		{[]string{"run", "-stirct"}, "callconf: unknown flag --stirct; did you mean --strict?\nrun 'callconf help' for usage\n"},
		{[]string{"serve", "--adr", "x"}, "callconf serve: unknown flag --adr; did you mean --addr?\nrun 'callconf help serve' for usage\n"},
		{[]string{"list", "--zzz"}, "callconf list: unknown flag --zzz\nrun 'callconf help list' for usage\n"},
		{[]string{"--timeout"}, "callconf: flag needs an argument: -timeout\nrun 'callconf help' for usage\n"},
	} {
		code, stdout, stderr := runDispatch(t, c.args...)
		if code != exitUsage || stderr != c.want || stdout != "" {
			t.Errorf("%q: exit %d\nstderr %q\nwant   %q", c.args, code, stderr, c.want)
		}
	}
}

// TestUnknownCommandSaysDidYouMean: `callconf serv` names the command it probably meant instead
// of "unexpected arguments" from run.
func TestUnknownCommandSaysDidYouMean(t *testing.T) {
	code, _, stderr := runDispatch(t, "serv")
	if want := "callconf: unknown command \"serv\"; did you mean serve?\nrun 'callconf help' for usage\n"; code != exitUsage || stderr != want {
		t.Fatalf("exit %d, stderr %q, want %q", code, stderr, want)
	}
	if code, _, stderr := runDispatch(t, "help", "lst"); code != exitUsage || !strings.Contains(stderr, "did you mean list?") {
		t.Fatalf("help lst: exit %d, %q", code, stderr)
	}
}

// TestHelpCommand: `help SUBCOMMAND` prints that subcommand's help (it printed the top-level
// help), on stdout; `help`, `--help` and `help run` print the run command's flags, every
// setting's environment variable and the exit codes.
func TestHelpCommand(t *testing.T) {
	for sub, want := range map[string]string{"serve": "-addr", "list": "-markdown", "token": "-token-command", "selftest": "-parallel", "proxy": "-listen", "validate": "-kind"} {
		code, stdout, stderr := runDispatch(t, "help", sub)
		if code != exitOK || !strings.Contains(stdout, want) || strings.Contains(stdout, "callconf [run] [flags]") || stderr != "" {
			t.Errorf("help %s: exit %d, want %q on stdout alone:\nstdout: %s\nstderr: %s", sub, code, want, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"help", "run"}} {
		code, stdout, _ := runDispatch(t, args...)
		if code != exitOK {
			t.Errorf("%q: exit %d", args, code)
		}
		want := []string{"callconf [run] [flags]", "callconf serve", "-base-url", "-label-filter", "-q", "exit status:",
			"0  the target conforms", "1  the target does not conform", "2  usage or configuration error"}
		for _, v := range config.Variables() {
			want = append(want, v.Name)
		}
		for _, w := range want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%q: help lacks %q", args, w)
			}
		}
	}
}

// TestVersionCommand: `version` and `--version` print the build's version and revision.
func TestVersionCommand(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		code, stdout, _ := runDispatch(t, arg)
		if want := "callconf " + version.Read().String() + "\n"; code != exitOK || stdout != want {
			t.Errorf("%s: exit %d, %q, want %q", arg, code, stdout, want)
		}
	}
}

// TestFlagsAfterPositionalArguments: parseArgs takes flags before, between and after positional
// arguments, and everything after "--" as positional; subcommands that take positional
// arguments use it.
func TestFlagsAfterPositionalArguments(t *testing.T) {
	fs := newFlagSet("validate", &bytes.Buffer{}, "")
	kind := fs.String("kind", "", "")
	asJSON := fs.Bool("json", false, "")
	rest, code, ok := parseArgs(fs, []string{"a.json", "--kind", "request", "-", "--json", "--", "--b.json"})
	if !ok || code != exitOK || *kind != "request" || !*asJSON || !slices.Equal(rest, []string{"a.json", "-", "--b.json"}) {
		t.Fatalf("ok %v, kind %q, json %v, positional %q", ok, *kind, *asJSON, rest)
	}
	// A run's flags after an unexpected word are still read: the word is the error.
	code, _, stderr := runDispatch(t, "run", "--strict", "extra", "--timeout", "1s")
	if code != exitUsage || !strings.Contains(stderr, `unexpected arguments ["extra"]`) {
		t.Fatalf("exit %d: %s", code, stderr)
	}
}

// TestSelftestArgumentsPassTheChecks: the label filters and arguments selftest hands its child
// runs (shards of slow implementations, hostile targets' bounds) pass the checks a run makes
// before anything is sent.
func TestSelftestArgumentsPassTheChecks(t *testing.T) {
	for _, im := range mutants.All() {
		in, err := im.Build("tok")
		if err != nil {
			t.Fatalf("%s: %v", im.Name, err)
		}
		for _, f := range in.Shards {
			if err := (&runOptions{labelFilter: f}).check(); err != nil {
				t.Errorf("%s: shard %q: %v", im.Name, f, err)
			}
		}
		if in.Close != nil {
			in.Close()
		}
	}
}
