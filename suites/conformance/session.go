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
	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/judge"
	"github.com/callconf/callconf/internal/listen"
	"github.com/callconf/callconf/internal/reference"
	"github.com/callconf/callconf/internal/report"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/token"
	"github.com/callconf/callconf/schemas"
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
	// AuthRequired is true when the run expects the target to require authentication: it was
	// given credentials (the embedded reference has its token) and --capabilities, if declared,
	// includes auth (config.Config.AuthExpected, contract ERR-04). Only then do ERR-04 and
	// ERR-10's own spec apply. It is never learnt from the target: a probe of a call that does
	// not exist may meet a route that answers 404 before authentication, and a target that
	// accepts anything must fail ERR-04, not make it unsupported.
	AuthRequired bool `json:"authRequired"`
	// SampleID is an id the target gave out (or the user named), so invented ids can take
	// its shape.
	SampleID string `json:"sampleId,omitempty"`
	// Rerun is the run's configuration as a command line, for the re-run lines of failure
	// messages. The process that prepares the target writes it from the user's configuration:
	// the others may hold a derived one (a parallel run's children get the token, not its
	// file, and a share of the rate limits).
	Rerun config.CommandLine `json:"rerun"`
	// Exchanges is the directory each process appends its part of the run's exchanges.har to
	// (har.go); "" when the run writes no reports.
	Exchanges string `json:"exchanges,omitempty"`
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

// PrepareError is a preparation that failed, with what it sent before it did (judged, for the
// could-not-start report). It unwraps to the cause (ErrNoCall, ErrUnreachable, …).
type PrepareError struct {
	Err    error
	Record report.RunRecord
	// Exchanges holds the parts of the HAR of what it sent (CollectExchanges); "" for none.
	Exchanges string
}

func (e *PrepareError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *PrepareError) Unwrap() error { return e.Err }

// Target is a prepared target: the Session other processes of the run are handed, and this
// process's client for it.
type Target struct {
	Session Session
	Client  *target.Client
	stop    func()
	// log judges and keeps what the preparation and the end of the run send (Finish).
	log *runLog
	// har is the part of the run's HAR the preparation and the end of the run write to.
	har *har.Recorder
	// first holds each named call as the run first read it, by id (absent: it could not be read).
	first map[string]map[string]any
}

// Close shuts the embedded reference down, if Prepare started one, and releases the client's
// idle connections.
func (t *Target) Close() {
	_ = t.har.Close() // a lost write shows as a missing entry, not as a failed run
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
	v, err := schemas.Default()
	if err != nil {
		stop()
		return nil, fmt.Errorf("compiling schemas: %w", err)
	}
	t := &Target{Session: s, Client: client, stop: stop, log: newRunLog(client, cfg, judge.New(v))}
	if cfg.ReportDir != "" {
		if t.Session.Exchanges, err = har.NewPartsDir(); err == nil {
			t.har, err = newRecorder(t.Session.Exchanges, client, cfg)
		}
		if err != nil {
			t.Close()
			return nil, err
		}
		t.log.har = t.har
	}
	if err := t.Session.resolve(ctx, cfg, t.log); err != nil {
		t.Close()
		return nil, &PrepareError{Err: err, Record: t.log.record(), Exchanges: t.Session.Exchanges}
	}
	t.readNamed(ctx)
	if log != nil {
		fmt.Fprint(log, client.Redact(t.Session.Describe()))
	}
	return t, nil
}

// resolve fills in the session: capabilities (declared or discovered), whether the run expects
// authentication (from the configuration alone), and an id of the target's own.
func (s *Session) resolve(ctx context.Context, cfg config.Config, l *runLog) error {
	var err error
	if cfg.CapabilitiesSet {
		s.Capabilities = map[requirements.Capability]bool{}
		for _, c := range cfg.Capabilities {
			s.Capabilities[requirements.Capability(c)] = true
		}
	} else {
		err = s.discover(ctx, cfg, l)
	}
	s.AuthRequired = cfg.AuthExpected()
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

// discover learns create, read and delete by trying them on a call it creates itself; it never
// deletes a call the user named. A DELETE answered 200 or 204 is a delete (the contract); the
// call it created enters the ledger, so one it could not delete is listed at the end.
func (s *Session) discover(ctx context.Context, cfg config.Config, l *runLog) error {
	s.Capabilities = map[requirements.Capability]bool{}
	s.Discovered = true
	ex, throttleCause, err := l.send(ctx, report.PhaseDiscovery, createCall())
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
		l.created(id)
	}
	path := requirements.CollectionPath + "/" + escapeID(id)
	deleted := !s.Capabilities[requirements.Create] // a call the user named is never deleted
	defer func() {
		if !deleted && ctx.Err() != nil {
			// The run was cut (an interrupt, --deadline) while discovery held the call it
			// created: it is deleted all the same, within a grace of its own.
			gctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupGrace(cfg))
			defer cancel()
			l.deleteCall(gctx, report.PhaseDiscovery, id, false)
		}
	}()
	ex, err = l.step(ctx, report.PhaseDiscovery, target.Request{Method: http.MethodGet, Path: path})
	if err != nil {
		return err
	}
	s.Capabilities[requirements.Read] = ex.Status == http.StatusOK
	if s.Capabilities[requirements.Create] {
		ex, err = l.step(ctx, report.PhaseDiscovery, target.Request{Method: http.MethodDelete, Path: path})
		deleted = err == nil
		if err != nil {
			return err
		}
		s.Capabilities[requirements.Delete] = ex.Status == http.StatusNoContent || ex.Status == http.StatusOK
		if s.Capabilities[requirements.Delete] {
			l.confirmDeleted(ctx, report.PhaseDiscovery, id, ex, "", s.Capabilities[requirements.Read])
		}
	}
	return nil
}

// readNamed reads every named call at the start of the run (its first reading), for Finish to
// compare with; one it cannot read is a warning.
func (t *Target) readNamed(ctx context.Context) {
	t.first = map[string]map[string]any{}
	read := t.Session.Has(requirements.Read)
	for _, id := range t.Session.CallIDs {
		obj, ex, ok := t.log.readCall(ctx, report.PhaseReading, id, read)
		if !ok {
			t.log.warn(report.Warning{Kind: report.WarnUnread, CallID: id,
				Text: fmt.Sprintf("named call %s could not be read at the start of the run (%s answered %s): the run cannot tell whether it changed it", id, readMethod(read), answered(ex))})
			continue
		}
		t.first[id] = obj
	}
}

// readMethod names how the harness reads a call: GET with read, else an empty PATCH.
func readMethod(read bool) string {
	if read {
		return "GET"
	}
	return "an empty PATCH"
}

// Finish ends the run on the target: it settles the ledger of the calls the preparation created,
// reads every named call again and compares it with its first reading (a difference is a
// warning with the call's id and the members that changed), and returns what the preparation
// and the end of the run sent and found, for the reports. Call it once, after the suite.
func (t *Target) Finish(ctx context.Context) report.RunRecord {
	read := t.Session.Has(requirements.Read)
	t.log.settle(ctx, t.Session.Has(requirements.Delete), read, true)
	for _, id := range t.Session.CallIDs {
		was, ok := t.first[id]
		if !ok {
			continue
		}
		now, ex, ok := t.log.readCall(ctx, report.PhaseLedger, id, read)
		if !ok {
			t.log.warn(report.Warning{Kind: report.WarnNamedChanged, CallID: id,
				Text: fmt.Sprintf("named call %s could not be read at the end of the run (%s answered %s)", id, readMethod(read), answered(ex))})
			continue
		}
		if diff := differing(was, now); len(diff) > 0 {
			t.log.warn(report.Warning{Kind: report.WarnNamedChanged, CallID: id, Members: diff,
				Text: fmt.Sprintf("named call %s reads differently at the end of the run than at its start: %s changed", id, strings.Join(diff, ", "))})
		}
	}
	return t.log.record()
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
