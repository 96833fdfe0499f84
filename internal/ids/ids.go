// Package ids makes the random identifiers the harness and its reference implementation need:
// GUIDs (call ids, request-ids, invented ids a target never issued) and secret tokens. It is
// the one place that reads crypto/rand for them, and imports nothing of the project.
package ids

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
)

// GUID returns a random (version 4) GUID in its canonical lower-case form.
func GUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// Token returns prefix followed by 26 random base32 characters (130 bits), for bearer tokens
// and other secrets.
func Token(prefix string) string { return prefix + rand.Text() }

// Like returns a random id shaped like sample (an id a target gave out): a fresh GUID when
// sample is empty or a GUID; for other hexadecimal ids, random hexadecimal digits in the same
// places and case; otherwise sample with every letter and digit drawn anew (same case, same
// class), other characters kept. A target that checks the shape of its ids then takes the
// invented one for an id it merely does not know.
func Like(sample string) string {
	hexOnly := strings.Trim(sample, "0123456789abcdefABCDEF-") == ""
	if sample == "" || hexOnly && len(sample) == 36 {
		return GUID()
	}
	b := []byte(sample)
	r := make([]byte, len(b))
	_, _ = rand.Read(r) // crypto/rand.Read never fails on supported platforms
	digits := "0123456789abcdef"
	if strings.ContainsAny(sample, "ABCDEF") && !strings.ContainsAny(sample, "abcdef") {
		digits = "0123456789ABCDEF"
	}
	for i, c := range b {
		switch {
		case hexOnly && c != '-':
			b[i] = digits[r[i]%16]
		case c >= '0' && c <= '9':
			b[i] = '0' + r[i]%10
		case c >= 'a' && c <= 'z':
			b[i] = 'a' + r[i]%26
		case c >= 'A' && c <= 'Z':
			b[i] = 'A' + r[i]%26
		}
	}
	return string(b)
}
