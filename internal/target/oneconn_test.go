package target

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// TestOneConnectionKeepsOneConnection: requests sent one after another through OneConnection go
// on one kept-alive connection (the second says ConnReused), with the token on the first only
// when asked, and count in the parent client's requests; a target that closes the connection
// after each answer shows in ConnReused.
func TestOneConnectionKeepsOneConnection(t *testing.T) {
	for _, closeEach := range []bool{false, true} {
		var mu sync.Mutex
		conns := map[net.Conn]bool{}
		var auths []string
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			auths = append(auths, r.Header.Get("Authorization"))
			mu.Unlock()
			if closeEach {
				w.Header().Set("Connection", "close")
			}
			w.WriteHeader(http.StatusNoContent)
		}))
		srv.Config.ConnState = func(c net.Conn, s http.ConnState) {
			if s == http.StateNew {
				mu.Lock()
				conns[c] = true
				mu.Unlock()
			}
		}
		srv.Start()
		t.Cleanup(srv.Close)
		c := newClient(t, testConfig(srv.URL))
		one, err := c.OneConnection()
		if err != nil {
			t.Fatal(err)
		}
		first := one.Do(context.Background(), Request{Method: http.MethodPatch, Path: "/a"})
		second := one.Do(context.Background(), Request{Method: http.MethodPatch, Path: "/a", Auth: AuthNone})
		one.Close()
		if first.Err != nil || second.Err != nil {
			t.Fatalf("errors %v %v", first.Err, second.Err)
		}
		mu.Lock()
		n := len(conns)
		got := auths
		mu.Unlock()
		if len(got) != 2 || got[0] != "Bearer "+testToken || got[1] != "" {
			t.Errorf("Authorization sent: %q", got)
		}
		if c.Requests() != 2 {
			t.Errorf("the parent counts %d requests, want 2", c.Requests())
		}
		switch {
		case !closeEach && (n != 1 || !second.ConnReused || first.ConnReused):
			t.Errorf("kept alive: %d connections, reused %t then %t; want 1, false then true", n, first.ConnReused, second.ConnReused)
		case closeEach && (n != 2 || second.ConnReused):
			t.Errorf("closed after each answer: %d connections, second reused %t; want 2, false", n, second.ConnReused)
		}
	}
}
