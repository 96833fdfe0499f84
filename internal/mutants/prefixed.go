package mutants

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/callconf/callconf/internal/reference"
)

// This file holds the implementations whose call ids are shaped call_<32 hex> (a literal prefix,
// as many services give out) instead of the reference's GUIDs, and the middleware that maps one
// shape onto the other: call_<32 hex> is the reference's GUID without its dashes, so the mapping
// needs no state.

// prefixedID is the shape of the ids the prefixed implementations give out.
var prefixedID = regexp.MustCompile(`^call_[0-9a-f]{32}$`)

// guidShape is the shape of the reference's ids.
var guidShape = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// toPrefixed turns a reference id (a GUID) into the id the client sees.
func toPrefixed(guid string) (string, bool) {
	if !guidShape.MatchString(guid) {
		return "", false
	}
	return "call_" + strings.ReplaceAll(guid, "-", ""), true
}

// fromPrefixed turns an id the client sent into the reference's.
func fromPrefixed(id string) (string, bool) {
	if !prefixedID.MatchString(id) {
		return "", false
	}
	h := id[len("call_"):]
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:], true
}

// prefixedIDs serves next (the reference) with ids shaped call_<32 hex>: item paths, a
// request body's id, and the ids and Location of the answers are mapped. A request on an item
// whose id has another shape goes to foreign, which answers it itself and returns false, or
// returns true to pass it on unmapped.
func prefixedIDs(next http.Handler, foreign func(w http.ResponseWriter, r *http.Request) bool) http.Handler {
	return middleware(next, func(w http.ResponseWriter, r *http.Request) bool {
		if id, ok := itemID(r); ok {
			guid, ok := fromPrefixed(id)
			if !ok {
				return foreign(w, r)
			}
			u := *r.URL
			u.Path, u.RawPath = collection+"/"+guid, ""
			r.URL, r.RequestURI = &u, u.RequestURI()
		}
		if r.Method == http.MethodPatch || r.Method == http.MethodPost {
			if b, complete := readBody(r); complete {
				if o, ok := decodeObject(b); ok {
					if id, ok := o["id"].(string); ok {
						if guid, ok := fromPrefixed(id); ok {
							o["id"] = guid
							setBody(r, encode(o))
						}
					}
				}
			}
		}
		return true
	}, func(_ *http.Request, a *answer) {
		if loc := a.header.Get("Location"); loc != "" {
			if rest, ok := strings.CutPrefix(loc, collection+"/"); ok {
				if id, ok := toPrefixed(rest); ok {
					a.header.Set("Location", collection+"/"+url.PathEscape(id))
				}
			}
		}
		if o, ok := a.object(); ok {
			if guid, ok := o["id"].(string); ok {
				if id, ok := toPrefixed(guid); ok {
					o["id"] = id
					a.setJSON(o)
				}
			}
		}
	})
}

// prefixedVariant is the allowed variant: ids call_<32 hex>, and an id of another shape answers
// 400 (after authentication), as a service that validates ids before looking them up.
func prefixedVariant(srv *reference.Server, tok string) http.Handler {
	return prefixedIDs(srv, func(w http.ResponseWriter, r *http.Request) bool {
		if !authorized(r, tok) {
			return true // the reference answers 401 first
		}
		writeGraphError(w, r, http.StatusBadRequest, "invalidCallId", "the call id is not of the form call_<32 hexadecimal digits>")
		return false
	})
}

// prefixedAnyBearer is issue 17's weak authentication: ids call_<32 hex>, an id of another shape
// matches no route and answers 404 before authentication (as route constraints do), and any
// bearer token is accepted. Probing authentication with a GUID never sees it.
func prefixedAnyBearer(srv *reference.Server, tok string) http.Handler {
	anyBearer := middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		if strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(cred) != "" {
			r.Header.Set("Authorization", "Bearer "+tok)
		}
		return true
	}, nil)
	return prefixedIDs(anyBearer, func(w http.ResponseWriter, r *http.Request) bool {
		writeGraphError(w, r, http.StatusNotFound, "itemNotFound", "no resource at this path")
		return false
	})
}
