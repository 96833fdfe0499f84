package check

import "strings"

// derivedTypes maps each declared type a call uses to the types Microsoft Graph's model derives
// from it (the contract, "Derived types"): a value declared as the key may carry any of them.
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

// typeName strips the leading "#" and the "microsoft.graph." namespace of an @odata.type value.
func typeName(v any) (string, bool) {
	s, ok := v.(string)
	if !ok {
		return "", false
	}
	return strings.TrimPrefix(strings.TrimPrefix(s, "#"), "microsoft.graph."), true
}

// IsAbstractType reports whether an @odata.type value names an abstract type of the call model
// (meetingInfo, mediaConfig), with or without "#".
func IsAbstractType(odataType string) bool {
	t, _ := typeName(odataType)
	return abstractTypes[t]
}

// concreteOfAbstract reports whether t names a type derived from an abstract one: an answer must
// then name it too, since the declared type alone cannot say what the value is.
func concreteOfAbstract(t string) bool {
	for base := range abstractTypes {
		for _, d := range derivedTypes[base] {
			if d == t {
				return true
			}
		}
	}
	return false
}

// answersType reports whether an answer's @odata.type got may stand for the type sent: the same
// type (with or without "#"), or, where the harness sent a base type, a type derived from it.
func answersType(sent, got any) bool {
	s, okS := typeName(sent)
	g, okG := typeName(got)
	if !okS || !okG {
		return false
	}
	if s == g {
		return true
	}
	for _, d := range derivedTypes[s] {
		if d == g {
			return true
		}
	}
	return false
}
