package mutants

import (
	"net/http"
	"testing"
)

// missingPrefixed is a call id no prefixed implementation gave out, of their shape.
const missingPrefixed = "call_0000000000004000800000000000dead"

// TestPrefixedIDs: the prefixed-ids variant gives out ids call_<32 hex> (in the body and the
// Location), serves them as the reference serves its own (a body naming the call's own id
// included), answers 404 to a missing id of its shape and 400 to an id of another shape, and
// still authenticates first.
func TestPrefixedIDs(t *testing.T) {
	c := start(t, "prefixed-ids")
	r := c.do(http.MethodPost, collection, batteryBaseline)
	id, _ := r.obj["id"].(string)
	if r.status != http.StatusCreated || !prefixedID.MatchString(id) || r.header.Get("Location") != item(id) {
		t.Fatalf("create: %d id %q Location %q", r.status, id, r.header.Get("Location"))
	}
	if r := c.do(http.MethodPatch, item(id), `{"id": "`+id+`", "subject": "own id"}`); r.status != http.StatusOK || r.obj["id"] != id || r.obj["subject"] != "own id" {
		t.Errorf("PATCH naming the call's own id: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodGet, item(id), ""); r.status != http.StatusOK || r.obj["id"] != id {
		t.Errorf("GET: %d %s", r.status, r.body)
	}
	if !prefixedID.MatchString(missingPrefixed) {
		t.Fatalf("the test's missing id %q is not of the shape", missingPrefixed)
	}
	c.do(http.MethodPatch, item(missingPrefixed), `{"subject": "x"}`).graphError(t, http.StatusNotFound, "")
	c.do(http.MethodPatch, item(missingGUID), `{"subject": "x"}`).graphError(t, http.StatusBadRequest, "invalidCallId")
	c.do(http.MethodPatch, item(missingGUID), `{"subject": "x"}`, "Authorization", "").graphError(t, http.StatusUnauthorized, "")
	if r := c.do(http.MethodDelete, item(id), ""); r.status != http.StatusNoContent {
		t.Errorf("DELETE: %d", r.status)
	}
}

// TestPrefixedIDsAnyBearer is issue 17's weak authentication: a request without a token on an
// id of another shape gets 404 (so a probe with a GUID never sees authentication), one on an
// id of the target's shape 401, and any bearer token is accepted.
func TestPrefixedIDsAnyBearer(t *testing.T) {
	c := start(t, "prefixed-ids-any-bearer")
	id := c.create(batteryBaseline)
	if !prefixedID.MatchString(id) {
		t.Fatalf("id %q", id)
	}
	c.do(http.MethodPatch, item(missingGUID), `{"subject": "x"}`, "Authorization", "").graphError(t, http.StatusNotFound, "")
	c.do(http.MethodPatch, item(id), `{"subject": "x"}`, "Authorization", "").graphError(t, http.StatusUnauthorized, "")
	if r := c.do(http.MethodPatch, item(id), `{"subject": "x"}`, "Authorization", "Bearer x"); r.status != http.StatusOK {
		t.Errorf("PATCH with Bearer x: %d, want 200 (the mutant's bug)", r.status)
	}
}

// TestAuthPerConnection: a request without a token is refused on a new connection and accepted
// on one that has carried the right token.
func TestAuthPerConnection(t *testing.T) {
	c := start(t, "auth-per-connection")
	fresh := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(fresh.CloseIdleConnections)
	req, _ := http.NewRequest(http.MethodGet, c.srv.URL+item(missingGUID), nil)
	resp, err := fresh.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token on a new connection: %d, want 401", resp.StatusCode)
	}
	id := c.create(batteryBaseline) // the client keeps its connection alive
	if r := c.do(http.MethodPatch, item(id), `{"subject": "x"}`, "Authorization", ""); r.status != http.StatusOK {
		t.Errorf("no token on a connection that carried one: %d, want 200 (the mutant's bug)", r.status)
	}
}
