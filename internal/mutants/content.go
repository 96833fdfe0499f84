package mutants

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/schemas"
)

// contentMutants are the bugs that only the content checks of contract v3 catch on every
// exchange: values altered in any 200 (PATCH-04), GET answers (STATE-01), every property around a
// rejected PATCH (STATE-07), concurrent PATCHes of different properties (STATE-03), whitespace and
// subjects over 64 KiB (STATE-05), and the call's own @odata.type (ERR-02, PATCH-02).
func contentMutants() []Impl {
	return []Impl{
		// The 2 MiB subject PATCH-08 sends and STATE-05's subject over 65,536 characters are
		// answered cut: PATCH-04 judges every 200 to a valid PATCH, whatever spec sent it.
		mutant("subjects-cut-at-64k", "a subject longer than 65,536 characters is stored and answered cut to its first 65,536 (200)",
			reqs("PATCH-04 STATE-05"),
			patches(func(_ string, o map[string]any) map[string]any {
				if s, ok := o["subject"].(string); ok && len(s) > 64<<10 {
					o["subject"] = s[:64<<10]
				}
				return o
			})),
		mutant("strings-trimmed", "every string a PATCH sets is stored and answered without leading and trailing white space",
			reqs("PATCH-04 STATE-03 STATE-05"),
			patches(func(_ string, o map[string]any) map[string]any {
				for k, v := range o {
					o[k] = mapStrings(v, strings.TrimSpace)
				}
				return o
			})),
		mutant("invalid-member-merged", "a PATCH whose mediaState or meetingInfo violates the request schema is answered 400, yet that value is merged into the call and shown from then on",
			reqs("STATE-01 STATE-07"),
			func(srv *reference.Server, _ string) http.Handler {
				return mergeInvalid(srv, "mediaState", "meetingInfo")
			}),
		mutant("state-stored-then-400", `a PATCH that sets the call's state applies it, then answers 400 with a Graph error`,
			reqs("STATE-07"),
			func(srv *reference.Server, tok string) http.Handler {
				return rejectPatch(srv, tok, func(obj map[string]any) string {
					if _, set := obj["state"]; set {
						return "state"
					}
					return ""
				}, func(w http.ResponseWriter, r *http.Request, prop string) {
					if a := capture(srv, r); a.status != http.StatusOK {
						a.send(w)
						return
					}
					writeGraphError(w, r, http.StatusBadRequest, "readOnlyProperty", "the property "+prop+" is set by the server and cannot be updated")
				})
			}),
		mutant("concurrent-updates-lost", "a PATCH of one property reads the call, and writes it back whole a moment later: of PATCHes of different properties at once, only the last one's value stays",
			reqs("STATE-03"),
			func(srv *reference.Server, _ string) http.Handler { return readModifyWrite(srv, 25*time.Millisecond) }),
		mutant("get-invalid-call", `a GET answers the call with "direction": "sideways", outside the callDirection enum (PATCH answers are right)`,
			reqs("STATE-01"),
			answers(func(r *http.Request, a *answer) {
				if o, ok := a.call(); ok && r.Method == http.MethodGet && a.status == http.StatusOK {
					o["direction"] = "sideways"
					a.setJSON(o)
				}
			})),
		mutant("accepts-foreign-call-type", `a PATCH whose top-level "@odata.type" names another type than call (#microsoft.graph.participant) drops it and applies the rest (200)`,
			reqs("ERR-02"),
			func(srv *reference.Server, _ string) http.Handler {
				return middleware(srv, func(_ http.ResponseWriter, r *http.Request) bool {
					if _, o, ok := patchObject(r); ok {
						if t, _ := o["@odata.type"].(string); t != "" && strings.TrimPrefix(t, "#") != "microsoft.graph.call" {
							delete(o, "@odata.type")
							setBody(r, encode(o))
						}
					}
					return true
				}, nil)
			}),
		mutant("participant-typed-answer", `a PATCH answers the call with "@odata.type": "#microsoft.graph.participant" (GET answers are right)`,
			reqs("PATCH-02"),
			answers(func(r *http.Request, a *answer) {
				if o, ok := a.call(); ok && r.Method == http.MethodPatch && a.status == http.StatusOK {
					o["@odata.type"] = "#microsoft.graph.participant"
					a.setJSON(o)
				}
			})),
	}
}

// mergeInvalid wraps next so that a PATCH whose body violates the request schema and sets one of
// props is answered as next answers it (400), yet the value of each of props it set is kept for
// that call and shown in every later answer that carries the call, until a PATCH answered 200
// sets it again: a server that merges before it validates and does not roll back.
func mergeInvalid(next http.Handler, props ...string) http.Handler {
	v, verr := schemas.Default()
	var mu sync.Mutex
	kept := map[string]map[string]any{} // call id → prop → value merged in
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, item := itemID(r)
		_, sent, isPatch := patchObject(r)
		invalid := false
		if isPatch && verr == nil {
			b, _ := readBody(r)
			res, err := v.Validate(schemas.KindRequest, b)
			invalid = err == nil && !res.Valid()
		}
		a := capture(next, r)
		mu.Lock()
		switch {
		case !item:
		case r.Method == http.MethodDelete && a.status < 300:
			delete(kept, id)
		case isPatch && invalid && a.status == http.StatusBadRequest:
			for _, p := range props {
				if x, set := sent[p]; set {
					if kept[id] == nil {
						kept[id] = map[string]any{}
					}
					kept[id][p] = x
				}
			}
		case isPatch && a.status == http.StatusOK:
			for p := range sent {
				delete(kept[id], p)
			}
		}
		if o, ok := a.call(); ok && item && a.status == http.StatusOK && len(kept[id]) > 0 {
			for p, x := range kept[id] {
				o[p] = x
			}
			a.setJSON(o)
		}
		mu.Unlock()
		a.send(w)
	})
}

// readModifyWrite wraps next so that a valid PATCH that sets exactly one updatable property reads
// the call, waits window (the server's own work), and then writes back every updatable property
// as it read it, with the one sent in place: a read-modify-write without a lock. PATCHes one after
// another lose nothing; of PATCHes of different properties at once, each overwrites the others'.
func readModifyWrite(next *reference.Server, window time.Duration) http.Handler {
	return middleware(next, func(_ http.ResponseWriter, r *http.Request) bool {
		id, sent, ok := validPatch(r)
		if !ok || len(sent) != 1 {
			return true
		}
		var prop string
		for k := range sent {
			prop = k
		}
		if !slices.Contains(updatable, prop) {
			return true
		}
		doc, err := next.Get(id)
		if err != nil {
			return true
		}
		read, ok := decodeObject(doc)
		if !ok {
			return true
		}
		time.Sleep(window)
		whole := map[string]any{}
		for _, k := range updatable {
			if x, had := read[k]; had && x != nil {
				whole[k] = x
			}
		}
		whole[prop] = sent[prop]
		setBody(r, encode(whole))
		return true
	}, nil)
}
