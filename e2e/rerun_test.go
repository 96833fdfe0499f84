package e2e

import (
	"context"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A failure message as the runner prints it (Ginkgo indents every line of it).
var (
	verdictLine  = regexp.MustCompile(`(?m)^verdict: ([^;]*);`)
	specsRunning = regexp.MustCompile(`(?m)^running (\d+) specs in `)
	statusLine   = regexp.MustCompile(`(?m)^\s*< (\d{3}) `)
	httpStatus   = regexp.MustCompile(`^HTTP/[0-9.]+ (\d{3})`)
)

// failure is one failed spec's message, cut into what a user pastes.
type failure struct {
	exchanges []exchange
	rerun     []string // the runner's line, then Ginkgo's
}

// exchange is one exchange of a failure: the status it got and its reproducing command.
type exchange struct {
	status int
	curl   string
	after  string // what follows the command (the note on a call to re-create, with its DELETE)
}

// failures cuts the runner's output into failure messages.
func failures(t *testing.T, out string) []failure {
	t.Helper()
	var fs []failure
	for _, block := range strings.Split(out, "re-run only this spec")[:max(0, strings.Count(out, "re-run only this spec"))] {
		i := strings.LastIndex(block, "[FAILED] ")
		if i < 0 {
			t.Fatalf("a re-run line without its failure:\n%s", tail(block, 3000))
		}
		fs = append(fs, failure{exchanges: exchanges(t, block[i:])})
	}
	for i, part := range strings.Split(out, "re-run only this spec")[1:] {
		lines := strings.Split(part, "\n")
		if len(lines) < 3 {
			t.Fatalf("re-run lines cut short: %q", part)
		}
		fs[i].rerun = []string{strings.TrimSpace(lines[1]), strings.TrimSpace(lines[2])}
	}
	return fs
}

// exchanges reads the "--- exchange N ---" sections of a failure message.
func exchanges(t *testing.T, msg string) []exchange {
	t.Helper()
	var exs []exchange
	for _, sec := range strings.Split(msg, "--- exchange ")[1:] {
		var ex exchange
		if m := statusLine.FindStringSubmatch(sec); m != nil {
			ex.status, _ = strconv.Atoi(m[1])
		}
		_, cmd, ok := strings.Cut(sec, "reproduce: ")
		if !ok {
			t.Fatalf("an exchange without a reproducing command:\n%s", tail(sec, 2000))
		}
		// The command runs to the first line break at which sh finds it complete.
		lines := strings.SplitAfter(cmd, "\n")
		for n := 1; n <= len(lines); n++ {
			c := strings.Join(lines[:n], "")
			check := exec.Command("sh", "-n") // the script on stdin: no argument-length limit
			check.Stdin = strings.NewReader(c)
			if check.Run() == nil {
				ex.curl, ex.after = strings.TrimSuffix(c, "\n"), strings.Join(lines[n:], "")
				break
			}
		}
		if ex.curl == "" {
			t.Fatalf("no complete command after reproduce:\n%s", tail(cmd, 2000))
		}
		exs = append(exs, ex)
	}
	return exs
}

// moduleRoot is where the printed lines are meant to be pasted.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// paste runs a printed line with sh in the module root, with the test's environment minus its
// CALLCONF_* settings, plus env.
func paste(t *testing.T, limit time.Duration, line string, env ...string) result {
	t.Helper()
	return execute(t, limit, line+"\n", env, func(ctx context.Context) *exec.Cmd {
		cmd := exec.CommandContext(ctx, "sh", "-c", line)
		cmd.Dir = moduleRoot(t)
		return cmd
	})
}

// verdictOf returns the run's verdict (the last one printed) and how many specs it ran.
func verdictOf(t *testing.T, r result) (string, int) {
	t.Helper()
	vs := verdictLine.FindAllStringSubmatch(r.stdout, -1)
	if len(vs) == 0 {
		t.Fatalf("no verdict:\n%s", r)
	}
	n := -1
	if m := specsRunning.FindStringSubmatch(r.stdout); m != nil {
		n, _ = strconv.Atoi(m[1])
	}
	return vs[len(vs)-1][1], n
}

// rerunCase runs the runner against a mutant with args, pastes the first printed re-run line
// and checks that it runs exactly one spec with the run's verdict and exit status.
func rerunCase(t *testing.T, mutant string, want int, args ...string) (result, failure) {
	t.Helper()
	const token = "e2e-rerun-token-5d"
	base := serveMutant(t, mutant, token)
	full := run(t, 3*time.Minute, []string{"CALLCONF_TOKEN=" + token}, append([]string{"--base-url", base}, args...)...)
	if full.code != want {
		t.Fatalf("full run: exit %d, want %d:\n%s", full.code, want, full)
	}
	verdict, _ := verdictOf(t, full)
	fs := failures(t, full.stdout)
	if len(fs) == 0 {
		t.Fatalf("no failure printed:\n%s", full)
	}
	line := fs[0].rerun[0]
	for _, a := range args {
		if strings.HasPrefix(a, "--") && !strings.Contains(line, a) {
			t.Errorf("the re-run line lacks %s: %s", a, line)
		}
	}
	if strings.Contains(line, token) {
		t.Fatalf("the re-run line holds the token: %s", line)
	}
	re := paste(t, 5*time.Minute, line, "CALLCONF_TOKEN="+token)
	got, n := verdictOf(t, re)
	if re.code != full.code || got != verdict || n != 1 {
		t.Errorf("pasted %s\nran %d specs, exit %d, verdict %q; the run: exit %d, verdict %q\n%s", line, n, re.code, got, full.code, verdict, re)
	}
	// Without the token in the shell, the line refuses to run instead of judging another thing.
	if r := paste(t, time.Minute, line); r.code == 0 || specsRunning.MatchString(r.stdout) || !strings.Contains(r.stderr, "CALLCONF_TOKEN") {
		t.Errorf("pasted without CALLCONF_TOKEN: exit %d\n%s", r.code, r)
	}
	return full, fs[0]
}

// TestRerunLineKeepsStrictForAShouldFailure: a target that breaks only a SHOULD (no request-id
// header, HTTP-01) fails a --strict run; the printed re-run line carries --strict (and every
// other setting given), so pasted it fails the same way, running one spec. It used to drop
// --strict and re-run as CONFORMS, exit 0.
func TestRerunLineKeepsStrictForAShouldFailure(t *testing.T) {
	rerunCase(t, "no-request-id", 1, "--strict", "--header", "X-E2e=rerun it's", "--timeout", "7s", "--retry-budget", "1m")
}

// TestRerunLineReproducesAMustFailure: the same for a MUST failure (an upper-cased id, PATCH-03)
// without --strict, through the runner's and through the Ginkgo line, which prints one verdict.
func TestRerunLineReproducesAMustFailure(t *testing.T) {
	full, f := rerunCase(t, "id-uppercased", 1, "--concurrency", "9")
	if testing.Short() {
		t.Skip("the Ginkgo line compiles the suite")
	}
	verdict, _ := verdictOf(t, full)
	const token = "e2e-rerun-token-5d"
	line := f.rerun[1]
	if !strings.Contains(line, "go tool ginkgo run --focus ") || !strings.Contains(line, " -- ") {
		t.Fatalf("the Ginkgo line: %s", line)
	}
	re := paste(t, 8*time.Minute, line, "CALLCONF_TOKEN="+token)
	got, _ := verdictOf(t, re)
	// One verdict: the suite binary's preview of the tree judged nothing and used to print a
	// CONFORMS report before the run's own.
	if n := len(verdictLine.FindAllString(re.stdout, -1)); n != 1 {
		t.Errorf("the Ginkgo line printed %d verdicts:\n%s", n, re)
	}
	if re.code != full.code || got != verdict || !regexp.MustCompile(`Will run \S*1\S* of`).MatchString(re.stdout) {
		t.Errorf("pasted %s\nexit %d, verdict %q; the run: exit %d, verdict %q\n%s", line, re.code, got, full.code, verdict, re)
	}
}

// TestPrintedCurlLinesReproduce: the curl lines of a failure, pasted, get the statuses the spec
// recorded. The spec's call is deleted when the spec ends, so the PATCH's line names it
// "$CALL_ID": it refuses to run until set, and with the id the create line answers it reaches
// the new call (it used to answer 404). Bodies are printed readably: no octal escapes.
func TestPrintedCurlLinesReproduce(t *testing.T) {
	const token = "e2e-curl-token-8b"
	base := serveMutant(t, "id-uppercased", token)
	full := run(t, 3*time.Minute, []string{"CALLCONF_TOKEN=" + token}, "--base-url", base)
	if full.code != 1 {
		t.Fatalf("want exit 1:\n%s", full)
	}
	if strings.Contains(full.stdout, `\012`) || strings.Contains(full.stdout, `\303`) {
		t.Errorf("bodies printed with octal escapes")
	}
	var create, patch exchange
	for _, f := range failures(t, full.stdout) {
		if len(f.exchanges) >= 2 && strings.Contains(f.exchanges[0].curl, "-X POST") && f.exchanges[0].status == 201 &&
			strings.Contains(f.exchanges[1].curl, "-X PATCH") && strings.Contains(f.exchanges[1].curl, `"${CALL_ID:?`) {
			create, patch = f.exchanges[0], f.exchanges[1]
			break
		}
	}
	if create.curl == "" {
		t.Fatalf("no failure creates a call and PATCHes it:\n%s", full)
	}
	if !strings.Contains(create.after, "deleted") || !strings.Contains(create.after, "-X DELETE") {
		t.Errorf("the create line is not followed by the note and the DELETE:\n%s", create.after)
	}

	if r := paste(t, time.Minute, patch.curl, "CALLCONF_TOKEN="+token); r.code == 0 || !strings.Contains(r.stderr, "CALL_ID") {
		t.Errorf("the PATCH line ran without CALL_ID: exit %d\n%s", r.code, r)
	}
	r := paste(t, time.Minute, create.curl, "CALLCONF_TOKEN="+token)
	head, body, _ := strings.Cut(r.stdout, "\r\n\r\n")
	var call struct{ ID string }
	if m := httpStatus.FindStringSubmatch(head); r.code != 0 || m == nil || m[1] != "201" || json.Unmarshal([]byte(body), &call) != nil || call.ID == "" {
		t.Fatalf("pasted the create line\n%s\ngot %s", create.curl, r)
	}
	r = paste(t, time.Minute, patch.curl, "CALLCONF_TOKEN="+token, "CALL_ID="+call.ID)
	if m := httpStatus.FindStringSubmatch(r.stdout); r.code != 0 || m == nil || m[1] != strconv.Itoa(patch.status) {
		t.Errorf("pasted the PATCH line\n%s\nwant status %d, got %s", patch.curl, patch.status, r)
	}
	del := strings.TrimSpace(create.after[strings.Index(create.after, "curl "):])
	del, _, _ = strings.Cut(del, "\n")
	r = paste(t, time.Minute, del, "CALLCONF_TOKEN="+token, "CALL_ID="+call.ID)
	if m := httpStatus.FindStringSubmatch(r.stdout); r.code != 0 || m == nil || m[1] != "204" {
		t.Errorf("pasted the DELETE line\n%s\ngot %s", del, r)
	}
}
