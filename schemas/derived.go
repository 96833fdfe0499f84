package schemas

import (
	"slices"
	"strings"
)

// derivedTypes maps each declared type a call uses to the types Microsoft Graph's model derives
// from it (the contract (docs/contract.md), "Derived types"): a value declared as the key may
// carry any of them. It is the one list: the validator takes from it the derived types that have
// no schema of their own, and package check what an answer may name for a type sent.
var derivedTypes = map[string][]string{
	"identitySet": {"communicationsIdentitySet", "chatMessageFromIdentitySet", "chatMessageMentionedIdentitySet",
		"chatMessageReactionIdentitySet", "sharePointIdentitySet", "engagementIdentitySet", "aiInteractionMentionedIdentitySet"},
	"identity": {"communicationsApplicationIdentity", "communicationsApplicationInstanceIdentity", "communicationsEncryptedIdentity",
		"communicationsGuestIdentity", "communicationsPhoneIdentity", "communicationsUserIdentity", "azureCommunicationServicesUserIdentity",
		"emailIdentity", "initiator", "provisionedIdentity", "provisioningServicePrincipal", "provisioningSystem", "servicePrincipalIdentity",
		"sharePointIdentity", "teamworkApplicationIdentity", "teamworkConversationIdentity", "teamworkTagIdentity", "teamworkUserIdentity", "userIdentity"},
	"meetingInfo": {"organizerMeetingInfo", "tokenMeetingInfo", "joinMeetingIdMeetingInfo"},
	"mediaConfig": {"appHostedMediaConfig", "serviceHostedMediaConfig"},
}

// abstractTypes cannot be instantiated: a value of one must name its concrete type.
var abstractTypes = map[string]bool{"meetingInfo": true, "mediaConfig": true}

// typeName strips the leading "#" and the Graph namespace of an @odata.type value.
func typeName(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimPrefix(s, "#"), GraphNamespace), true
}

// NamesConcreteOfAbstract reports whether an @odata.type value names a type derived from an
// abstract one (appHostedMediaConfig, tokenMeetingInfo, ...): an answer must name it too, since
// the declared type alone cannot say what the value is.
func NamesConcreteOfAbstract(odataType any) bool {
	t, ok := typeName(odataType)
	if !ok {
		return false
	}
	for base := range abstractTypes {
		if slices.Contains(derivedTypes[base], t) {
			return true
		}
	}
	return false
}

// AnswersType reports whether an answer's @odata.type got may stand for the type sent: the same
// type (with or without "#"), or, where the harness sent a base type, a type derived from it.
func AnswersType(sent, got any) bool {
	s, okS := typeName(sent)
	g, okG := typeName(got)
	return okS && okG && (s == g || slices.Contains(derivedTypes[s], g))
}

// targetTypes are the two types of an item of a call's targets: participantInfo in the seed's
// table, invitationParticipantInfo in Microsoft Graph v1.0. Neither derives from the other.
var targetTypes = []string{"participantInfo", "invitationParticipantInfo"}

// AnswersTypeAt is AnswersType for the value at pointer at of a call body (RFC 6901, from the
// body's root). An item of the call's targets ("/targets/N") may also be answered as the other of
// its two types: a Graph v1.0 service names invitationParticipantInfo the participantInfo target
// the harness sent, and a service of the seed's table participantInfo an invitationParticipantInfo
// a client sent; the schema judges the value by the type named either way.
func AnswersTypeAt(at string, sent, got any) bool {
	if AnswersType(sent, got) {
		return true
	}
	n, ok := strings.CutPrefix(at, "/targets/")
	if !ok || n == "" || strings.Trim(n, "0123456789") != "" {
		return false
	}
	s, _ := typeName(sent)
	g, _ := typeName(got)
	return slices.Contains(targetTypes, s) && slices.Contains(targetTypes, g)
}

// SetsAbstractBase reports whether a request body (decoded) sets a property whose declared type
// is abstract (mediaConfig, meetingInfo) to an object that names no concrete type: no
// "@odata.type", or the base type's own name. The request schema accepts such a body, as the
// seed's own example is one, but a target may reject it with 400 (the contract, PATCH-01).
func SetsAbstractBase(body map[string]any) bool {
	for base := range abstractTypes {
		v, ok := body[base].(map[string]any)
		if !ok {
			continue
		}
		t, typed := v["@odata.type"]
		if name, _ := typeName(t); !typed || name == base {
			return true
		}
	}
	return false
}
