package main

import (
	"errors"
	"strings"

	"github.com/callconf/callconf/suites/conformance"
)

// plainHTTPAnswer is what net/http says when an https:// URL reaches a server that speaks plain
// HTTP; the error is not exported, so its text is matched.
const plainHTTPAnswer = "server gave HTTP response to HTTPS client"

// prepareHint is what to try for a target that could not be prepared (err), or "".
func prepareHint(err error, baseURL string) string {
	switch {
	case strings.Contains(err.Error(), plainHTTPAnswer) && strings.HasPrefix(baseURL, "https://"):
		return "the target speaks plain HTTP: did you mean --base-url http://" + strings.TrimPrefix(baseURL, "https://") + "?"
	case errors.Is(err, conformance.ErrUnreachable):
		return "the target gave no HTTP answer: check --base-url, TLS settings and --timeout"
	}
	return ""
}
