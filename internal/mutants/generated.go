package mutants

import (
	"strings"
	"unicode/utf8"

	"github.com/callconf/callconf/schemas"
)

// generatedMutants are mutants that only the generated cases (issue 18) kill: each goes wrong on
// bodies no hand-written spec sends, as real implementations do.
func generatedMutants() []Impl {
	return []Impl{
		mutant("trim-nested-trailing-whitespace", "a PATCH stores every string it sets, except the subject, with trailing whitespace (spaces, tabs, CR LF, no-break spaces) trimmed",
			reqs("PATCH-04 STATE-03"),
			patches(func(_ string, o map[string]any) map[string]any {
				for k, v := range o {
					if k != "subject" && schemas.IsUpdatable(k) {
						o[k] = mapStrings(v, func(s string) string { return strings.TrimRight(s, " \t\r\n\u00a0\u2007\u202f\u3000") })
					}
				}
				return o
			})),
		mutant("drop-tenant-beside-modalities", "a PATCH that sets requestedModalities and tenantId, and at most two other updatable properties, does not store the tenantId",
			reqs("PATCH-04"),
			patches(func(_ string, o map[string]any) map[string]any {
				n := 0
				for k := range o {
					if schemas.IsUpdatable(k) {
						n++
					}
				}
				_, mods := o["requestedModalities"]
				_, tenant := o["tenantId"]
				if mods && tenant && n <= 4 {
					delete(o, "tenantId")
				}
				return o
			})),
		mutant("truncate-nested-strings", "a PATCH stores strings inside nested objects cut to 512 characters (top-level strings stay whole)",
			reqs("PATCH-04 STATE-03"),
			patches(func(_ string, o map[string]any) map[string]any {
				for k, v := range o {
					if _, str := v.(string); !str && schemas.IsUpdatable(k) {
						o[k] = mapStrings(v, func(s string) string {
							if utf8.RuneCountInString(s) > 512 {
								return string([]rune(s)[:512])
							}
							return s
						})
					}
				}
				return o
			})),
	}
}
