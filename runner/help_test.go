package main

import (
	"bytes"
	"context"
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
