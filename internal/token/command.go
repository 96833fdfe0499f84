package token

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/config"
)

// CommandTimeout bounds one run of the token command.
const CommandTimeout = 30 * time.Second

// maxStderr is how much of the command's standard error an error message quotes (its end).
const maxStderr = 1 << 10

// Command returns a FetchFunc that runs command with sh -c (so that a pipeline or
// `az account get-access-token --query accessToken -o tsv` works as written) and takes its
// standard output, trimmed, as the token. A non-zero exit, no output, more than one word of
// output, or not finishing within timeout (0 = CommandTimeout) is an error that quotes the end of
// the command's standard error, never its standard output. The command inherits the environment
// without its CALLCONF_* variables.
func Command(command string, timeout time.Duration) FetchFunc {
	if timeout <= 0 {
		timeout = CommandTimeout
	}
	return func(ctx context.Context) (Fetched, error) {
		ctx, cancel := context.WithTimeout(ctx, timeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "sh", "-c", command)
		stdout := &limitedBuffer{limit: config.MaxTokenFileBytes}
		stderr := &limitedBuffer{limit: 64 << 10, keepTail: true}
		cmd.Stdout, cmd.Stderr = stdout, stderr
		// The harness's own CALLCONF_* settings (a parallel run's children get theirs that way,
		// the token command among them) are not the command's: it sees the rest unchanged.
		cmd.Env = config.WithoutEnv(os.Environ())
		killGroup(cmd)
		// A child that keeps the pipes open after sh is killed must not hold Wait forever.
		cmd.WaitDelay = time.Second
		err := cmd.Run()
		out := strings.TrimSpace(stdout.String())
		// What the command said on stderr may hold what it printed on stdout: scrub that first.
		diag := strings.TrimSpace(stderr.String())
		if out != "" {
			diag = strings.ReplaceAll(diag, out, config.Redacted)
		}
		if len(diag) > maxStderr {
			diag = "…" + diag[len(diag)-maxStderr:]
		}
		if diag != "" {
			diag = "; its standard error ends: " + diag
		}
		var exitErr *exec.ExitError
		switch {
		case ctx.Err() != nil:
			return Fetched{}, fmt.Errorf("the command did not finish within %s%s", timeout, diag)
		case errors.As(err, &exitErr):
			return Fetched{}, fmt.Errorf("the command failed (%s)%s", exitErr.ProcessState, diag)
		case err != nil:
			return Fetched{}, fmt.Errorf("the command could not run: %v%s", err, diag)
		case stdout.over:
			return Fetched{}, fmt.Errorf("the command printed more than %d bytes", config.MaxTokenFileBytes)
		case out == "":
			return Fetched{}, fmt.Errorf("the command printed nothing on standard output%s", diag)
		case strings.ContainsFunc(out, func(r rune) bool { return r <= ' ' || r == 0x7f }):
			return Fetched{}, errors.New("the command printed more than the token (whitespace, several lines or control characters): print the token alone")
		}
		return Fetched{Token: out}, nil
	}
}

// limitedBuffer keeps at most limit bytes: the first ones, or with keepTail the last ones.
type limitedBuffer struct {
	buf      bytes.Buffer
	limit    int
	keepTail bool
	over     bool
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	n := len(p)
	if b.keepTail {
		b.buf.Write(p)
		if extra := b.buf.Len() - b.limit; extra > 0 {
			b.buf.Next(extra)
		}
		return n, nil
	}
	if room := b.limit - b.buf.Len(); len(p) > room {
		b.over = true
		p = p[:max(room, 0)]
	}
	b.buf.Write(p)
	return n, nil
}

func (b *limitedBuffer) String() string { return b.buf.String() }
