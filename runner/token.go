package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/token"
)

// tokenFlags are the settings a token depends on (token.ForConfig): where it comes from, the CA
// file the OAuth endpoint is verified with, and the secrets its errors are redacted of. The rest
// of the configuration is still read from the environment and a config file, but `token` takes no
// flag that cannot change what it prints.
var tokenFlags = map[string]bool{
	"config": true, "token-file": true, "token-command": true, "token-refresh-interval": true,
	"oauth-token-url": true, "oauth-client-id": true, "oauth-client-secret-file": true, "oauth-scope": true,
	"ca-file": true, "secret-header": true,
}

// runToken prints the bearer token a run with the same settings would send first: from
// --token-command, OAuth client credentials, CALLCONF_TOKEN or --token-file. The failing specs'
// curl lines read $CALLCONF_TOKEN, so `export CALLCONF_TOKEN=$(callconf token …)` makes them
// runnable; it also fetches tokens from `serve --oauth-issuer` for a --token-command trial.
func runToken(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("token", stderr, "usage: "+progName+" token [flags]\n\nPrint the bearer token a run with these settings would send (for curl lines: export "+config.EnvToken+"=$("+progName+" token …)).\nOnly the token settings matter.\n\n")
	all := flag.NewFlagSet("config", flag.ContinueOnError)
	flags := config.Bind(all)
	all.VisitAll(func(f *flag.Flag) {
		if tokenFlags[f.Name] {
			fs.Var(f.Value, f.Name, f.Usage)
		}
	})
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
