package documents_test

import (
	"encoding/json"
	"slices"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/callconf/callconf/schemas"
)

// seedProperty is one row of the Request body table of the seed (Update call page). The table is
// encoded here on purpose: the suite must not depend on files outside the repository.
type seedProperty struct {
	name    string
	jsonTyp string   // JSON type of the value ("string", "object", "array")
	enum    []string // the seed's enum values, exactly
	complex string   // schema document of the complex type (or of the items of a collection)
}

var seedTable = []seedProperty{
	{name: "id", jsonTyp: "string"},
	{name: "state", jsonTyp: "string", enum: []string{"incoming", "establishing", "established", "hold", "transferring", "transferAccepted", "redirecting", "terminating", "terminated", "unknownFutureValue"}},
	{name: "mediaState", jsonTyp: "object", complex: "callMediaState.json"},
	{name: "resultInfo", jsonTyp: "object", complex: "resultInfo.json"},
	{name: "direction", jsonTyp: "string", enum: []string{"incoming", "outgoing"}},
	{name: "subject", jsonTyp: "string"},
	{name: "callbackUri", jsonTyp: "string"},
	{name: "source", jsonTyp: "object", complex: "participantInfo.json"},
	{name: "targets", jsonTyp: "array", complex: "participantInfo.json"},
	{name: "requestedModalities", jsonTyp: "array", enum: []string{"audio", "video", "videoBasedScreenSharing", "data", "unknownFutureValue"}},
	{name: "mediaConfig", jsonTyp: "object", complex: "mediaConfig.json"},
	{name: "chatInfo", jsonTyp: "object", complex: "chatInfo.json"},
	{name: "meetingInfo", jsonTyp: "object", complex: "meetingInfo.json"},
	{name: "tenantId", jsonTyp: "string"},
	{name: "myParticipantId", jsonTyp: "string"},
	{name: "toneInfo", jsonTyp: "object", complex: "toneInfo.json"},
}

func document(name string) map[string]any {
	GinkgoHelper()
	b, err := schemas.Document(name)
	Expect(err).NotTo(HaveOccurred())
	var doc map[string]any
	Expect(json.Unmarshal(b, &doc)).To(Succeed())
	return doc
}

// refOf finds the document a property schema points at, through the nullable idiom and items.
func refOf(s map[string]any) string {
	for range 4 {
		if r, ok := s["$ref"].(string); ok {
			return r
		}
		if e, ok := s["else"].(map[string]any); ok {
			s = e
			continue
		}
		if it, ok := s["items"].(map[string]any); ok {
			s = it
			continue
		}
		break
	}
	return ""
}

func fieldsByPointer(fs []schemas.Field) map[string]schemas.Field {
	out := map[string]schemas.Field{}
	for _, f := range fs {
		out[f.Pointer] = f
	}
	return out
}

var _ = Describe("Schema documents", Label("schemas"), func() {
	It("are one draft-07 document per type, enum and the error body", func() {
		Expect(schemas.Names()).To(ConsistOf(
			"call.json", "request.json", "callMediaState.json", "resultInfo.json", "participantInfo.json",
			"identitySet.json", "identity.json", "mediaConfig.json", "appHostedMediaConfig.json",
			"serviceHostedMediaConfig.json", "mediaInfo.json", "chatInfo.json", "meetingInfo.json",
			"organizerMeetingInfo.json", "tokenMeetingInfo.json", "toneInfo.json", "callState.json",
			"callDirection.json", "modality.json", "mediaState.json", "tone.json", "error.json"))
		for _, n := range schemas.Names() {
			doc := document(n)
			Expect(doc).To(HaveKeyWithValue("$schema", "http://json-schema.org/draft-07/schema#"), n)
			Expect(doc).To(HaveKeyWithValue("$id", schemas.BaseURI+n), n)
		}
	})

	It("each compile, as a root on its own, as written and in the closed response form", func() {
		Expect(schemas.CompileEach()).To(Succeed())
		_, err := schemas.New()
		Expect(err).NotTo(HaveOccurred())
	})

	It("resolve every $ref to an embedded document (nothing is fetched)", func() {
		refs, err := schemas.Refs()
		Expect(err).NotTo(HaveOccurred())
		Expect(refs).NotTo(BeEmpty())
		for _, r := range refs {
			Expect(r.Target).To(HavePrefix(schemas.BaseURI), "%s: %s", r.From, r.Ref)
			file := strings.SplitN(strings.TrimPrefix(r.Target, schemas.BaseURI), "#", 2)[0]
			Expect(schemas.Names()).To(ContainElement(file), "%s: %s", r.From, r.Ref)
		}
	})

	It("give the call and the request body exactly the seed's properties", func() {
		names := []string{"@odata.type"}
		for _, p := range seedTable {
			names = append(names, p.name)
		}
		for _, doc := range []string{"call.json", "request.json"} {
			props := document(doc)["properties"].(map[string]any)
			Expect(props).To(HaveLen(len(names)), doc)
			for _, n := range names {
				Expect(props).To(HaveKey(n), doc)
			}
		}
		Expect(document("request.json")).To(HaveKeyWithValue("additionalProperties", false))
		Expect(document("call.json")).To(HaveKeyWithValue("additionalProperties", true))
		Expect(document("call.json")).To(HaveKeyWithValue("required", ConsistOf("id")))
		Expect(document("request.json")).NotTo(HaveKey("required"))
	})

	It("make every request property the call's own definition", func() {
		props := document("request.json")["properties"].(map[string]any)
		for name, s := range props {
			Expect(s).To(Equal(map[string]any{"$ref": "call.json#/properties/" + name}), name)
		}
	})

	for _, p := range seedTable {
		It("give "+p.name+" the seed's type and enum values in the call and the request", func() {
			v, err := schemas.Default()
			Expect(err).NotTo(HaveOccurred())
			for label, fields := range map[string][]schemas.Field{"request": v.RequestFields(), "response": v.ResponseFields()} {
				by := fieldsByPointer(fields)
				f, ok := by["/"+p.name]
				Expect(ok).To(BeTrue(), "%s: no field /%s", label, p.name)
				Expect(f.Types).To(Equal([]string{p.jsonTyp}), "%s /%s", label, p.name)
				if p.jsonTyp == "array" {
					f = by["/"+p.name+"/0"]
				}
				if p.enum != nil {
					Expect(f.Enum).To(Equal(p.enum), "%s /%s: exactly the seed's enum values", label, p.name)
				} else {
					Expect(f.Enum).To(BeNil(), "%s /%s", label, p.name)
				}
			}
			if p.complex != "" {
				s := document("call.json")["properties"].(map[string]any)[p.name].(map[string]any)
				Expect(refOf(s)).To(Equal(p.complex), p.name)
			}
		})
	}

	It("keep the call model's nullability and integer ranges", func() {
		v, err := schemas.Default()
		Expect(err).NotTo(HaveOccurred())
		by := fieldsByPointer(v.RequestFields())
		notNull := []string{"/id", "/callbackUri", "/resultInfo/code", "/resultInfo/subcode", "/source/identity", "/targets/0/identity",
			"/targets/0", "/requestedModalities/0", "/toneInfo/sequenceId", "/toneInfo/tone"}
		for p, f := range by {
			Expect(f.Nullable).To(Equal(!slices.Contains(notNull, p)), "nullability of %s", p)
		}
		Expect(by["/resultInfo/code"].Minimum).To(Equal("-2147483648"))
		Expect(by["/resultInfo/code"].Maximum).To(Equal("2147483647"))
		Expect(by["/resultInfo/subcode"].Maximum).To(Equal("2147483647"))
		Expect(by["/toneInfo/sequenceId"].Minimum).To(Equal("-9223372036854775808"))
		Expect(by["/toneInfo/sequenceId"].Maximum).To(Equal("9223372036854775807"))
	})

	It("accept @odata.type with and without the leading #", func() {
		for _, n := range schemas.Names() {
			doc := document(n)
			props, _ := doc["properties"].(map[string]any)
			if defs, ok := doc["definitions"].(map[string]any); ok && props == nil {
				if base, ok := defs[strings.TrimSuffix(n, ".json")].(map[string]any); ok {
					props, _ = base["properties"].(map[string]any)
				}
			}
			odt, ok := props["@odata.type"].(map[string]any)
			if !ok {
				continue
			}
			if r, ok := odt["$ref"]; ok {
				Expect(r).To(Equal("call.json#/properties/@odata.type"), n)
				continue
			}
			typ := "microsoft.graph." + strings.TrimSuffix(n, ".json")
			Expect(odt["enum"]).To(ConsistOf(typ, "#"+typ), n)
		}
	})
})
