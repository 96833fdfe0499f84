package mutants

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/reference"
)

// hostileArgs bound a hostile target's child: a short per-request timeout and an overall
// deadline, so that a target that never answers costs seconds, not minutes.
var hostileArgs = []string{"--timeout", "300ms", "--deadline", "20s"}

// hostileLimit is how long a hostile target's child may take, all told: the deadline plus the
// time to write reports and exit.
const hostileLimit = 45 * time.Second

// hostile builds a hostile target that serves the reference (create, read, delete work, so the
// run gets past discovery into the specs) but answers every PATCH on an item with patch.
func hostile(name, desc, expect string, extra []string, patch func(w http.ResponseWriter, r *http.Request)) Impl {
	return Impl{Name: name, Kind: KindHostile, Description: desc,
		Build: func(tok string) (*Instance, error) {
			in, err := wrapped(tok, func(srv *reference.Server) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if _, ok := itemID(r); ok && r.Method == http.MethodPatch {
						patch(w, r)
						return
					}
					srv.ServeHTTP(w, r)
				})
			})
			if err != nil {
				return nil, err
			}
			in.Args = append(append([]string(nil), hostileArgs...), extra...)
			in.Limit = hostileLimit
			in.Expect = expect
			return in, nil
		}}
}

// spares sets the requirements a hostile target's run must not fail.
func spares(im Impl, ids ...string) Impl {
	im.Spares = ids
	return im
}

func hostiles() []Impl {
	return []Impl{
		{Name: "never-answers", Kind: KindHostile,
			Description: "accepts connections and reads requests but never answers (not even discovery)",
			Build: func(tok string) (*Instance, error) {
				h := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() })
				return &Instance{Handler: h, Token: tok, Args: append([]string(nil), hostileArgs...), Limit: hostileLimit,
					Expect: `timed out after 300ms`}, nil
			}},
		hostile("trickles-body", "answers PATCH 200 at once, then trickles the body a byte every 100 ms", `timed out after 300ms`, nil,
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				body := []byte(`{"id": "` + strings.Repeat("x", 1000) + `"}`)
				rc := http.NewResponseController(w)
				t := time.NewTicker(100 * time.Millisecond)
				defer t.Stop()
				for _, c := range body {
					if _, err := w.Write([]byte{c}); err != nil || rc.Flush() != nil {
						return
					}
					select {
					case <-t.C:
					case <-r.Context().Done():
						return
					}
				}
			}),
		redirectElsewhere(),
		hostile("html-not-json", "answers PATCH 200 with an HTML page labelled application/json", `not a single well-formed JSON value`, nil,
			func(w http.ResponseWriter, _ *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("request-id", ids.GUID())
				w.WriteHeader(http.StatusOK)
				_, _ = w.Write([]byte("<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1>\xff\xfe</body></html>"))
			}),
		// Its answers are legal but past the child's --max-response-bytes: the checks that need
		// the body are inconclusive, and PATCH-08 (the status is known: 200) must not fail.
		spares(hostile("huge-body", "answers PATCH 200 with 8 MiB of JSON (the child reads at most 64 KiB)", `the harness's --max-response-bytes limit`, []string{"--max-response-bytes", "64KiB"},
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusOK)
				chunk := bytes.Repeat([]byte("x"), 64<<10)
				if _, err := w.Write([]byte(`{"subject": "`)); err != nil {
					return
				}
				for range 128 {
					if _, err := w.Write(chunk); err != nil || r.Context().Err() != nil {
						return
					}
				}
				_, _ = w.Write([]byte(`"}`))
			}), "PATCH-08"),
		hostile("garbage-json", "answers PATCH 200 with hostile JSON: a BOM, duplicate keys, 1e20000000, invalid UTF-8, 100,000 levels of nesting", `not a single well-formed JSON value`, nil,
			func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("request-id", ids.GUID())
				w.WriteHeader(http.StatusOK)
				var b bytes.Buffer
				b.WriteString("\xef\xbb\xbf{\"id\": \"a\", \"id\": \"b\", \"resultInfo\": {\"code\": 1e20000000}, \"subject\": \"\xff\xfe\", \"source\": ")
				b.WriteString(strings.Repeat(`{"identity": `, 100000))
				b.WriteString("{}")
				b.WriteString(strings.Repeat("}", 100000))
				b.WriteString("}")
				_, _ = w.Write(b.Bytes())
			}),
	}
}

// redirectElsewhere answers every PATCH with 307 to another host (a second listener of its own);
// the check fails if that host ever received a request carrying Authorization.
func redirectElsewhere() Impl {
	return Impl{Name: "redirects-elsewhere", Kind: KindHostile,
		Description: "answers PATCH 307 to another host, which must never see the Authorization header",
		Build: func(tok string) (*Instance, error) {
			var hits, leaks atomic.Int64
			other, err := listen.Start("127.0.0.1:0", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				hits.Add(1)
				if r.Header.Get("Authorization") != "" || (tok != "" && strings.Contains(fmt.Sprint(r.Header), tok)) {
					leaks.Add(1)
				}
				w.WriteHeader(http.StatusOK)
			}))
			if err != nil {
				return nil, err
			}
			// "localhost" names the other listener by another host name as well as another port.
			_, port, _ := net.SplitHostPort(other.Addr().String())
			elsewhere := "http://localhost:" + port
			in := hostile("", "", `got 307`, nil, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Location", elsewhere+r.URL.RequestURI())
				w.Header().Set("request-id", ids.GUID())
				w.WriteHeader(http.StatusTemporaryRedirect)
			})
			inst, err := in.Build(tok)
			if err != nil {
				shutdown(other)
				return nil, err
			}
			inst.Check = func() error {
				if n := leaks.Load(); n > 0 {
					return fmt.Errorf("the other host received %d request(s) carrying Authorization (of %d)", n, hits.Load())
				}
				return nil
			}
			inst.Close = func() { shutdown(other) }
			return inst, nil
		}}
}

// shutdown stops a listener it started, waiting a little for active requests.
func shutdown(r *listen.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = r.Shutdown(ctx)
}
