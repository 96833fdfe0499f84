package conformance

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/config"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
)

// createRefusal says why discovery's create did not give a call: the method, URL and status of
// the answer (with its error message, if any) and the likely fix. A user who sees "no create
// capability" must learn whether the token, the base URL or the target is at fault.
func createRefusal(ex *target.Exchange, cfg config.Config, throttleCause string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s answered %d %s", ex.Method, ex.URL, ex.Status, http.StatusText(ex.Status))
	if msg := errorMessage(ex); msg != "" {
		fmt.Fprintf(&b, " (%s)", msg)
	}
	if fix := likelyFix(ex, cfg, throttleCause); fix != "" {
		b.WriteString("; " + fix)
	}
	return b.String()
}

// errorMessage is the code and message of a Graph error body, else the start of the body.
func errorMessage(ex *target.Exchange) string {
	if len(ex.Body) == 0 {
		return ""
	}
	if obj, err := check.DecodeObject(ex.Body); err == nil {
		if e, ok := obj["error"].(map[string]any); ok {
			code, _ := e["code"].(string)
			msg, _ := e["message"].(string)
			if code != "" || msg != "" {
				return strings.TrimSpace(code + ": " + check.Cut(msg, 200))
			}
		}
	}
	return "body: " + check.Cut(strings.Join(strings.Fields(string(ex.Body)), " "), 200)
}

// likelyFix maps the status that ended discovery to what the user most likely has to change.
func likelyFix(ex *target.Exchange, cfg config.Config, throttleCause string) string {
	const nameCalls = "or name existing calls with --call-id ID (repeatable) and declare --capabilities"
	switch s := ex.Status; {
	case s == http.StatusCreated:
		return `the answer has no string "id", so the harness cannot use the call it created; ` + nameCalls
	case s == http.StatusUnauthorized:
		if cfg.Token == "" && cfg.TokenSource() == "" {
			return "no token was sent: set CALLCONF_TOKEN, --token-file, --token-command or the --oauth-* settings"
		}
		return "the target refused the token: check that it is current, for this target's audience, and the one you meant (`callconf token` prints what a run sends)"
	case s == http.StatusForbidden:
		return "the token lacks the permission to create calls (Graph: the Calls.Initiate.All application permission), " + nameCalls
	case s == http.StatusNotFound:
		if strings.Contains(strings.TrimSuffix(cfg.BaseURL, "/"), requirements.CollectionPath) {
			return "--base-url must be the API root the harness appends " + requirements.CollectionPath + " to; drop that part of it (e.g. " + strings.SplitN(cfg.BaseURL, requirements.CollectionPath, 2)[0] + ")"
		}
		return "nothing serves " + requirements.CollectionPath + " there: --base-url must be the API root the harness appends " + requirements.CollectionPath + " to (e.g. https://graph.microsoft.com/beta); check its path and version segment"
	case s == http.StatusMethodNotAllowed || s == http.StatusNotImplemented:
		return "the target does not create calls: " + strings.TrimPrefix(nameCalls, "or ")
	case s == http.StatusRequestEntityTooLarge:
		return fmt.Sprintf("the target's request body limit is below the harness's create body (%d bytes): raise the limit, %s", len(ex.RequestBody), nameCalls)
	case s == http.StatusTooManyRequests || s == http.StatusServiceUnavailable:
		return throttleCause + "; try later, or raise the setting it names"
	case s >= 300 && s < 400:
		return "redirects are never followed (Location: " + ex.Header.Get("Location") + "): give --base-url as the final URL (scheme, host and path)"
	case s >= 500:
		return "the target failed; its logs should say why"
	case s >= 400:
		return "the target refused the harness's create body, " + nameCalls
	}
	return nameCalls
}
