package schemas

import (
	"testing"
)

// The derived types without a schema of their own are what the one derivation table leaves once
// the documents' own types are taken out: for the open types only, exactly these.
func TestDerivedTypesWithoutSchema(t *testing.T) {
	v, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"identitySet": {"chatMessageFromIdentitySet", "chatMessageMentionedIdentitySet", "chatMessageReactionIdentitySet",
			"sharePointIdentitySet", "engagementIdentitySet", "aiInteractionMentionedIdentitySet"},
		"identity": {"emailIdentity", "initiator", "provisionedIdentity", "provisioningServicePrincipal", "provisioningSystem",
			"servicePrincipalIdentity", "sharePointIdentity", "teamworkApplicationIdentity", "teamworkConversationIdentity",
			"teamworkTagIdentity", "teamworkUserIdentity", "userIdentity"},
	}
	got := v.types.withoutSchema
	if len(got) != len(want) {
		t.Fatalf("withoutSchema = %v", got)
	}
	for base, names := range want {
		if !sameSet(got[base], names) {
			t.Errorf("%s: %v, want %v", base, got[base], names)
		}
	}
}

func TestAnswersType(t *testing.T) {
	for _, c := range []struct {
		sent, got any
		ok        bool
	}{
		{"#microsoft.graph.identitySet", "microsoft.graph.identitySet", true},
		{"#microsoft.graph.identitySet", "#microsoft.graph.communicationsIdentitySet", true},
		{"#microsoft.graph.communicationsIdentitySet", "#microsoft.graph.identitySet", false},
		{"#microsoft.graph.identity", "#microsoft.graph.tokenMeetingInfo", false},
		{"#microsoft.graph.identity", 42, false},
	} {
		if AnswersType(c.sent, c.got) != c.ok {
			t.Errorf("AnswersType(%v, %v) = %v", c.sent, c.got, !c.ok)
		}
	}
	if !NamesConcreteOfAbstract("#microsoft.graph.tokenMeetingInfo") || NamesConcreteOfAbstract("#microsoft.graph.identitySet") || NamesConcreteOfAbstract(nil) {
		t.Error("NamesConcreteOfAbstract")
	}
}

// An item of a call's targets may be answered as participantInfo or invitationParticipantInfo,
// whichever was sent; nothing else may, and no other value may swap the two.
func TestAnswersTypeAt(t *testing.T) {
	const pi, ipi = "#microsoft.graph.participantInfo", "microsoft.graph.invitationParticipantInfo"
	for _, c := range []struct {
		at        string
		sent, got any
		ok        bool
	}{
		{"/targets/0", pi, ipi, true},
		{"/targets/12", ipi, pi, true},
		{"/targets/1", pi, pi, true},
		{"/targets/0", pi, "#microsoft.graph.participant", false},
		{"/targets/0", "#microsoft.graph.identitySet", ipi, false},
		{"/source", pi, ipi, false},
		{"/targets", pi, ipi, false},
		{"/targets/", pi, ipi, false},
		{"/targets/0/identity", pi, ipi, false},
		{"/targets/x", pi, ipi, false},
		{"/targets/0", nil, ipi, false},
		{"/targets/0", "#microsoft.graph.identitySet", "#microsoft.graph.communicationsIdentitySet", true},
	} {
		if AnswersTypeAt(c.at, c.sent, c.got) != c.ok {
			t.Errorf("AnswersTypeAt(%q, %v, %v) = %v", c.at, c.sent, c.got, !c.ok)
		}
	}
}

// A body is abstract exactly where a property of an abstract declared type names no concrete type.
func TestSetsAbstractBase(t *testing.T) {
	for _, c := range []struct {
		body map[string]any
		want bool
	}{
		{map[string]any{"mediaConfig": map[string]any{"removeFromDefaultAudioGroup": true}}, true},
		{map[string]any{"meetingInfo": map[string]any{"@odata.type": "microsoft.graph.meetingInfo"}}, true},
		{map[string]any{"mediaConfig": map[string]any{"@odata.type": "#microsoft.graph.mediaConfig"}}, true},
		{map[string]any{"mediaConfig": map[string]any{"@odata.type": "#microsoft.graph.appHostedMediaConfig"}}, false},
		{map[string]any{"meetingInfo": nil, "chatInfo": map[string]any{}}, false},
		{map[string]any{"subject": "x"}, false},
	} {
		if got := SetsAbstractBase(c.body); got != c.want {
			t.Errorf("SetsAbstractBase(%v) = %v, want %v", c.body, got, c.want)
		}
	}
}
