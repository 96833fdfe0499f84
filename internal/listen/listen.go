// Package listen serves an http.Handler on a socket with limits against slow or greedy clients
// (header and body read timeouts, header size, a bound on open connections) and a clean
// shutdown. The reference implementation, the selftest's catalogue and the e2e tests serve
// through it.
//
// It imports the standard library only.
package listen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// Limits are the protections of a listening server against slow or greedy clients.
type Limits struct {
	ReadHeaderTimeout time.Duration // time to read the request line and headers
	ReadTimeout       time.Duration // time to read a whole request, body included
	WriteTimeout      time.Duration // time from the end of the headers to the end of the answer
	IdleTimeout       time.Duration // how long a kept-alive connection may stay idle
	MaxHeaderBytes    int           // bound on the request line and headers
	MaxConns          int           // bound on open connections; more wait to be accepted
	ErrorLog          io.Writer     // the http.Server's own errors (bad requests, TLS); nil = discarded
}

// DefaultLimits are the limits Start uses.
func DefaultLimits() Limits {
	return Limits{
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		MaxConns:          1024,
	}
}

// Server is a server listening on a socket.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
	err  error // what Serve returned, once done is closed
}

// Start serves h on addr (e.g. "127.0.0.1:0") with DefaultLimits and returns once the socket is
// bound, so URL is usable at once.
func Start(addr string, h http.Handler) (*Server, error) {
	return StartWithLimits(addr, h, DefaultLimits())
}

// StartWithLimits is Start with explicit limits; a zero field keeps its default.
func StartWithLimits(addr string, h http.Handler, l Limits) (*Server, error) {
	d := DefaultLimits()
	l.ReadHeaderTimeout = orDefault(l.ReadHeaderTimeout, d.ReadHeaderTimeout)
	l.ReadTimeout = orDefault(l.ReadTimeout, d.ReadTimeout)
	l.WriteTimeout = orDefault(l.WriteTimeout, d.WriteTimeout)
	l.IdleTimeout = orDefault(l.IdleTimeout, d.IdleTimeout)
	l.MaxHeaderBytes = orDefault(l.MaxHeaderBytes, d.MaxHeaderBytes)
	l.MaxConns = orDefault(l.MaxConns, d.MaxConns)
	errLog := l.ErrorLog
	if errLog == nil {
		errLog = io.Discard
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
		ErrorLog:          log.New(errLog, "", log.LstdFlags),
	}
	r := &Server{srv: srv, ln: &limitListener{Listener: ln, sem: make(chan struct{}, l.MaxConns)},
		done: make(chan struct{})}
	go func() {
		defer close(r.done)
		if err := srv.Serve(r.ln); !errors.Is(err, http.ErrServerClosed) {
			r.err = err
		}
	}()
	return r, nil
}

// URL returns the server's base URL, "http://HOST:PORT".
func (r *Server) URL() string { return "http://" + r.ln.Addr().String() }

// Addr returns the bound address.
func (r *Server) Addr() net.Addr { return r.ln.Addr() }

// Done is closed when the server has stopped serving.
func (r *Server) Done() <-chan struct{} { return r.done }

// Shutdown stops accepting connections, waits for active requests to finish (or ctx to end) and
// for the serving goroutine to return.
func (r *Server) Shutdown(ctx context.Context) error {
	err := r.srv.Shutdown(ctx)
	if err != nil {
		_ = r.srv.Close() // ctx ended first: cut the remaining connections
	}
	<-r.done
	if err == nil {
		err = r.err
	}
	return err
}

// limitListener bounds the number of open connections: Accept waits for a free slot.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// CloseWrite half-closes the connection (a TCP FIN) when the underlying one can. net/http looks
// for this method before it closes a connection whose request it did not read to the end, so that
// the client sees the end of the answer before the close; without it the wrapper hid the FIN.
func (c *limitConn) CloseWrite() error {
	if cw, ok := c.Conn.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return errors.ErrUnsupported
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}

func orDefault[T ~int | ~int64](v, d T) T {
	if v <= 0 {
		return d
	}
	return v
}
