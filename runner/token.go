package main

import (
	"context"
	"fmt"
	"io"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/token"
)

// runToken prints the bearer token a run with the same settings would send first: from
// --token-command, OAuth client credentials, CALLCONF_TOKEN or --token-file. The failing specs'
// curl lines read $CALLCONF_TOKEN, so `export CALLCONF_TOKEN=$(callconf token …)` makes them
// runnable; it also fetches tokens from `serve --oauth-issuer` for a --token-command trial.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("token", stderr, "usage: "+progName+" token [flags]\n\nPrint the bearer token a run with these settings would send (for curl lines: export "+config.EnvToken+"=$("+progName+" token …)).\nOnly the token settings matter.\n\n")
	flags := config.Bind(fs)
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	cfg, ok := loadConfig(flags, stderr, progName+" token")
	if !ok {
		return exitUsage
	}
	src, err := token.ForConfig(cfg)
	if err != nil {
		fmt.Fprintf(stderr, "%s token: %v\n", progName, err)
		return exitUsage
	}
	tok, err := src.Token(ctx)
	if err != nil {
		fmt.Fprintf(stderr, "%s token: %s\n", progName, src.Redact(err.Error()))
		return exitUsage
	}
	if tok == "" {
		fmt.Fprintf(stderr, "%s token: no token is configured (set %s, --token-file, --token-command or --oauth-token-url)\n", progName, config.EnvToken)
		return exitUsage
	}
	fmt.Fprintln(stdout, tok)
	return exitOK
}

// firstToken fetches the run's first token when it comes from --token-command or OAuth, so that
// a command or endpoint that fails is a configuration error before anything runs. tokens is the
// run's source, which every client of the run then shares.
func firstToken(ctx context.Context, cfg config.Config, tokens *token.Source) error {
	if cfg.Embedded() || !tokens.Fetching() {
		return nil
	}
	if _, err := tokens.Token(ctx); err != nil {
		return fmt.Errorf("%s", tokens.Redact(err.Error()))
	}
	return nil
}
