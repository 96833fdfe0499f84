package check

import "testing"

// FuzzJudge feeds arbitrary response bodies to every judging function: none may panic or hang,
// and a body must always contain itself.
func FuzzJudge(f *testing.F) {
	for _, s := range []string{
		`{"id":"1","subject":"x","toneInfo":{"sequenceId":9223372036854775807,"tone":"tone1"}}`,
		`{"error":{"code":"badRequest","message":"m","innerError":{"request-id":"r","date":"d"}}}`,
		`{"n":1e20000000}`, `[[[[[]]]]]`, `"\ud800"`, "\xef\xbb\xbf{}", `{"a":1,"a":2}`, ``,
	} {
		f.Add([]byte(s), []byte(`{"subject":"x","@odata.type":"#a"}`))
	}
	f.Fuzz(func(t *testing.T, got, sent []byte) {
		GraphError(got)
		InnerError(got)
		g, errG := Decode(got)
		s, errS := Decode(sent)
		if errG == nil && errS == nil {
			Contains(s, g, "")
			Equal(s, g)
		}
		if errG == nil {
			if vs := Contains(g, g, ""); len(vs) != 0 {
				t.Fatalf("a body does not contain itself: %v", vs)
			}
		}
	})
}
