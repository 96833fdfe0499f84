// Package token hands the target client its bearer token and keeps it fresh. A Source holds a
// fixed token (CALLCONF_TOKEN, --token-file), or fetches one: from the standard output of a shell
// command (--token-command), or as an OAuth 2.0 access token with the client credentials grant
// (golang.org/x/oauth2/clientcredentials). A fetched token is fetched again before it expires: at
// the exp claim of a JWT (read without verifying it), the OAuth expires_in, or
// --token-refresh-interval, less an early-refresh margin. A Source adds every token it hands out
// to the run's redactor (package internal/redact), so that every output of the run redacts them
// all. A run builds one Source per process (ForConfig) and gives it to every client.
//
// Fetching fails with an *Error that names the cause and never holds a token or the client
// secret. While a due refresh fails, a token that does not expire within a grace is still handed out;
// once none is left, every request fails with that error rather than wait.
//
// It imports the standard library, golang.org/x/oauth2, internal/config and internal/redact.
package token
