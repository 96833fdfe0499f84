package mutants

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/schemas"
)

// This file holds the plumbing the catalogue's middlewares share: capturing the reference's answer
// so it can be rewritten, rewriting request bodies, JSON helpers that keep numbers exact, and a
// Graph error writer for answers a middleware gives itself.

// collection is the calls collection's path (the catalogue serves it at the root).
const collection = requirements.CollectionPath

// answer is a captured response of the wrapped handler, to be rewritten and then sent.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// recorder is the http.ResponseWriter capture hands the wrapped handler.
type recorder struct {
	header http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(b)
}

// capture runs next on r and returns what it answered.
func capture(next http.Handler, r *http.Request) *answer {
	rec := &recorder{header: http.Header{}}
	next.ServeHTTP(rec, r)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return &answer{status: rec.status, header: rec.header, body: rec.buf.Bytes()}
}

// send writes a to w, with a Content-Length that matches the (possibly rewritten) body.
func (a *answer) send(w http.ResponseWriter) {
	h := w.Header()
	for k, v := range a.header {
		h[k] = v
	}
	h.Del("Content-Length")
	if a.status != http.StatusNoContent && a.status != http.StatusNotModified {
		h.Set("Content-Length", strconv.Itoa(len(a.body)))
	}
	w.WriteHeader(a.status)
	if len(a.body) > 0 && a.status != http.StatusNoContent {
		_, _ = w.Write(a.body)
	}
}

// isJSON reports whether the answer is a JSON body.
func (a *answer) isJSON() bool {
	mt, _, err := mime.ParseMediaType(a.header.Get("Content-Type"))
	return err == nil && mt == "application/json" && len(a.body) > 0
}

// object decodes the answer's body as a JSON object (numbers exact).
func (a *answer) object() (map[string]any, bool) {
	if !a.isJSON() {
		return nil, false
	}
	o, ok := decodeObject(a.body)
	return o, ok
}

// call returns the answer's body when it is a call (a 2xx JSON object with an id).
func (a *answer) call() (map[string]any, bool) {
	if a.status < 200 || a.status > 299 {
		return nil, false
	}
	o, ok := a.object()
	if !ok {
		return nil, false
	}
	if _, ok := o["id"].(string); !ok {
		return nil, false
	}
	return o, true
}

// graphError returns the answer's error object when it is a Graph error body.
func (a *answer) graphError() (map[string]any, map[string]any, bool) {
	if a.status < 400 {
		return nil, nil, false
	}
	o, ok := a.object()
	if !ok {
		return nil, nil, false
	}
	e, ok := o["error"].(map[string]any)
	return o, e, ok
}

// errorCode is the Graph error code of the answer, "" when it is no Graph error.
func (a *answer) errorCode() string {
	_, e, ok := a.graphError()
	if !ok {
		return ""
	}
	c, _ := e["code"].(string)
	return c
}

// schemaRefusal reports whether the answer is the reference's 400 for a body that violates the
// request schema (invalidRequest) or would leave the call invalid (invalidCall).
func (a *answer) schemaRefusal() bool {
	c := a.errorCode()
	return a.status == http.StatusBadRequest && (c == "invalidRequest" || c == "invalidCall")
}

// setJSON replaces the body by v encoded.
func (a *answer) setJSON(v any) { a.body = encode(v) }

// itemID returns the call id of a request on an item ("/communications/calls/{id}").
func itemID(r *http.Request) (string, bool) {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), collection+"/")
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	if err != nil {
		return "", false
	}
	return id, true
}

// isCollection reports whether r addresses the collection itself.
func isCollection(r *http.Request) bool { return r.URL.EscapedPath() == collection }

// maxRewrite bounds what a middleware reads of a request body; beyond it the body passes through.
const maxRewrite = 4 << 20

// readBody reads r's body (up to maxRewrite) and puts it back so that the next handler reads the
// same bytes; complete is false when the body was longer and must not be rewritten.
func readBody(r *http.Request) (body []byte, complete bool) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, true
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxRewrite+1))
	if err != nil || len(b) > maxRewrite {
		r.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
		return b, false
	}
	_ = r.Body.Close()
	setBody(r, b)
	return b, true
}

// setBody replaces r's body.
func setBody(r *http.Request, b []byte) {
	r.Body = io.NopCloser(bytes.NewReader(b))
	r.ContentLength = int64(len(b))
	r.TransferEncoding = nil
	r.Header.Set("Content-Length", strconv.Itoa(len(b)))
}

// patchObject returns the id and the decoded body of a PATCH on an item whose body is a JSON
// object; ok is false for anything else (which middlewares then pass through untouched).
func patchObject(r *http.Request) (id string, obj map[string]any, ok bool) {
	if r.Method != http.MethodPatch {
		return "", nil, false
	}
	id, ok = itemID(r)
	if !ok {
		return "", nil, false
	}
	b, complete := readBody(r)
	if !complete {
		return "", nil, false
	}
	if !utf8.Valid(b) {
		return "", nil, false
	}
	obj, ok = decodeObject(b)
	return id, obj, ok
}

// decode parses exactly one JSON value, numbers kept as json.Number.
func decode(b []byte) (any, bool) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, false
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, false
	}
	return v, true
}

func decodeObject(b []byte) (map[string]any, bool) {
	v, ok := decode(b)
	if !ok {
		return nil, false
	}
	o, ok := v.(map[string]any)
	return o, ok
}

// encode renders v as compact JSON without HTML escaping; json.Number stays as written.
func encode(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(fmt.Sprintf("mutants: encoding %T: %v", v, err)) // only decoded JSON values: cannot fail
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// mapStrings returns v with every string value (not member names) replaced by f(s).
func mapStrings(v any, f func(string) string) any {
	return mapLeaves(v, func(leaf any) any {
		if s, ok := leaf.(string); ok {
			return f(s)
		}
		return leaf
	})
}

// mapNumbers returns v with every number replaced by f(n).
func mapNumbers(v any, f func(json.Number) any) any {
	return mapLeaves(v, func(leaf any) any {
		if n, ok := leaf.(json.Number); ok {
			return f(n)
		}
		return leaf
	})
}

// mapLeaves returns a copy of v with every scalar replaced by f(scalar).
func mapLeaves(v any, f func(any) any) any {
	switch x := v.(type) {
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = mapLeaves(e, f)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = mapLeaves(e, f)
		}
		return out
	}
	return f(v)
}

// authorized reports whether r carries "Authorization: Bearer <token>" (always true without a
// token). Middlewares that answer on their own use it to leave authentication to the reference.
func authorized(r *http.Request, token string) bool {
	if token == "" {
		return true
	}
	want := "Bearer " + token
	got := strings.TrimSpace(r.Header.Get("Authorization"))
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// traceHeaders sets the headers the reference puts on every answer, for an answer a middleware
// gives itself: a new request-id, and the client-request-id the client sent. It returns the
// request-id.
func traceHeaders(h http.Header, r *http.Request) string {
	rid := ids.GUID()
	h.Set("request-id", rid)
	if c := r.Header.Get("client-request-id"); c != "" {
		h.Set("client-request-id", c)
	}
	return rid
}

// writeGraphError answers a Graph error the way the reference does: request-id header, an echoed
// client-request-id, and innerError with request-id and date.
func writeGraphError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	h := w.Header()
	rid := traceHeaders(h, r)
	inner := map[string]any{"request-id": rid, "date": time.Now().UTC().Format(time.RFC3339)}
	if c := r.Header.Get("client-request-id"); c != "" {
		inner["client-request-id"] = c
	}
	body := encode(map[string]any{"error": map[string]any{"code": code, "message": message, "innerError": inner}})
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// middleware builds a handler around next from optional hooks: before may rewrite the request
// (return false to have answered it itself), after rewrites the captured answer.
func middleware(next http.Handler, before func(w http.ResponseWriter, r *http.Request) bool, after func(r *http.Request, a *answer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if before != nil && !before(w, r) {
			return
		}
		if after == nil {
			next.ServeHTTP(w, r)
			return
		}
		a := capture(next, r)
		after(r, a)
		a.send(w)
	})
}

// rewriteAnswer is middleware with only an after hook.
func rewriteAnswer(next http.Handler, after func(r *http.Request, a *answer)) http.Handler {
	return middleware(next, nil, after)
}

// rewritePatchAnswer is rewriteAnswer for the answers to PATCHes on an item whose body is a JSON
// object, with that body (the request's body is read before next sees it, and put back).
func rewritePatchAnswer(next http.Handler, after func(r *http.Request, sent map[string]any, a *answer)) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, sent, ok := patchObject(r)
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		a := capture(next, r)
		after(r, sent, a)
		a.send(w)
	})
}

// internalPatch sends next, on behalf of r (with r's credentials and context), a PATCH of body to
// the call id, and returns what next answered. Middlewares use it to change a call behind the
// client's back.
func internalPatch(next http.Handler, r *http.Request, id string, body map[string]any) *answer {
	in := r.Clone(r.Context())
	in.Method = http.MethodPatch
	u := &url.URL{Path: collection + "/" + id, RawPath: collection + "/" + url.PathEscape(id)}
	in.URL, in.RequestURI = u, u.RequestURI()
	in.Header.Set("Content-Type", "application/json")
	in.Header.Del("Content-Encoding")
	setBody(in, encode(body))
	return capture(next, in)
}

// rewritePatch is middleware that rewrites the body of PATCHes on an item whose body satisfies
// the request schema: like most servers, the mutants validate first and go wrong afterwards, so
// that malformed or invalid bodies still get the reference's 400.
func rewritePatch(next http.Handler, f func(id string, body map[string]any) map[string]any) http.Handler {
	return middleware(next, func(_ http.ResponseWriter, r *http.Request) bool {
		if id, obj, ok := validPatch(r); ok {
			setBody(r, encode(f(id, obj)))
		}
		return true
	}, nil)
}

// validPatch is patchObject for bodies that satisfy the request schema.
func validPatch(r *http.Request) (string, map[string]any, bool) {
	id, obj, ok := patchObject(r)
	if !ok {
		return "", nil, false
	}
	b, _ := readBody(r)
	v, err := schemas.Default()
	if err != nil {
		return "", nil, false
	}
	res, err := v.Validate(schemas.KindRequest, b)
	if err != nil || !res.Valid() {
		return "", nil, false
	}
	return id, obj, true
}
