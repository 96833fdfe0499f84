package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
)

// Session is a resolved target: where it is, how to authenticate, which optional routes it
// serves and which calls the user named. It is what process 1 hands the other processes of a
// parallel run, so it must stay JSON-encodable.
type Session struct {
	BaseURL string `json:"baseUrl"`
	// Token is the embedded reference's bearer token ("" for a target of the user's, whose
	// tokens come from the configuration in every process).
	Token        string                           `json:"token,omitempty"`
	Embedded     bool                             `json:"embedded"`
	Capabilities map[requirements.Capability]bool `json:"capabilities"`
	Discovered   bool                             `json:"discovered"`
	CallIDs      []string                         `json:"callIds"`
	// AuthRequired is true when a request without Authorization was refused (401 or 403):
	// only then do the authentication requirements apply (ERR-04, ERR-10's own spec).
	AuthRequired bool `json:"authRequired"`
	// SampleID is an id the target gave out (or the user named), so invented ids can take
	// its shape.
	SampleID string `json:"sampleId,omitempty"`
	// Rerun is the run's configuration as a command line, for the re-run lines of failure
	// messages. The process that prepares the target writes it from the user's configuration:
	// the others may hold a derived one (a parallel run's children get the token, not its
	// file, and a share of the rate limits).
	Rerun config.CommandLine `json:"rerun"`
}

// Has reports whether the target has capability c.
func (s Session) Has(c requirements.Capability) bool {
	if c == requirements.Auth {
		return s.AuthRequired
	}
	return s.Capabilities[c]
}

// ProcessCallIDs returns the named calls parallel process proc (1-based) of a run with total
// processes may use: every total-th id, so no two processes write the same call; when there are
// fewer ids than processes, the process shares one.
func (s Session) ProcessCallIDs(proc, total int) []string {
	n := max(total, 1)
	if len(s.CallIDs) == 0 {
		return nil
	}
	if len(s.CallIDs) < n {
		return []string{s.CallIDs[(proc-1)%len(s.CallIDs)]}
	}
	var out []string
	for i := proc - 1; i < len(s.CallIDs); i += n {
		out = append(out, s.CallIDs[i])
	}
	return out
}

// Describe renders the capabilities for people, in a fixed order.
func (s Session) Describe() string {
	var have []string
	for _, c := range []requirements.Capability{requirements.Create, requirements.Read, requirements.Delete, requirements.Auth} {
		if s.Has(c) {
			have = append(have, string(c))
		}
	}
	how := "declared"
	if s.Discovered {
		how = "discovered"
	}
	target := s.BaseURL
	if s.Embedded {
		target += " (embedded reference implementation)"
	}
	return fmt.Sprintf("target: %s\ncapabilities (%s): %s\n", target, how, strings.Join(have, ","))
}

// ErrNoCall marks a target the suite has no call to use on: it did not create one and none was
// named. The error says why, with the answer that made discovery give up and the likely fix.
var ErrNoCall = errors.New("the suite has no call to use: the target did not create one and no call was named")

// ErrUnreachable marks a target that gave no HTTP answer during preparation (the runner exits 2).
var ErrUnreachable = errors.New("target unreachable")

// Target is a prepared target: the Session other processes of the run are handed, and this
// process's client for it.
type Target struct {
	Session Session
	Client  *target.Client
	stop    func()
}

// Close shuts the embedded reference down, if Prepare started one, and releases the client's
// idle connections.
func (t *Target) Close() {
	t.Client.Close()
	t.stop()
}

// Prepare resolves cfg into a Target: it starts the embedded reference when no base URL is
// configured (its token joins tokens' redactor), builds the run's client, taking bearer tokens
// from tokens, and discovers capabilities when the user did not declare them.
func Prepare(ctx context.Context, cfg config.Config, tokens *token.Source, log io.Writer) (*Target, error) {
	s := Session{BaseURL: cfg.BaseURL, CallIDs: slices.Clone(cfg.CallIDs), Rerun: cfg.Args()}
	stop := func() {}
	if s.BaseURL == "" {
		tok := ids.Token("callconf-")
		srv, err := reference.New(reference.Options{Token: tok})
		if err != nil {
			return nil, fmt.Errorf("embedded reference: %w", err)
		}
		run, err := listen.Start("127.0.0.1:0", srv)
		if err != nil {
			return nil, fmt.Errorf("embedded reference: %w", err)
		}
		stop = func() {
			// Nothing is in flight when the suite ends. A short grace, then Close: connections a
			// client dialled but never used stay "new", and Shutdown would wait seconds for them.
			sctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
			defer cancel()
			_ = run.Shutdown(sctx)
		}
		s.BaseURL, s.Token, s.Embedded = run.URL(), tok, true
		tokens = token.Static(tok, tokens.Redactor())
	}
	client, err := target.New(s.BaseURL, cfg, tokens)
	if err != nil {
		stop()
		return nil, err
	}
	t := &Target{Session: s, Client: client, stop: stop}
	if err := t.Session.resolve(ctx, cfg, client); err != nil {
		t.Close()
		return nil, err
	}
	if log != nil {
		fmt.Fprint(log, client.Redact(t.Session.Describe()))
	}
	return t, nil
}

// resolve fills in what the session learns from the target: capabilities (declared or
// discovered), whether it requires authentication, and an id of its own.
func (s *Session) resolve(ctx context.Context, cfg config.Config, client *target.Client) error {
	var err error
	if cfg.CapabilitiesSet {
		s.Capabilities = map[requirements.Capability]bool{}
		for _, c := range cfg.Capabilities {
			s.Capabilities[requirements.Capability(c)] = true
		}
	} else {
		err = s.discover(ctx, cfg, client)
	}
	if err == nil {
		s.AuthRequired, err = authRequired(ctx, cfg, client)
	}
	if err == nil && s.SampleID == "" && len(s.CallIDs) > 0 {
		s.SampleID = s.CallIDs[0]
	}
	if err == nil && !s.Has(requirements.Create) && len(s.CallIDs) == 0 {
		err = fmt.Errorf("%w: the capabilities declared (--capabilities) do not include create: pass --call-id ID (repeatable) or CALLCONF_CALL_IDS", ErrNoCall)
	}
	return err
}

// Connect builds this process's client for a session another process prepared: with the
// embedded reference's token, or with cfg's own token source.
func Connect(cfg config.Config, s Session) (*target.Client, error) {
	tokens, err := token.ForConfig(cfg)
	if err != nil {
		return nil, err
	}
	if s.Embedded {
		tokens = token.Static(s.Token, tokens.Redactor())
	}
	return target.New(s.BaseURL, cfg, tokens)
}

// authRequired learns whether the target refuses a request without Authorization: a PATCH of a
// call that does not exist, sent without the header, answered 401 (or 403, which refuses too,
// with the wrong status: ERR-04 then applies and fails). A configured token alone proves
// nothing: a target may take it and never check it.
func authRequired(ctx context.Context, cfg config.Config, c *target.Client) (bool, error) {
	ex, err := prepareStep(ctx, c, cfg, target.Request{Method: http.MethodPatch, Path: requirements.CollectionPath + "/" + missingID(""), Header: jsonHeader(), Body: []byte(`{"subject": "callconf auth probe"}`), Auth: target.AuthNone})
	if err != nil {
		return false, err
	}
	return ex.Status == http.StatusUnauthorized || ex.Status == http.StatusForbidden, nil
}

// discover learns create, read and delete by trying them on a call it creates itself; it never
// deletes a call the user named.
func (s *Session) discover(ctx context.Context, cfg config.Config, c *target.Client) error {
	s.Capabilities = map[requirements.Capability]bool{}
	s.Discovered = true
	ex, throttleCause, err := doRetrying(ctx, c, cfg, createCall())
	if err != nil {
		return err
	}
	id := ""
	if ex.Status == http.StatusCreated {
		if obj, err := check.DecodeObject(ex.Body); err == nil {
			id, _ = obj["id"].(string)
		}
	}
	s.SampleID = id
	if id == "" {
		if len(s.CallIDs) == 0 {
			return fmt.Errorf("%w: %s", ErrNoCall, createRefusal(ex, cfg, throttleCause))
		}
		id = s.CallIDs[0]
	} else {
		s.Capabilities[requirements.Create] = true
	}
	path := requirements.CollectionPath + "/" + escapeID(id)
	deleted := !s.Capabilities[requirements.Create] // a call the user named is never deleted
	defer func() {
		if !deleted && ctx.Err() != nil {
			// The run was cut (an interrupt, --deadline) while discovery held the call it
			// created: it is deleted all the same, within a grace of its own.
			gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupGrace(cfg))
			defer cancel()
			c.Do(gctx, target.Request{Method: http.MethodDelete, Path: path})
		}
	}()
	ex, err = prepareStep(ctx, c, cfg, target.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return err
	}
	s.Capabilities[requirements.Read] = ex.Status == http.StatusOK
	if s.Capabilities[requirements.Create] {
		ex, err = prepareStep(ctx, c, cfg, target.Request{Method: http.MethodDelete, Path: path})
		deleted = err == nil
		if err != nil {
			return err
		}
		s.Capabilities[requirements.Delete] = ex.Status == http.StatusNoContent
	}
	return nil
}

func jsonHeader() http.Header { return http.Header{"Content-Type": {"application/json"}} }

// encodeSession and decodeSession carry a Session from process 1 to the others.
func encodeSession(s Session) []byte {
	b, err := json.Marshal(s)
	if err != nil {
		panic(fmt.Sprintf("conformance: encode session: %v", err)) // only plain fields: cannot happen
	}
	return b
}

func decodeSession(b []byte) (Session, error) {
	var s Session
	if err := json.Unmarshal(b, &s); err != nil {
		return Session{}, fmt.Errorf("conformance: decode session from process 1: %w", err)
	}
	return s, nil
}
