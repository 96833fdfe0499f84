//go:build unix

package token

import (
	"os/exec"
	"syscall"
)

// killGroup runs cmd in its own process group and kills the whole group when its context ends,
// so that a hung `az` below sh does not outlive the run.
func killGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
}
