package ids

import (
	mrand "math/rand/v2"
	"regexp"
	"strings"
	"testing"
)

func TestGUID(t *testing.T) {
	shape := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 1000 {
		g := GUID()
		if !shape.MatchString(g) || seen[g] {
			t.Fatalf("%q: not a fresh version-4 GUID", g)
		}
		seen[g] = true
	}
}

func TestToken(t *testing.T) {
	a, b := Token("callconf-"), Token("callconf-")
	if a == b || !strings.HasPrefix(a, "callconf-") || len(a) != len("callconf-")+26 {
		t.Fatalf("tokens %q %q", a, b)
	}
}

var guid = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// randomOf returns n random characters of alphabet (math/rand: the test's samples need no secrecy).
func randomOf(r *mrand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

// TestLikeKeepsTheShape is a property test: for many random samples of each shape a target may
// give out, the invented id matches the shape's regular expression, keeps the sample's length
// and literal prefix, and differs from the sample (and from the ids invented before it).
func TestLikeKeepsTheShape(t *testing.T) {
	const hexL, hexU, dec = "0123456789abcdef", "0123456789ABCDEF", "0123456789"
	const b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	r := mrand.New(mrand.NewPCG(17, 7))
	shapes := []struct {
		name   string
		sample func() string
		shape  string
		prefix string
	}{
		{"GUID", func() string { return GUID() }, guid.String(), ""},
		{"upper-case GUID", func() string { return strings.ToUpper(GUID()) }, `^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$`, ""},
		{"call_<32 hex>", func() string { return "call_" + randomOf(r, hexL, 32) }, `^call_[0-9a-f]{32}$`, "call_"},
		{"CALL-<16 upper hex>", func() string { return "CALL-" + randomOf(r, hexU, 16) }, `^CALL-[0-9A-F]{16}$`, "CALL-"},
		{"call_<GUID>", func() string { return "call_" + GUID() }, `^call_` + guid.String()[1:], "call_"},
		{"prefix with dashes and a GUID", func() string { return "acme-call-" + GUID() }, `^acme-call-` + guid.String()[1:], "acme-call-"},
		{"prefix with dashes and digits", func() string { return "tenant-eu-" + randomOf(r, dec, 12) }, `^tenant-eu-[0-9]{12}$`, "tenant-eu-"},
		{"colon-separated", func() string { return "urn:call:" + randomOf(r, hexL, 24) }, `^urn:call:[0-9a-f]{24}$`, "urn:call:"},
		{"numeric", func() string { return randomOf(r, "123456789", 1) + randomOf(r, dec, 9) }, `^[0-9]{10}$`, ""},
		{"short numeric", func() string { return randomOf(r, dec, 2) }, `^[0-9]{2}$`, ""},
		{"upper hex", func() string { return randomOf(r, hexU, 8) + "A1" }, `^[0-9A-F]{10}$`, ""},
		{"mixed case", func() string { return "Ab" + randomOf(r, "abcdefghijklmnopqrstuvwxyz", 5) + "X9" + randomOf(r, dec, 3) },
			`^[A-Z][a-z]{6}[A-Z][0-9]{4}$`, ""},
		{"base64url-ish", func() string { return "AAMk" + randomOf(r, b64, 40) }, "", ""},
		{"dotted", func() string { return randomOf(r, dec, 4) + "." + randomOf(r, hexL, 4) + "f" }, `^[0-9]{4}\.[0-9a-f]{5}$`, ""},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			seen := map[string]bool{}
			for range 300 {
				sample := sh.sample()
				shape := sh.shape
				if shape == "" {
					shape = derivedShape(sample)
				}
				re := regexp.MustCompile(shape)
				if !re.MatchString(sample) {
					t.Fatalf("the test's own sample %q does not match %s", sample, shape)
				}
				id := Like(sample)
				if !re.MatchString(id) || len(id) != len(sample) || !strings.HasPrefix(id, sh.prefix) || id == sample {
					t.Fatalf("Like(%q) = %q: want %s, the same length and prefix %q, and another id", sample, id, shape, sh.prefix)
				}
				if seen[id] && len(sample) > 4 {
					t.Fatalf("Like invented %q twice", id)
				}
				seen[id] = true
			}
		})
	}
}

// derivedShape is the regular expression of sample's shape character by character: digits stay
// digits, letters keep their case, anything else stays itself. It is looser than Like for hex
// (a hexadecimal letter may be drawn where the sample has a digit), so only mixed samples use it.
func derivedShape(sample string) string {
	var b strings.Builder
	b.WriteString("^")
	for _, c := range sample {
		switch {
		case c >= '0' && c <= '9':
			b.WriteString("[0-9]")
		case c >= 'a' && c <= 'z':
			b.WriteString("[a-z]")
		case c >= 'A' && c <= 'Z':
			b.WriteString("[A-Z]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String() + "$"
}

// TestLikeTheReportedShape is issue 17's case: for call_<32 hex> the harness invented
// "wveu_50746283r518213jq181512c704nw0r7" (prefix redrawn, letters outside hex).
func TestLikeTheReportedShape(t *testing.T) {
	id := Like("call_0f6a3c1b9e2d4f5a8b7c6d5e4f3a2b1c")
	if !regexp.MustCompile(`^call_[0-9a-f]{32}$`).MatchString(id) {
		t.Errorf("Like(call_<32 hex>) = %q", id)
	}
}

func TestLikeWithoutAShape(t *testing.T) {
	for _, sample := range []string{"", "---", "__"} {
		if id := Like(sample); !guid.MatchString(id) {
			t.Errorf("Like(%q) = %q, want a GUID", sample, id)
		}
	}
	if Like("") == Like("") {
		t.Error("two invented ids are equal")
	}
	// A sample that is all prefix: the letters vary, the separator stays.
	if id := Like("call_"); !regexp.MustCompile(`^[a-z]{4}_$`).MatchString(id) || id == "call_" {
		t.Errorf(`Like("call_") = %q`, id)
	}
	// A huge id (a hostile target's) costs linear time, not quadratic.
	huge := strings.Repeat("a-", 1<<19) + "1"
	if id := Like(huge); len(id) != len(huge) || id == huge {
		t.Errorf("Like(1 MiB sample): length %d", len(id))
	}
	// Bytes outside ASCII stay as they are.
	if id := Like("αβ-42"); !strings.HasPrefix(id, "αβ-") || len(id) != len("αβ-42") || id == "αβ-42" {
		t.Errorf("Like(αβ-42) = %q", id)
	}
}
