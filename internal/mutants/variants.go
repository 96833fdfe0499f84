package mutants

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconf/callconf/internal/reference"
)

// serverGenerated are the call's server-generated properties (contract PATCH-06).
var serverGenerated = []string{"state", "direction", "myParticipantId", "resultInfo", "toneInfo"}

// seedCall is the body the variants without create are seeded with.
const seedCall = `{"subject": "callconf seeded call", "callbackUri": "https://bot.example.com/callconf/seeded", "tenantId": "6e8a1d70-0000-4000-8000-00000000c0de"}`

func variants() []Impl {
	return []Impl{
		{Name: "extra-properties", Kind: KindVariant,
			Description: "calls carry unknown properties and @odata.* annotations (context, etag, id); errors carry extra members",
			Build: func(tok string) (*Instance, error) {
				var etag atomic.Int64
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rewriteAnswer(srv, func(r *http.Request, a *answer) {
						if o, ok := a.call(); ok {
							id := o["id"].(string)
							o["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#communications/calls/$entity"
							o["@odata.etag"] = `W/"` + strconv.FormatInt(etag.Add(1), 10) + `"`
							o["@odata.id"] = "communications/calls('" + id + "')"
							o["callconfVendorTier"] = "gold"
							o["callconfLastModifiedDateTime"] = time.Now().UTC().Format(time.RFC3339Nano)
							o["callconfRouting"] = map[string]any{"region": "westeurope", "hops": json.Number("3")}
							a.setJSON(o)
							return
						}
						if o, e, ok := a.graphError(); ok {
							e["callconfTraceId"] = newUUID()
							o["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.error"
							a.setJSON(o)
						}
					})
				})
			}},
		{Name: "odata-content-type", Kind: KindVariant,
			Description: "Content-Type: application/json with odata.metadata, odata.streaming, IEEE754Compatible and charset parameters",
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
						if a.isJSON() {
							a.header.Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
						}
					})
				})
			}},
		{Name: "status-422", Kind: KindVariant,
			Description: "schema violations answer 422 Unprocessable Entity instead of 400",
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
						if c := a.errorCode(); a.status == http.StatusBadRequest && (c == "invalidRequest" || c == "invalidCall") {
							a.status = http.StatusUnprocessableEntity
						}
					})
				})
			}},
		{Name: "innererror-lowercase", Kind: KindVariant,
			Description: "errors spell innererror in lower case, use other error codes and carry no details",
			Build: func(tok string) (*Instance, error) {
				codes := map[string]string{
					"badRequest": "BadRequest", "invalidRequest": "Request_BadRequest", "itemNotFound": "ResourceNotFound",
					"InvalidAuthenticationToken": "Unauthorized", "methodNotAllowed": "Request_UnsupportedQuery",
					"unsupportedMediaType": "UnsupportedMediaType", "invalidCallId": "Request_InvalidCallId",
					"idMismatch": "Request_IdMismatch", "invalidCall": "Request_BadRequest",
				}
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
						o, e, ok := a.graphError()
						if !ok {
							return
						}
						if inner, ok := e["innerError"]; ok {
							delete(e, "innerError")
							e["innererror"] = inner
						}
						if c, ok := codes[e["code"].(string)]; ok {
							e["code"] = c
						}
						delete(e, "details")
						delete(e, "target")
						a.setJSON(o)
					})
				})
			}},
		{Name: "gzip", Kind: KindVariant,
			Description: "answers gzip-compressed when the client accepts gzip (Content-Encoding: gzip, Vary: Accept-Encoding)",
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rewriteAnswer(srv, func(r *http.Request, a *answer) {
						a.header.Add("Vary", "Accept-Encoding")
						if len(a.body) == 0 || !strings.Contains(strings.ToLower(r.Header.Get("Accept-Encoding")), "gzip") {
							return
						}
						var b bytes.Buffer
						zw := gzip.NewWriter(&b)
						_, _ = zw.Write(a.body)
						_ = zw.Close()
						a.body = b.Bytes()
						a.header.Set("Content-Encoding", "gzip")
					})
				})
			}},
		{Name: "pretty-json", Kind: KindVariant,
			Description: "JSON bodies pretty-printed (tabs, newlines), members in alphabetical order, non-ASCII as \\u escapes",
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rewriteAnswer(srv, func(_ *http.Request, a *answer) {
						v, ok := decode(a.body)
						if !a.isJSON() || !ok {
							return
						}
						// encoding/json sorts map keys; ASCII-only output escapes every other
						// character, which decodes to the same string.
						var b bytes.Buffer
						if err := json.Indent(&b, asciiOnly(encode(v)), "", "\t"); err == nil {
							a.body = append(b.Bytes(), '\n')
						}
					})
				})
			}},
		{Name: "replace-nested", Kind: KindVariant,
			Description: "a PATCH replaces top-level objects whole instead of merging them (reference.Options.ReplaceNested)",
			Build: func(tok string) (*Instance, error) {
				return plain(reference.Options{Token: tok, ReplaceNested: true}, tok)
			}},
		{Name: "reject-server-generated", Kind: KindVariant,
			Description: "a PATCH that sets state, direction, myParticipantId, resultInfo or toneInfo answers 400 with a Graph error",
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return rejectServerGenerated(srv, tok, func(w http.ResponseWriter, r *http.Request, prop string) {
						writeGraphError(w, r, http.StatusBadRequest, "readOnlyProperty", "the property "+prop+" is set by the server and cannot be updated")
					})
				})
			}},
		{Name: "no-create-405", Kind: KindVariant,
			Description: "no create route (POST answers 405); two seeded calls named with --call-id, --capabilities read,delete",
			Build: func(tok string) (*Instance, error) {
				return noCreate(tok, http.StatusMethodNotAllowed, []string{"read", "delete"})
			}},
		{Name: "no-create-404", Kind: KindVariant,
			Description: "no create route (POST answers 404); seeded calls named with --call-id, capabilities discovered",
			Build: func(tok string) (*Instance, error) {
				return noCreate(tok, http.StatusNotFound, nil)
			}},
		{Name: "no-auth", Kind: KindVariant,
			Description: "requires no authentication (and the child sends no token): ERR-04 does not apply",
			Build: func(string) (*Instance, error) {
				return plain(reference.Options{}, "")
			}},
		{Name: "conflict-409", Kind: KindVariant,
			Description: "a PATCH that overlaps another PATCH of the same call answers 409 Conflict (Graph error)",
			Build: func(tok string) (*Instance, error) {
				return wrapped(tok, func(srv *reference.Server) http.Handler {
					return onOverlap(srv, func(w http.ResponseWriter, r *http.Request) {
						writeGraphError(w, r, http.StatusConflict, "conflict", "another update of this call is in progress; retry")
					})
				})
			}},
		{Name: "latency-150ms", Kind: KindVariant,
			Description: "every answer takes 150 ms (reference.Options.Latency); the run is split into 5 children",
			Build: func(tok string) (*Instance, error) {
				in, err := plain(reference.Options{Token: tok, Latency: 150 * time.Millisecond}, tok)
				if err != nil {
					return nil, err
				}
				in.Shards = []string{
					"req:PATCH-08 && level:MUST",
					"feature:update && !req:PATCH-08",
					"req:ERR-02",
					"feature:errors && !req:ERR-02",
					"feature:protocol || feature:state",
				}
				return in, nil
			}},
	}
}

// asciiOnly escapes every non-ASCII character of a JSON text as \uXXXX (surrogate pairs above
// the BMP). Only strings hold such characters, so the text stays valid JSON.
func asciiOnly(b []byte) []byte {
	var out bytes.Buffer
	for _, c := range string(b) {
		switch {
		case c < 0x80:
			out.WriteRune(c)
		case c > 0xffff:
			c -= 0x10000
			out.WriteString(`\u` + hex4(0xd800+(c>>10)) + `\u` + hex4(0xdc00+(c&0x3ff)))
		default:
			out.WriteString(`\u` + hex4(c))
		}
	}
	return out.Bytes()
}

func hex4(c rune) string {
	s := strconv.FormatInt(int64(c), 16)
	return strings.Repeat("0", 4-len(s)) + s
}

// rejectServerGenerated answers, by reject, an authorized PATCH whose body sets a
// server-generated property; everything else goes to next.
func rejectServerGenerated(next http.Handler, tok string, reject func(w http.ResponseWriter, r *http.Request, prop string)) http.Handler {
	return middleware(next, func(w http.ResponseWriter, r *http.Request) bool {
		_, obj, ok := patchObject(r)
		if !ok || !authorized(r, tok) {
			return true
		}
		for _, p := range serverGenerated {
			if _, set := obj[p]; set {
				reject(w, r, p)
				return false
			}
		}
		return true
	}, nil)
}

// noCreate builds the reference with two seeded calls and no create route: POST on the
// collection answers status.
func noCreate(tok string, status int, caps []string) (*Instance, error) {
	srv, err := reference.New(reference.Options{Token: tok})
	if err != nil {
		return nil, err
	}
	var ids []string
	for range 2 {
		id, err := srv.Create([]byte(seedCall))
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	h := middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
		if !isCollection(r) || r.Method != http.MethodPost || !authorized(r, tok) {
			return true
		}
		if status == http.StatusMethodNotAllowed {
			w.Header().Set("Allow", "")
			writeGraphError(w, r, status, "methodNotAllowed", "calls cannot be created through this API")
		} else {
			writeGraphError(w, r, status, "itemNotFound", "no resource at this path")
		}
		return false
	}, nil)
	return &Instance{Handler: h, Token: tok, CallIDs: ids, Capabilities: caps}, nil
}

// overlapWindow is how close together two PATCHes of one call must start, from different
// connections, to count as concurrent. Sequential requests of one spec share a kept-alive
// connection, so they never count, however fast they follow each other.
const overlapWindow = 50 * time.Millisecond

// onOverlap answers, by conflict, a PATCH of a call that another connection began to PATCH less
// than overlapWindow ago; everything else goes to next.
func onOverlap(next http.Handler, conflict func(w http.ResponseWriter, r *http.Request)) http.Handler {
	type last struct {
		conn string
		at   time.Time
	}
	var mu sync.Mutex
	seen := map[string]last{}
	return middleware(next, func(w http.ResponseWriter, r *http.Request) bool {
		id, ok := itemID(r)
		if !ok || r.Method != http.MethodPatch {
			return true
		}
		now := time.Now()
		mu.Lock()
		prev, had := seen[id]
		overlap := had && prev.conn != r.RemoteAddr && now.Sub(prev.at) < overlapWindow
		if !overlap {
			seen[id] = last{conn: r.RemoteAddr, at: now}
		}
		mu.Unlock()
		if overlap {
			conflict(w, r)
			return false
		}
		return true
	}, nil)
}
