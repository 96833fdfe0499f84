package mutants

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/schemas"
)

// serverGenerated are the call's server-generated properties (contract PATCH-06).
var serverGenerated = schemas.ServerGenerated()

// updatable are the call's updatable properties (contract PATCH-04), as the call schema marks them.
var updatable = schemas.Updatable()

// seedCall is the body the variants without create are seeded with.
const seedCall = `{"subject": "callconf seeded call", "callbackUri": "https://bot.example.com/callconf/seeded", "tenantId": "6e8a1d70-0000-4000-8000-00000000c0de"}`

// variant is shorthand for a wrapped-reference variant; wrap runs once per Build, as mutant's.
func variant(name, desc string, wrap func(srv *reference.Server, tok string) http.Handler) Impl {
	return Impl{Name: name, Kind: KindVariant, Description: desc, Build: wrapping(wrap)}
}

func variants() []Impl {
	return []Impl{
		variant("new-participant-id", "every PATCH that does not set myParticipantId assigns a new one (server-generated properties may change on their own)",
			patches(func(_ string, o map[string]any) map[string]any {
				if _, ok := o["myParticipantId"]; !ok {
					o["myParticipantId"] = ids.GUID()
				}
				return o
			})),
		variant("extra-properties", "calls carry unknown properties and @odata.* annotations (context, etag, id); errors carry extra members",
			func(srv *reference.Server, _ string) http.Handler {
				var etag atomic.Int64
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
						e["callconfTraceId"] = ids.GUID()
						o["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.error"
						a.setJSON(o)
					}
				})
			}),
		variant("odata-content-type", "Content-Type: application/json with odata.metadata, odata.streaming, IEEE754Compatible and charset parameters",
			answers(func(_ *http.Request, a *answer) {
				if a.isJSON() {
					a.header.Set("Content-Type", "application/json; odata.metadata=minimal; odata.streaming=true; IEEE754Compatible=false; charset=utf-8")
				}
			})),
		variant("status-422", "schema violations answer 422 Unprocessable Entity instead of 400",
			answers(func(_ *http.Request, a *answer) {
				if a.schemaRefusal() {
					a.status = http.StatusUnprocessableEntity
				}
			})),
		variant("innererror-lowercase", "errors spell innererror in lower case, use other error codes and carry no details",
			func(srv *reference.Server, _ string) http.Handler {
				codes := map[string]string{
					"badRequest": "BadRequest", "invalidRequest": "Request_BadRequest", "itemNotFound": "ResourceNotFound",
					"InvalidAuthenticationToken": "Unauthorized", "methodNotAllowed": "Request_UnsupportedQuery",
					"unsupportedMediaType": "UnsupportedMediaType", "invalidCallId": "Request_InvalidCallId",
					"idMismatch": "Request_IdMismatch", "invalidCall": "Request_BadRequest",
				}
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
			}),
		variant("gzip", "answers gzip-compressed when the client accepts gzip (Content-Encoding: gzip, Vary: Accept-Encoding)",
			answers(func(r *http.Request, a *answer) {
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
			})),
		variant("pretty-json", "JSON bodies pretty-printed (tabs, newlines), members in alphabetical order, non-ASCII as \\u escapes",
			answers(func(_ *http.Request, a *answer) {
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
			})),
		{Name: "replace-nested", Kind: KindVariant,
			Description: "a PATCH replaces top-level objects whole instead of merging them (reference.Options.ReplaceNested)",
			Build: func(tok string) (*Instance, error) {
				return plain(reference.Options{Token: tok, ReplaceNested: true}, tok)
			}},
		variant("reject-server-generated", "a PATCH that sets state, direction, myParticipantId, resultInfo or toneInfo answers 400 with a Graph error",
			func(srv *reference.Server, tok string) http.Handler {
				return rejectServerGenerated(srv, tok, func(w http.ResponseWriter, r *http.Request, prop string) {
					writeGraphError(w, r, http.StatusBadRequest, "readOnlyProperty", "the property "+prop+" is set by the server and cannot be updated")
				})
			}),
		{Name: "no-create-405", Kind: KindVariant,
			Description: "no create route (POST answers 405); two seeded calls named with --call-id, --capabilities read,delete,auth",
			Build: func(tok string) (*Instance, error) {
				return noCreate(tok, http.StatusMethodNotAllowed, []string{"read", "delete", "auth"})
			}},
		{Name: "no-create-404", Kind: KindVariant,
			Description: "no create route (POST answers 404); seeded calls named with --call-id, capabilities discovered",
			Build: func(tok string) (*Instance, error) {
				return noCreate(tok, http.StatusNotFound, nil)
			}},
		{Name: "no-auth", Kind: KindVariant,
			Description: "requires no authentication, run without credentials (the child sends no token): ERR-04 and ERR-10 end unsupported",
			Build: func(string) (*Instance, error) {
				return plain(reference.Options{}, "")
			}},
		variant("prefixed-ids", "ids shaped call_<32 hex> (a literal prefix) instead of GUIDs; an id of another shape answers 400 (invented ids must take the target's shape for ERR-03's 404)",
			prefixedVariant),
		{Name: "named-open-types", Kind: KindVariant,
			Description: "no create route; two named calls whose identities carry unknown members (open types), which the run must leave as it found them",
			Build: func(tok string) (*Instance, error) {
				return named(tok, openTypesCall, http.StatusMethodNotAllowed, nil)
			}},
		variant("throttled-429", "the first attempt of every 20th create or PATCH answers 429 with Retry-After: 0 (1 now and then); the retry goes through",
			func(srv *reference.Server, tok string) http.Handler {
				return throttle(srv, tok, throttleEvery, isCreateOrPatch, func(w http.ResponseWriter, r *http.Request, refused int) {
					wait := "0"
					if refused%25 == 0 {
						wait = "1"
					}
					w.Header().Set("Retry-After", wait)
					writeGraphError(w, r, http.StatusTooManyRequests, "tooManyRequests", "too many requests; retry after "+wait+" s")
				})
			}),
		variant("throttled-503-http-date", "the first attempt of every 20th create or PATCH answers 503 with Retry-After as an HTTP-date (at most a second ahead); the retry goes through",
			func(srv *reference.Server, tok string) http.Handler {
				return throttle(srv, tok, throttleEvery, isCreateOrPatch, func(w http.ResponseWriter, r *http.Request, refused int) {
					// HTTP-dates have whole seconds: now, truncated, is already past (no wait);
					// the first refusal names the next second.
					at := time.Now()
					if refused == 0 {
						at = at.Add(time.Second)
					}
					w.Header().Set("Retry-After", at.UTC().Format(http.TimeFormat))
					writeGraphError(w, r, http.StatusServiceUnavailable, "serviceNotAvailable", "the service is busy; retry later")
				})
			}),
		variant("derived-identity-types", "calls answer identity sets as #microsoft.graph.communicationsIdentitySet and application and user identities as communicationsApplicationIdentity and communicationsUserIdentity, where the client named the base type or none",
			answers(func(_ *http.Request, a *answer) {
				if o, ok := a.call(); ok {
					deriveIdentities(o)
					a.setJSON(o)
				}
			})),
		variant("targets-as-invitation", "calls answer every target typed #microsoft.graph.invitationParticipantInfo, Graph v1.0's type for a call's targets, where the client sent participantInfo or no type",
			answers(func(_ *http.Request, a *answer) {
				if o, ok := a.call(); ok && retypeTargets(o, invitationParticipantInfo) {
					a.setJSON(o)
				}
			})),
		variant("401-several-challenges", `a 401 carries several challenges, the Bearer one in lower case (WWW-Authenticate: Basic realm="callconf", bearer realm="callconf", error="invalid_token")`,
			func(srv *reference.Server, _ string) http.Handler {
				return challenge(srv, `Basic realm="callconf", bearer realm="callconf", error="invalid_token"`)
			}),
		variant("state-established-later", `a call's state moves from "establishing" to "established" on its own, right after its first answered GET or PATCH`,
			func(srv *reference.Server, _ string) http.Handler {
				return rewriteAnswer(srv, func(r *http.Request, a *answer) {
					id, item := itemID(r)
					if o, ok := a.call(); ok && item && (r.Method == http.MethodGet || r.Method == http.MethodPatch) && o["state"] == "establishing" {
						internalPatch(srv, r, id, map[string]any{"state": "established"})
					}
				})
			}),
		variant("guid-ids-only", "call ids are GUIDs, and a call id that is not a GUID answers 400 (Graph error), malformed ones included",
			func(srv *reference.Server, tok string) http.Handler {
				return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
					id, ok := itemID(r)
					if !ok || guidRE.MatchString(id) || !authorized(r, tok) {
						return true
					}
					writeGraphError(w, r, http.StatusBadRequest, "invalidCallId", "the call id must be a GUID")
					return false
				}, nil)
			}),
		variant("reject-abstract-types", "a PATCH that names the abstract type microsoft.graph.mediaConfig or microsoft.graph.meetingInfo (with or without '#') answers 400 with a Graph error",
			func(srv *reference.Server, tok string) http.Handler {
				return rejectPatch(srv, tok, func(obj map[string]any) string {
					for _, p := range []string{"mediaConfig", "meetingInfo"} {
						if v, ok := obj[p].(map[string]any); ok && odataType(v) == "microsoft.graph."+p {
							return p
						}
					}
					return ""
				}, func(w http.ResponseWriter, r *http.Request, prop string) {
					writeGraphError(w, r, http.StatusBadRequest, "invalidRequest", "the abstract type microsoft.graph."+prop+" cannot be instantiated; name a concrete type")
				})
			}),
		variant("conflict-409", "a PATCH that overlaps another PATCH of the same call answers 409 Conflict (Graph error)",
			func(srv *reference.Server, _ string) http.Handler {
				return onOverlap(srv, func(w http.ResponseWriter, r *http.Request) {
					writeGraphError(w, r, http.StatusConflict, "conflict", "another update of this call is in progress; retry")
				})
			}),
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
	return rejectPatch(next, tok, func(obj map[string]any) string {
		for _, p := range serverGenerated {
			if _, set := obj[p]; set {
				return p
			}
		}
		return ""
	}, reject)
}

// rejectPatch answers, by reject, an authorized PATCH on an item whose body (a JSON object) has
// a property that offending names ("" for none); everything else goes to next.
func rejectPatch(next http.Handler, tok string, offending func(obj map[string]any) string, reject func(w http.ResponseWriter, r *http.Request, prop string)) http.Handler {
	return middleware(next, func(w http.ResponseWriter, r *http.Request) bool {
		_, obj, ok := patchObject(r)
		if !ok || !authorized(r, tok) {
			return true
		}
		if p := offending(obj); p != "" {
			reject(w, r, p)
			return false
		}
		return true
	}, nil)
}

// noCreate builds the reference with two calls seeded with seedCall and no create route: POST
// on the collection answers status.
func noCreate(tok string, status int, caps []string) (*Instance, error) {
	return named(tok, seedCall, status, caps)
}

// named builds the reference with two calls seeded with seed and no create route (POST on the
// collection answers status); the child is told their ids. Its Check fails when the run did not
// leave them as it found them (a member set to null counts as absent: a PATCH cannot remove one).
func named(tok, seed string, status int, caps []string) (*Instance, error) {
	srv, err := reference.New(reference.Options{Token: tok})
	if err != nil {
		return nil, err
	}
	var ids []string
	found := map[string]any{}
	for range 2 {
		id, err := srv.Create([]byte(seed))
		if err != nil {
			return nil, err
		}
		doc, _ := srv.Get(id)
		found[id], _ = decode(doc)
		ids = append(ids, id)
	}
	check := func() error {
		for _, id := range ids {
			doc, err := srv.Get(id)
			if err != nil {
				return fmt.Errorf("the named call %s is gone: %v", id, err)
			}
			if now, _ := decode(doc); !sameJSON(found[id], now) {
				return fmt.Errorf("the run left the named call %s changed: found %s, left %s", id, encode(found[id]), doc)
			}
		}
		return nil
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
	return &Instance{Handler: h, Token: tok, CallIDs: ids, Capabilities: caps, Check: check}, nil
}

// openTypesCall seeds named-open-types: every updatable property set, and identity sets and
// identities with members the schemas do not know (both are open types), which a target stores
// as sent.
const openTypesCall = `{
  "subject": "callconf named call with open types",
  "callbackUri": "https://bot.example.com/callconf/named",
  "source": {
    "identity": {
      "application": {"id": "2b5c7c6a-0000-4000-8000-00000000a0f1", "displayName": "callconf named bot", "tenantId": "6e8a1d70-0000-4000-8000-00000000c0f1", "callconfVendorTag": "kept"},
      "phone": {"id": "+15555550100", "displayName": "Front desk"},
      "callconfRouting": {"region": "westeurope", "hops": 3}
    },
    "region": "westeurope",
    "languageId": "en-US"
  },
  "targets": [
    {"identity": {"user": {"id": "8d6a1f2e-0000-4000-8000-00000000b0f1", "displayName": "Named callee", "tenantId": "6e8a1d70-0000-4000-8000-00000000c0f1"},
                  "guest": {"id": "guest-0f1", "displayName": "Guest"}}}
  ],
  "requestedModalities": ["audio"],
  "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig", "removeFromDefaultAudioGroup": false},
  "chatInfo": {"threadId": "19:meeting_named@thread.v2", "messageId": "0"},
  "meetingInfo": {"@odata.type": "#microsoft.graph.organizerMeetingInfo",
                  "organizer": {"user": {"id": "8d6a1f2e-0000-4000-8000-00000000b0f2", "displayName": "Organizer", "callconfVendorTag": "kept"}, "encrypted": {"id": "enc-0f2"}}},
  "tenantId": "6e8a1d70-0000-4000-8000-00000000c0f1",
  "mediaState": {"audio": "active"}
}`

// sameJSON reports whether two decoded JSON values are equal, a member set to null counting as
// absent. Numbers compare as written.
func sameJSON(a, b any) bool {
	switch x := a.(type) {
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok {
			return false
		}
		for k := range x {
			if !sameJSON(x[k], y[k]) {
				return false
			}
		}
		for k := range y {
			if _, ok := x[k]; !ok && y[k] != nil {
				return false
			}
		}
		return true
	case []any:
		y, ok := b.([]any)
		return ok && slices.EqualFunc(x, y, sameJSON)
	}
	return a == b
}

// guidRE matches a GUID (8-4-4-4-12 hexadecimal digits).
var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// odataType is o's "@odata.type" without the leading '#' ("" when absent or not a string).
func odataType(o map[string]any) string {
	t, _ := o["@odata.type"].(string)
	return strings.TrimPrefix(t, "#")
}

// deriveIdentities names derived types in call's identity sets (source, targets, a meeting's
// organizer) and their application and user identities, where the value names the base type or
// none: Graph's calls carry the communications* types. A value naming another type is the
// client's choice and stays as it is.
func deriveIdentities(call map[string]any) {
	var sets []any
	if src, ok := call["source"].(map[string]any); ok {
		sets = append(sets, src["identity"])
	}
	if targets, ok := call["targets"].([]any); ok {
		for _, t := range targets {
			if p, ok := t.(map[string]any); ok {
				sets = append(sets, p["identity"])
			}
		}
	}
	if mi, ok := call["meetingInfo"].(map[string]any); ok {
		sets = append(sets, mi["organizer"])
	}
	derive := func(o map[string]any, base, derived string) {
		if t := odataType(o); t == "" || t == "microsoft.graph."+base {
			o["@odata.type"] = "#microsoft.graph." + derived
		}
	}
	for _, v := range sets {
		set, ok := v.(map[string]any)
		if !ok {
			continue
		}
		derive(set, "identitySet", "communicationsIdentitySet")
		for member, derived := range map[string]string{"application": "communicationsApplicationIdentity", "user": "communicationsUserIdentity"} {
			if id, ok := set[member].(map[string]any); ok {
				derive(id, "identity", derived)
			}
		}
	}
}

// invitationParticipantInfo is Graph v1.0's type for the items of a call's targets; the seed's
// table types them participantInfo.
const invitationParticipantInfo = "#microsoft.graph.invitationParticipantInfo"

// retypeTargets sets the @odata.type of every item of call's targets that is an object to
// odataType, and reports whether it found one.
func retypeTargets(call map[string]any, odataType string) bool {
	targets, _ := call["targets"].([]any)
	found := false
	for _, t := range targets {
		if p, ok := t.(map[string]any); ok {
			p["@odata.type"] = odataType
			found = true
		}
	}
	return found
}

// overlapWindow is how close together two PATCHes of one call must start, from different
// connections, to count as concurrent. Sequential requests of one spec share a kept-alive
// connection, so they never count, however fast they follow each other.
const overlapWindow = 50 * time.Millisecond

// onOverlap answers, by conflict, a PATCH of a call that another connection began to PATCH less
// than overlapWindow ago; everything else goes to srv.
func onOverlap(srv *reference.Server, conflict func(w http.ResponseWriter, r *http.Request)) http.Handler {
	type last struct {
		conn string
		at   time.Time
	}
	var mu sync.Mutex
	seen := map[string]last{}
	return middleware(srv, func(w http.ResponseWriter, r *http.Request) bool {
		id, ok := itemID(r)
		if !ok || r.Method != http.MethodPatch {
			return true
		}
		if _, err := srv.Get(id); err != nil {
			return true // no such call: nothing to be in conflict over (parallel specs share malformed ids)
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

// isItemPatch reports whether r is a PATCH of a call.
func isItemPatch(r *http.Request) bool {
	_, ok := itemID(r)
	return ok && r.Method == http.MethodPatch
}

// isCreateOrPatch reports whether r creates a call or PATCHes one.
func isCreateOrPatch(r *http.Request) bool {
	return isItemPatch(r) || (isCollection(r) && r.Method == http.MethodPost)
}

// throttleEvery is how often (every nth create or PATCH) the throttling variants refuse a first
// attempt: often enough that many specs wait out throttling, rarely enough that the waits (at
// least a second each, the contract's retry floor) keep the selftest short.
const throttleEvery = 20

// throttle refuses, by refuse, the first attempt of every nth authorized request that pick
// selects; refuse is told how many it refused before. The next request with the same method,
// path and body is taken for the retry and goes through, so a client that retries gets its
// answer (and is never refused twice in a row for one request).
func throttle(next http.Handler, tok string, every int, pick func(r *http.Request) bool, refuse func(w http.ResponseWriter, r *http.Request, refused int)) http.Handler {
	var mu sync.Mutex
	picked, refused := 0, 0
	pending := map[[sha256.Size]byte]bool{} // refused requests not retried yet
	return middleware(next, func(w http.ResponseWriter, r *http.Request) bool {
		if !pick(r) || !authorized(r, tok) {
			return true
		}
		body, complete := readBody(r)
		if !complete {
			return true
		}
		key := sha256.Sum256([]byte(r.Method + " " + r.URL.EscapedPath() + "\n" + string(body)))
		mu.Lock()
		if pending[key] {
			delete(pending, key)
			mu.Unlock()
			return true
		}
		picked++
		if picked%every != 0 {
			mu.Unlock()
			return true
		}
		pending[key] = true
		n := refused
		refused++
		mu.Unlock()
		refuse(w, r, n)
		return false
	}, nil)
}
