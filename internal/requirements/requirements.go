// Package requirements is the single registry of what the harness checks: every requirement of
// the Update-call contract as data, with its stable ID, RFC 2119 level, title, full text, source
// and the optional target capabilities it needs, and the one spelling of the label that ties a
// spec to its requirement and of the calls collection path. Specs, reports and the `runner list`
// command all read this table; nothing else defines a requirement.
//
// The contract document, docs/contract.md, is generated from this registry and the prose of
// contract.md.tmpl (Markdown; `go run ./runner list --markdown > docs/contract.md`), and a test
// fails when the two differ. The package imports the standard library only.
package requirements

import (
	"fmt"
	"slices"
)

// Level is an RFC 2119 requirement level.
type Level string

// The levels a requirement can have.
const (
	Must   Level = "MUST"
	Should Level = "SHOULD"
	May    Level = "MAY"
)

// Capability names an optional route of a target (docs/contract.md, "Capabilities"), or a
// condition such as authentication that decides whether a requirement applies.
type Capability string

// The capabilities the contract knows.
const (
	Create Capability = "create" // POST collection → 201 + call with id
	Read   Capability = "read"   // GET item
	Delete Capability = "delete" // DELETE item → 204
	Auth   Capability = "auth"   // the run expects the target to require its credentials (contract ERR-04)
)

// Requirement is one checkable statement of the contract.
type Requirement struct {
	ID      string       `json:"id"`
	Level   Level        `json:"level"`
	Feature string       `json:"feature"`
	Title   string       `json:"title"`
	Text    string       `json:"text"` // the requirement as docs/contract.md states it, word for word
	Source  string       `json:"source"`
	Needs   []Capability `json:"needs,omitempty"`
}

// Label returns the Ginkgo label that marks a spec as checking r ("req:PATCH-01").
func (r Requirement) Label() string { return labelPrefix + r.ID }

// all is the registry, in contract order. It is unexported and only ever copied out, so no caller
// can change it.
var all = []Requirement{
	{ID: "PATCH-01", Level: Must, Feature: "update", Source: "seed",
		Title: "A valid PATCH on an existing call answers 200 OK",
		Text:  "A PATCH with `Content-Type: application/json` and a body that satisfies the update-call request schema, on an existing call, answers 200 OK: every such PATCH the harness sends in the run, generated ones included, except a body that sets server-generated properties (PATCH-06 allows 400), one that names an abstract base type (400 allowed), and concurrent PATCHes (STATE-03 accepts 409, 412 and 429)."},
	{ID: "PATCH-02", Level: Must, Feature: "update", Source: "seed",
		Title: "The 200 response is application/json and satisfies the call response schema",
		Text:  "Every 200 answer to a PATCH has `Content-Type: application/json` (parameters such as `charset` or `odata.metadata` allowed) and a body that is one JSON value in UTF-8 without a byte-order mark, nothing after it but whitespace, that satisfies the call response schema."},
	{ID: "PATCH-03", Level: Must, Feature: "update", Source: "seed",
		Title: "The response body's id equals the {callId} of the request URL",
		Text:  "In every 200 answer to a PATCH, the body's `id` equals the `{callId}` of the request URL."},
	{ID: "PATCH-04", Level: Must, Feature: "update", Source: "seed",
		Title: "Every updatable property the request set appears in the response with the value sent",
		Text:  "In every 200 answer to a PATCH the harness sends, in any spec, every updatable property the request set (subject, callbackUri, source, targets, requestedModalities, mediaConfig, chatInfo, meetingInfo, tenantId, mediaState) appears with the value sent: never trimmed, truncated or otherwise altered. Objects compare as \"the response contains what was sent\" (recursively), arrays and scalars exactly; numbers compare exactly, not as float64."},
	{ID: "PATCH-05", Level: Must, Feature: "update", Source: "seed, odata",
		Title: "Properties absent from the request keep their previous values (partial update)",
		Text:  "Properties absent from the request keep their previous values (partial update) [odata]. \"Previous\" is what the harness itself set (the body it created the call with, or its baseline PATCH, and every PATCH since that was answered 200), never only what the target echoed. Checked for each updatable property in turn."},
	{ID: "PATCH-06", Level: Must, Feature: "update", Source: "seed",
		Title: "Server-generated properties in the body are reflected (200) or rejected (400 with a Graph error)",
		Text:  "A body that sets server-generated properties (state, direction, myParticipantId, resultInfo, toneInfo) gets either 200 with those values reflected, as the seed's example shows, or 400 with a Graph error. Which of the two the target chose is recorded."},
	{ID: "PATCH-07", Level: Must, Feature: "update", Source: "seed",
		Title: "A body id that differs from the URL's {callId} never changes the call's id",
		Text:  "A body whose `id` differs from the URL's `{callId}` never changes the call's id: 400, or 200 with the id unchanged."},
	{ID: "PATCH-08", Level: Must, Feature: "update", Source: "seed",
		Title: "No request the harness sends, valid or not, is answered with a 5xx",
		Text:  "No request the harness sends in the run, valid or not, is answered with a 5xx: in specs, and in discovery, probes, set-up, reads and restores of named calls and clean-up alike. A 503 with `Retry-After` that a retry overcomes is recorded, not failed."},

	{ID: "ERR-01", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A body that is not well-formed JSON answers 400",
		Text:  "A body that is not well-formed JSON answers 400 (bytes that are not UTF-8 make a body malformed, RFC 8259 §8.1)."},
	{ID: "ERR-02", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A body that violates the request schema answers 400 (422 accepted)",
		Text:  "A body that violates the request schema (a value outside an enum, a wrong JSON type, null for a non-nullable property, an int32 out of range, a JSON array or string instead of an object, a top-level `@odata.type` that names another type than call) answers 400 (422 is accepted and recorded). Each case the harness sends is first confirmed invalid by the harness's own request schema."},
	{ID: "ERR-03", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A PATCH to a callId that does not exist answers 404",
		Text:  "A PATCH to a callId that does not exist answers 404."},
	{ID: "ERR-04", Level: Should, Feature: "errors", Source: "graph, http", Needs: []Capability{Auth},
		Title: "A missing, malformed or wrong bearer token answers 401",
		Text:  "When the target requires authentication: no `Authorization` header answers 401; a malformed or wrong bearer token answers 401; on a call that exists, with an id of the target's own shape, and also on a connection that has just carried an accepted token. The configuration says whether authentication is required: a run given credentials (a token, a token command or OAuth) expects it, so a target that accepts a request without them fails, with a message that says how to declare a target without authentication (the capability `auth` left out); a run without credentials, or with `auth` left out, makes ERR-04 and ERR-10 unsupported."},
	{ID: "ERR-05", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A body sent with a media type other than JSON answers 415",
		Text:  "A body sent with a media type other than JSON (`text/plain`, `application/xml`) answers 415."},
	{ID: "ERR-06", Level: Should, Feature: "errors", Source: "graph",
		Title: "Every 4xx answer carries a Graph error body (error.code non-empty string, error.message string)",
		Text:  "Every 4xx answer, to any request of any spec, carries with a JSON media type (`application/json`, parameters allowed) a body in the Graph error format: an object `error` with a non-empty string `code` and a string `message`."},
	{ID: "ERR-07", Level: May, Feature: "errors", Source: "graph",
		Title: "The error object carries innerError (any case) with request-id and date",
		Text:  "The error object carries `innerError` (any spelling case) with `request-id` and `date`."},
	{ID: "ERR-08", Level: Should, Feature: "errors", Source: "http",
		Title: "PUT on the call item answers 405 with an Allow header that lists PATCH",
		Text:  "PUT on the call item answers 405 with an `Allow` header that lists PATCH [http]."},
	{ID: "ERR-09", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A malformed callId answers 400 or 404, never a redirect",
		Text:  "A malformed callId (path traversal such as `..%2F..%2F`, percent-encoded control bytes such as `%00` or `%0A`, a 4 KiB id) answers 400 or 404, never a redirect."},
	{ID: "ERR-10", Level: Should, Feature: "errors", Source: "http", Needs: []Capability{Auth},
		Title: "Every 401 answer carries a WWW-Authenticate header that names the Bearer scheme",
		Text:  "Every 401 answer carries a `WWW-Authenticate` header that names the `Bearer` scheme [http] (RFC 9110 §11.6.1, RFC 6750 §3)."},

	{ID: "HTTP-01", Level: Should, Feature: "protocol", Source: "graph",
		Title: "Every response carries a request-id header",
		Text:  "Every response, to any request of any spec, success or error, carries a `request-id` header."},
	{ID: "HTTP-02", Level: Should, Feature: "protocol", Source: "graph",
		Title: "A client-request-id sent by the client is echoed in the response",
		Text:  "A `client-request-id` sent by the client is echoed in the response, success or error."},
	{ID: "HTTP-03", Level: Should, Feature: "protocol", Source: "graph",
		Title: "Every 429 and 503 answer carries Retry-After (delta-seconds or an HTTP-date)",
		Text:  "Every 429 and 503 answer carries `Retry-After` (delta-seconds or an HTTP-date) [graph throttling guidance]. When the target never throttles, the requirement passes with the note \"not exercised\"."},
	{ID: "STATE-01", Level: Should, Feature: "state", Source: "graph, odata", Needs: []Capability{Read},
		Title: "A GET after a successful PATCH returns the updated values",
		Text:  "With `read`: a GET after a successful PATCH returns the updated values (PATCH-04 and PATCH-05 hold for the stored call, not only the response)."},
	{ID: "STATE-02", Level: Should, Feature: "state", Source: "odata",
		Title: "The same PATCH sent twice yields the same representation",
		Text:  "The same PATCH sent twice yields the same representation of the updatable properties (server-generated ones such as `state` may change on their own in a live call)."},
	{ID: "STATE-03", Level: Should, Feature: "state", Source: "graph",
		Title: "Concurrent PATCHes to one call are all answered 200 and leave the call intact",
		Text:  "Concurrent PATCHes to one call are all answered 200 (409, 412 and 429 are accepted and recorded): at least 8 at once each with its own subject, and at least 4 at once each setting a different updatable property. Afterwards the call's subject is one of those whose PATCH was answered 200, every property set by a PATCH answered 200 shows its value (no update is lost), and the rest of the call is intact."},
	{ID: "STATE-04", Level: Should, Feature: "state", Source: "graph, http", Needs: []Capability{Create, Delete},
		Title: "After DELETE, a PATCH to that call answers 404",
		Text:  "With `delete`: after DELETE, a PATCH to that call answers 404."},
	{ID: "STATE-05", Level: Should, Feature: "state", Source: "graph",
		Title: "Strings survive a round trip byte for byte",
		Text:  "Strings survive a round trip byte for byte (or the PATCH is rejected with 400 or 413; a string is never stored altered): non-ASCII letters, emoji, right-to-left text, combining marks, leading and trailing spaces, tabs, CR LF, no-break spaces, JSON escapes such as `\\\"`, `\\\\` and `\\t`, a 1,024-character subject and one longer than 65,536 characters."},
	{ID: "STATE-06", Level: Should, Feature: "state", Source: "graph",
		Title: "Setting a nullable property to null answers 200 and shows it null or absent",
		Text:  "Setting a nullable property to null (e.g. `subject`) answers 200 and the response shows it null or absent; with `read`, so does the stored call."},
	{ID: "STATE-07", Level: Should, Feature: "state", Source: "graph, odata",
		Title: "A PATCH answered with a 4xx changes nothing",
		Text:  "A PATCH answered with a 4xx changes nothing: afterwards every property of the call (read back with GET and compared with a GET made right before the PATCH; without `read`, seen in the next accepted PATCH's answer) is as before, server-generated ones included."},
	{ID: "STATE-08", Level: Should, Feature: "state", Source: "graph, odata",
		Title: "A PATCH changes only the call it names",
		Text:  "A PATCH changes only the call it names: another call (created, or named by the user) keeps its representation."},
}

// All returns a copy of every requirement, in contract order.
func All() []Requirement {
	out := make([]Requirement, len(all))
	for i, r := range all {
		r.Needs = slices.Clone(r.Needs)
		out[i] = r
	}
	return out
}

// Get returns the requirement with the given ID.
func Get(id string) (Requirement, error) {
	for _, r := range all {
		if r.ID == id {
			r.Needs = slices.Clone(r.Needs)
			return r, nil
		}
	}
	return Requirement{}, fmt.Errorf("requirements: unknown requirement ID %q", id)
}

// MustGet is Get for IDs written in code: an unknown ID is a programming error.
func MustGet(id string) Requirement {
	r, err := Get(id)
	if err != nil {
		panic(err)
	}
	return r
}
