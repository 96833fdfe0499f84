package main

import (
	"context"
	"fmt"
	"io"
)

// TODO(stub): replaced by the real subcommand.
func runServe(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	_, _ = context.Background, fmt.Sprint
	var _ io.Writer
	fmt.Fprintln(stderr, "not implemented yet")
	return exitUsage
}
