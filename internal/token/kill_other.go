//go:build !unix

package token

import "os/exec"

// killGroup leaves cmd as it is: only the shell is killed when its context ends.
func killGroup(*exec.Cmd) {}
