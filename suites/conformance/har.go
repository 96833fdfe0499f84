package conformance

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/har"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/internal/version"
)

// The run's exchanges.har: every exchange the run counts (a spec's, through probe.record, and
// one outside any spec, through the run log) is appended to a part file of its process in the
// directory Session.Exchanges names, which Prepare creates when reports are written. The
// session carries it to every process (the runner's children in their plan, Ginkgo's parallel
// processes through SynchronizedBeforeSuite); the process that concludes the run merges the
// parts (CollectExchanges) once every process has ended.

// newRecorder opens this process's part of the run's HAR; nil when the run keeps none.
func newRecorder(dir string, c *target.Client, cfg config.Config) (*har.Recorder, error) {
	if dir == "" {
		return nil, nil
	}
	return har.NewRecorder(dir, har.Sanitizer{Redact: c.Redact, Secret: cfg.IsSecretHeader})
}

// harExchange is ex as the HAR records it.
func harExchange(ex *target.Exchange) har.Exchange {
	started := ex.Started
	if started.IsZero() { // never sent (a rate limit's wait was cut): when it was given up
		started = time.Now().Add(-ex.Duration)
	}
	h := har.Exchange{Started: started, Duration: ex.Duration, Method: ex.Method, URL: ex.URL, Proto: ex.Proto,
		RequestHeader: ex.RequestHeader, RequestBody: ex.RequestBody, Status: ex.Status, Header: ex.Header,
		Body: ex.Body, ResponseCut: ex.Truncated}
	if ex.Err != nil {
		h.Err = ex.Err.Error()
	}
	if ce := ex.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		h.BodyNote = "the body as received, in Content-Encoding " + ce + " (not decoded)"
	}
	return h
}

// Creator names the harness in the HAR files it writes.
func Creator() har.Creator {
	return har.Creator{Name: "callconf", Version: version.Read().String()}
}

// CollectExchanges writes the run's exchanges.har into reportDir from the parts in dir ("" or
// reportDir "": nothing) through redact, and removes the parts.
func CollectExchanges(dir, reportDir string, redact func(string) string) error {
	if dir == "" || reportDir == "" {
		return nil
	}
	if _, err := har.Collect(dir, filepath.Join(reportDir, har.FileName), Creator(), redact); err != nil {
		return fmt.Errorf("writing %s: %w", har.FileName, err)
	}
	return nil
}
