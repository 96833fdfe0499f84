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

// Like returns a random id of sample's shape (sample is an id a target gave out), so that a
// target that checks the shape of its ids takes the invented one for an id it merely does not
// know and answers 404, not 400. The shape: the same length; a literal prefix kept (the letters
// before a separator, as "call" in "call_…" or "acme" and "call" in "acme-call-…"); separators
// and every other character that is no ASCII letter or digit kept in place; and each letter or
// digit of the rest drawn from its class: digits stay digits; a part of hexadecimal digits
// stays hexadecimal, in its case (a group of digits only in it, digits); otherwise
// lower-case letters stay lower-case and upper-case ones upper-case. A GUID (alone or after a prefix) gives a fresh version-4 GUID in the
// sample's case, and an empty sample, or one with nothing to vary, a GUID. The id differs from
// sample whenever its varying part has room to.
func Like(sample string) string {
	if sample == "" {
		return GUID()
	}
	prefix, rest := literalPrefix(sample)
	if isGUID(rest) {
		return prefix + sameCase(GUID(), rest)
	}
	class := classOf(rest)
	if class == nil {
		return GUID()
	}
	var id string
	// A varying part of a character or two can draw the sample itself: draw again (the chance
	// that 64 draws all do is below 10^-19 for a single hexadecimal digit).
	for range 64 {
		if id = prefix + draw(rest, class); id != sample {
			break
		}
	}
	return id
}

const (
	digits   = "0123456789"
	lower    = "abcdefghijklmnopqrstuvwxyz"
	upper    = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	hexLower = "0123456789abcdef"
	hexUpper = "0123456789ABCDEF"
)

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLower(c byte) bool  { return c >= 'a' && c <= 'z' }
func isUpper(c byte) bool  { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool { return isLower(c) || isUpper(c) }
func isAlnum(c byte) bool  { return isDigit(c) || isLetter(c) }

// literalPrefix splits s into its literal prefix (runs of letters, each followed by separators:
// ASCII characters that are no letter or digit) and the rest, which keeps at least one letter
// or digit. A GUID is never taken apart, though its first group may be letters only.
func literalPrefix(s string) (prefix, rest string) {
	last := -1 // the last ASCII letter or digit: the rest must keep one
	for i := range len(s) {
		if isAlnum(s[i]) {
			last = i
		}
	}
	end := 0
	for i := 0; !isGUID(s[i:]); {
		j := i
		for j < len(s) && isLetter(s[j]) {
			j++
		}
		if j == i || j == len(s) || isAlnum(s[j]) || s[j] >= 0x80 {
			break
		}
		k := j
		for k < len(s) && !isAlnum(s[k]) && s[k] < 0x80 {
			k++
		}
		if k > last {
			break
		}
		end, i = k, k
	}
	return s[:end], s[end:]
}

// isGUID reports whether s is a GUID in its canonical 8-4-4-4-12 form, in either case.
func isGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := range len(s) {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if s[i] != '-' {
				return false
			}
		case !strings.ContainsRune(hexLower+"ABCDEF", rune(s[i])):
			return false
		}
	}
	return true
}

// sameCase returns guid (lower case) in upper case when sample has an upper-case letter.
func sameCase(guid, sample string) string {
	if strings.ContainsAny(sample, "ABCDEF") {
		return strings.ToUpper(guid)
	}
	return guid
}

// classOf returns, for each byte of s, the alphabet its replacement is drawn from ("" = kept),
// or nil when s has no letter or digit to vary.
func classOf(s string) []string {
	var hasDigit, hasLetter bool
	hexL, hexU := true, true
	for i := range len(s) {
		c := s[i]
		switch {
		case isDigit(c):
			hasDigit = true
		case isLower(c):
			hasLetter, hexU = true, false
			hexL = hexL && c <= 'f'
		case isUpper(c):
			hasLetter, hexL = true, false
			hexU = hexU && c <= 'F'
		}
	}
	if !hasDigit && !hasLetter {
		return nil
	}
	hex := ""
	switch {
	case hasDigit && hasLetter && hexL:
		hex = hexLower
	case hasDigit && hasLetter && hexU:
		hex = hexUpper
	}
	class := make([]string, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case !isAlnum(c):
		case hex != "":
			// A group of digits only (such as "2024" in "2024.0af3") keeps drawing digits.
			j, alphabet := i, digits
			for ; j < len(s) && isAlnum(s[j]); j++ {
				if !isDigit(s[j]) {
					alphabet = hex
				}
			}
			for ; i < j; i++ {
				class[i] = alphabet
			}
			i-- // the loop's i++ steps onto s[j]
		case isDigit(c):
			class[i] = digits
		case isLower(c):
			class[i] = lower
		default:
			class[i] = upper
		}
	}
	return class
}

// draw returns s with every byte that has a class replaced by a random member of it.
func draw(s string, class []string) string {
	b := []byte(s)
	for i, alphabet := range class {
		if alphabet != "" {
			b[i] = alphabet[randIndex(len(alphabet))]
		}
	}
	return string(b)
}

// randIndex returns a uniformly random index below n (n ≤ 256), without modulo bias.
func randIndex(n int) int {
	limit := 256 - 256%n
	var b [1]byte
	for {
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
		if int(b[0]) < limit {
			return int(b[0]) % n
		}
	}
}
