//go:build linux || darwin

package proxy

import (
	"net"
	"syscall"
)

// alive reports whether an idle connection is still open and quiet: a look at its socket
// without waiting and without taking anything finds neither the target's close nor bytes the
// target should not have sent.
func alive(c net.Conn) bool {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return false
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return false
	}
	quiet := false
	var b [1]byte
	err = raw.Read(func(fd uintptr) bool {
		_, _, rerr := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		quiet = rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK
		return true // never wait for the socket to become readable
	})
	return err == nil && quiet
}
