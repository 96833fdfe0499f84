package redact

import (
	"errors"
	"net/url"
	"strings"
	"sync"
	"testing"
)

func TestEveryFormIsRedacted(t *testing.T) {
	const secret = `s3cr3t/+"x`
	r := New(secret, "")
	for _, text := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), `s3cr3t/+\"x`} {
		if got := r.String("a " + text + " b"); strings.Contains(got, "s3cr3t") || got != "a "+Placeholder+" b" {
			t.Errorf("%q: %q", text, got)
		}
	}
}

func TestLongerSecretsFirst(t *testing.T) {
	r := New("abc", "abcdef")
	if got := r.String("abcdef abc"); got != Placeholder+" "+Placeholder {
		t.Fatal(got)
	}
}

func TestAddIsConcurrent(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := "token-" + strings.Repeat("x", i+5)
			r.Add(tok)
			if strings.Contains(r.String(tok), "token") {
				t.Errorf("%s not redacted right after Add", tok)
			}
		}()
	}
	wg.Wait()
	if len(r.Secrets()) != 8 {
		t.Fatal(r.Secrets())
	}
	var none *Redactor
	if none.String("x") != "x" {
		t.Fatal("a nil redactor must pass text through")
	}
}

func TestUserinfoAndURLError(t *testing.T) {
	if got := Userinfo("https://user:pw@example.com/x"); strings.Contains(got, "pw") || !strings.Contains(got, "example.com/x") {
		t.Errorf("Userinfo: %s", got)
	}
	if got := Userinfo("https://example.com"); got != "https://example.com" {
		t.Errorf("Userinfo changed a URL without credentials: %s", got)
	}
	inner := errors.New("connection refused")
	if got := URLError(&url.Error{Op: "Get", URL: "https://u:pw@h", Err: inner}); got != inner {
		t.Errorf("URLError: %v", got)
	}
}
