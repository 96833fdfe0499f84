package mutants

import (
	"net/http"
	"sync"

	"github.com/callconf/callconf/internal/reference"
)

// perConnectionAuth checks credentials once per connection: after a request with the right
// token, every later request on the same connection (told by the client's address, unique while
// the connection is open) is taken as authenticated, with or without a token.
func perConnectionAuth(srv *reference.Server, tok string) http.Handler {
	var trusted sync.Map // remote address -> true
	return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
		if authorized(r, tok) {
			trusted.Store(r.RemoteAddr, true)
		} else if _, ok := trusted.Load(r.RemoteAddr); ok {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		return true
	}, nil)
}
