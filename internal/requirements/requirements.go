// Package requirements is the single registry of what the harness checks: every requirement of
// the Update-call contract (../shared/contract.md) as data, with its stable ID, RFC 2119 level,
// title, source and the optional target capabilities it needs. Specs, reports and the
// `runner list` command all read this table; nothing else defines a requirement.
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

// Capability names an optional route of a target (contract, "Capabilities"), or a condition such
// as authentication that decides whether a requirement applies.
type Capability string

// The capabilities the contract knows.
const (
	Create Capability = "create" // POST collection → 201 + call with id
	Read   Capability = "read"   // GET item
	Delete Capability = "delete" // DELETE item → 204
	Auth   Capability = "auth"   // the target requires a bearer token (one is configured)
)

// Requirement is one checkable statement of the contract.
type Requirement struct {
	ID      string       `json:"id"`
	Level   Level        `json:"level"`
	Feature string       `json:"feature"`
	Title   string       `json:"title"`
	Source  string       `json:"source"`
	Needs   []Capability `json:"needs,omitempty"`
}

// Label returns the Ginkgo label that marks a spec as checking r ("req:PATCH-01").
func (r Requirement) Label() string { return "req:" + r.ID }

// all is the registry, in contract order. It is unexported and only ever copied out, so no caller
// can change it.
var all = []Requirement{
	{ID: "PATCH-01", Level: Must, Feature: "update", Source: "seed",
		Title: "A valid PATCH on an existing call answers 200 OK"},
	{ID: "PATCH-02", Level: Must, Feature: "update", Source: "seed",
		Title: "The 200 response is application/json and satisfies the call response schema"},
	{ID: "PATCH-03", Level: Must, Feature: "update", Source: "seed",
		Title: "The response body's id equals the {callId} of the request URL"},
	{ID: "PATCH-04", Level: Must, Feature: "update", Source: "seed",
		Title: "Every updatable property the request set appears in the response with the value sent"},
	{ID: "PATCH-05", Level: Must, Feature: "update", Source: "seed, odata",
		Title: "Properties absent from the request keep their previous values (partial update)"},
	{ID: "PATCH-06", Level: Must, Feature: "update", Source: "seed",
		Title: "Server-generated properties in the body are reflected (200) or rejected (400 with a Graph error)"},
	{ID: "PATCH-07", Level: Must, Feature: "update", Source: "seed",
		Title: "A body id that differs from the URL's {callId} never changes the call's id"},
	{ID: "PATCH-08", Level: Must, Feature: "update", Source: "seed",
		Title: "No request the harness sends, valid or not, is answered with a 5xx"},

	{ID: "ERR-01", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A body that is not well-formed JSON answers 400"},
	{ID: "ERR-02", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A body that violates the request schema answers 400 (422 accepted)"},
	{ID: "ERR-03", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A PATCH to a callId that does not exist answers 404"},
	{ID: "ERR-04", Level: Should, Feature: "errors", Source: "graph, http", Needs: []Capability{Auth},
		Title: "A missing, malformed or wrong bearer token answers 401"},
	{ID: "ERR-05", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A body sent with a media type other than JSON answers 415"},
	{ID: "ERR-06", Level: Should, Feature: "errors", Source: "graph",
		Title: "Every 4xx answer carries a Graph error body (error.code non-empty string, error.message string)"},
	{ID: "ERR-07", Level: May, Feature: "errors", Source: "graph",
		Title: "The error object carries innerError (any case) with request-id and date"},
	{ID: "ERR-08", Level: Should, Feature: "errors", Source: "http",
		Title: "PUT on the call item answers 405 with an Allow header that lists PATCH"},
	{ID: "ERR-09", Level: Should, Feature: "errors", Source: "graph, http",
		Title: "A malformed callId answers 400 or 404, never a redirect"},

	{ID: "HTTP-01", Level: Should, Feature: "protocol", Source: "graph",
		Title: "Every response carries a request-id header"},
	{ID: "HTTP-02", Level: Should, Feature: "protocol", Source: "graph",
		Title: "A client-request-id sent by the client is echoed in the response"},
	{ID: "STATE-01", Level: Should, Feature: "state", Source: "graph, odata", Needs: []Capability{Read},
		Title: "A GET after a successful PATCH returns the updated values"},
	{ID: "STATE-02", Level: Should, Feature: "state", Source: "odata",
		Title: "The same PATCH sent twice yields the same representation"},
	{ID: "STATE-03", Level: Should, Feature: "state", Source: "graph",
		Title: "Concurrent PATCHes to one call are all answered 200 and leave the call intact"},
	{ID: "STATE-04", Level: Should, Feature: "state", Source: "graph, http", Needs: []Capability{Create, Delete},
		Title: "After DELETE, a PATCH to that call answers 404"},
	{ID: "STATE-05", Level: Should, Feature: "state", Source: "graph",
		Title: "Strings survive a round trip byte for byte"},
	{ID: "STATE-06", Level: Should, Feature: "state", Source: "graph",
		Title: "Setting a nullable property to null answers 200 and shows it null or absent"},
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
