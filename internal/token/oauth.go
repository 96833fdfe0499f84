package token

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// OAuthTimeout bounds one exchange with the token endpoint.
const OAuthTimeout = 30 * time.Second

// ClientCredentials returns a FetchFunc that asks cc's token endpoint for a new access token with
// the client credentials grant (RFC 6749 section 4.4) through hc (nil = a client that trusts the
// system roots, never follows a redirect and gives up after OAuthTimeout). Caching and refreshing
// are the Source's: each call is one request to the endpoint.
func ClientCredentials(cc *clientcredentials.Config, hc *http.Client) FetchFunc {
	if hc == nil {
		hc = endpointClient(nil)
	}
	return func(ctx context.Context) (Fetched, error) {
		ctx, cancel := context.WithTimeout(ctx, OAuthTimeout)
		defer cancel()
		t, err := cc.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
		if err != nil {
			var re *oauth2.RetrieveError
			if errors.As(err, &re) {
				// Not re.Error(): it quotes the whole response body.
				msg := fmt.Sprintf("the token endpoint answered %s", re.Response.Status)
				if re.ErrorCode != "" {
					msg += fmt.Sprintf(": %s", re.ErrorCode)
				}
				if re.ErrorDescription != "" {
					msg += fmt.Sprintf(" (%s)", re.ErrorDescription)
				}
				return Fetched{}, errors.New(msg)
			}
			return Fetched{}, fmt.Errorf("asking the token endpoint: %v", err)
		}
		if t.TokenType != "" && !strings.EqualFold(t.TokenType, "bearer") {
			return Fetched{}, fmt.Errorf("the token endpoint issued a %q token, not a bearer token", t.TokenType)
		}
		return Fetched{Token: t.AccessToken, Lifetime: expiresIn(t)}, nil
	}
}

// expiresIn reads the expires_in of the endpoint's answer as the source's clock counts it; the
// library's own Expiry is on the wall clock.
func expiresIn(t *oauth2.Token) time.Duration {
	var secs float64
	switch v := t.Extra("expires_in").(type) {
	case float64:
		secs = v
	case string:
		secs, _ = strconv.ParseFloat(v, 64)
	}
	if secs > 0 {
		return time.Duration(secs * float64(time.Second))
	}
	if !t.Expiry.IsZero() {
		return time.Until(t.Expiry)
	}
	return 0
}

// endpointClient is the HTTP client for the token endpoint: the system roots plus pool, no
// redirects (the client secret must not be sent anywhere else), OAuthTimeout.
func endpointClient(pool *x509.CertPool) *http.Client {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: pool}
	return &http.Client{
		Transport:     tr,
		Timeout:       OAuthTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
