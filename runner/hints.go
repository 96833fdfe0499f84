package main

import (
	"errors"
	"strings"

	"github.com/callconf/callconf/suites/conformance"
)

// plainHTTPAnswer is what net/http says when an https:// URL reaches a server that speaks plain
// HTTP; the error is not exported, so its text is matched.
const plainHTTPAnswer = "server gave HTTP response to HTTPS client"

// prepareHint is advice for a target that could not be prepared (err), or "": the cause itself
// is stated once, in the summary, so this only says what to try.
func prepareHint(err error, baseURL string) string {
	switch {
	case strings.Contains(err.Error(), plainHTTPAnswer) && strings.HasPrefix(baseURL, "https://"):
		return "the target answered plain HTTP to HTTPS; did you mean --base-url http://" + strings.TrimPrefix(baseURL, "https://") + "?"
	case errors.Is(err, conformance.ErrUnreachable):
		return "the target is unreachable (it gave no HTTP answer); check --base-url, TLS settings and --timeout"
	}
	return ""
}
