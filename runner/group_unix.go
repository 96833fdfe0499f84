//go:build unix && !linux

package main

import (
	"os/exec"
	"syscall"
)

// ownGroup runs a child of a parallel run in a process group of its own. A Ctrl-C in a terminal
// signals the whole foreground group; the parent forwards the interrupt too, and Ginkgo takes a
// second interrupt as "skip the clean-up", which would leave the calls the child created.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}
