package main

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/callconf/callconf/internal/ids"
)

// issuerPath is where `serve --oauth-issuer` answers token requests (the path of the Microsoft
// identity platform's v2.0 endpoint, so a configuration differs from Graph's only in the host).
const issuerPath = "/oauth2/v2.0/token"

// issuer is a loopback OAuth 2.0 token endpoint for the client credentials grant (RFC 6749
// section 4.4): it gives the one configured client JWT-shaped access tokens (HS256 with a key
// made at start) that live for lifetime, and Valid accepts exactly those, until they expire.
// It exists so that a user can try the whole OAuth path locally; it is no identity provider.
type issuer struct {
	clientID string
	secret   string
	lifetime time.Duration
	now      func() time.Time
	key      []byte
	log      io.Writer

	mu     sync.Mutex
	issued int
}

func newIssuer(clientID, secret string, lifetime time.Duration, now func() time.Time, log io.Writer) (*issuer, error) {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &issuer{clientID: clientID, secret: secret, lifetime: lifetime, now: now, key: key, log: log}, nil
}

// ServeHTTP answers POST issuerPath.
func (is *issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-store")
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		is.fail(w, http.StatusMethodNotAllowed, "invalid_request", "use POST")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		is.fail(w, http.StatusBadRequest, "invalid_request", "the body must be application/x-www-form-urlencoded")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if !is.client(id, secret) {
		if basic {
			w.Header().Set("WWW-Authenticate", `Basic realm="callconf"`)
		}
		is.fail(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong client secret")
		return
	}
	if gt := r.PostForm.Get("grant_type"); gt != "client_credentials" {
		is.fail(w, http.StatusBadRequest, "unsupported_grant_type", "only client_credentials is supported")
		return
	}
	tok, exp := is.mint(r.PostForm.Get("scope"))
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"access_token": tok,
		"token_type":   "Bearer",
		"expires_in":   int64(math.Ceil(is.lifetime.Seconds())),
	})
	if is.log != nil {
		fmt.Fprintf(is.log, "serve: issued a token to client %q, valid until %s\n", id, exp.UTC().Format(time.RFC3339))
	}
}

// client checks the credentials in constant time.
func (is *issuer) client(id, secret string) bool {
	a := sha256.Sum256([]byte(id + "\x00" + secret))
	b := sha256.Sum256([]byte(is.clientID + "\x00" + is.secret))
	return subtle.ConstantTimeCompare(a[:], b[:]) == 1
}

func (is *issuer) fail(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

var b64 = base64.RawURLEncoding

// mint makes one token: header.payload.signature, as a JWT, with exp = now + lifetime (in whole
// seconds, rounded up, like expires_in) and a random jti, so that no two tokens are alike.
func (is *issuer) mint(scope string) (string, time.Time) {
	now := is.now()
	exp := now.Add(is.lifetime)
	is.mu.Lock()
	is.issued++
	is.mu.Unlock()
	claims, _ := json.Marshal(map[string]any{
		"iss": "callconf-serve", "sub": is.clientID, "aud": "callconf", "scp": scope,
		"iat": now.Unix(), "exp": float64(exp.UnixMilli()) / 1000, "jti": ids.GUID(),
	})
	signing := b64.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`)) + "." + b64.EncodeToString(claims)
	return signing + "." + b64.EncodeToString(is.sign(signing)), exp
}

func (is *issuer) sign(s string) []byte {
	m := hmac.New(sha256.New, is.key)
	m.Write([]byte(s))
	return m.Sum(nil)
}

// Valid reports whether tok is a token this issuer gave out that has not expired.
func (is *issuer) Valid(tok string) bool {
	i := strings.LastIndexByte(tok, '.')
	if i < 0 {
		return false
	}
	sig, err := b64.DecodeString(tok[i+1:])
	if err != nil || !hmac.Equal(sig, is.sign(tok[:i])) {
		return false
	}
	parts := strings.Split(tok[:i], ".")
	if len(parts) != 2 {
		return false
	}
	payload, err := b64.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		Exp float64 `json:"exp"`
	}
	if json.Unmarshal(payload, &claims) != nil {
		return false
	}
	return is.now().Before(time.UnixMilli(int64(claims.Exp * 1000)))
}

// Issued returns how many tokens the issuer has given out.
func (is *issuer) Issued() int {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.issued
}
