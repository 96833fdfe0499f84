package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"github.com/callconf/callconf/internal/check"
	"github.com/callconf/callconf/internal/ids"
	"github.com/callconf/callconf/internal/requirements"
	"github.com/callconf/callconf/internal/target"
	"github.com/callconf/callconf/schemas"
)

// baselineCall is the call every spec starts from: only updatable properties, so that targets
// which reject server-generated properties (an allowed choice, PATCH-06) accept it as a create
// body and as the reset PATCH for calls the user named.
const baselineCall = `{
  "@odata.type": "#microsoft.graph.call",
  "subject": "callconf baseline",
  "callbackUri": "https://bot.example.com/callconf/callback",
  "source": {
    "@odata.type": "#microsoft.graph.participantInfo",
    "identity": {
      "@odata.type": "#microsoft.graph.identitySet",
      "application": {"@odata.type": "#microsoft.graph.identity", "displayName": "callconf bot", "id": "2b5c7c6a-0000-4000-8000-00000000a001"}
    },
    "region": "westeurope",
    "languageId": "en-US"
  },
  "targets": [
    {
      "@odata.type": "#microsoft.graph.participantInfo",
      "identity": {
        "@odata.type": "#microsoft.graph.identitySet",
        "user": {"@odata.type": "#microsoft.graph.identity", "displayName": "Callee", "id": "8d6a1f2e-0000-4000-8000-00000000b002"}
      }
    }
  ],
  "requestedModalities": ["audio"],
  "mediaConfig": {"@odata.type": "#microsoft.graph.serviceHostedMediaConfig", "removeFromDefaultAudioGroup": false},
  "chatInfo": {"@odata.type": "#microsoft.graph.chatInfo", "threadId": "19:meeting_callconf@thread.v2", "messageId": "0"},
  "tenantId": "6e8a1d70-0000-4000-8000-00000000c003"
}`

// createCall is the request that creates a call from baselineCall (discovery and every spec).
func createCall() target.Request {
	return target.Request{Method: http.MethodPost, Path: requirements.CollectionPath, Header: jsonHeader(), Body: []byte(baselineCall)}
}

// fullUpdate sets every updatable property to a value different from baselineCall.
const fullUpdate = `{
  "subject": "callconf full update – Grüße 📞",
  "callbackUri": "https://bot.example.com/callconf/callback2",
  "source": {
    "@odata.type": "#microsoft.graph.participantInfo",
    "identity": {"application": {"displayName": "callconf bot 2", "id": "2b5c7c6a-0000-4000-8000-00000000a011"}},
    "region": "eastus",
    "languageId": "de-DE"
  },
  "targets": [
    {"identity": {"user": {"displayName": "Callee A", "id": "8d6a1f2e-0000-4000-8000-00000000b012"}}},
    {"identity": {"user": {"displayName": "Callee B", "id": "8d6a1f2e-0000-4000-8000-00000000b013"}}}
  ],
  "requestedModalities": ["audio", "video"],
  "mediaConfig": {"@odata.type": "#microsoft.graph.appHostedMediaConfig", "blob": "<media-config-blob>", "removeFromDefaultAudioGroup": true},
  "chatInfo": {"threadId": "19:meeting_callconf2@thread.v2", "messageId": "1", "replyChainMessageId": "2"},
  "meetingInfo": {"@odata.type": "#microsoft.graph.tokenMeetingInfo", "token": "callconf-meeting-token", "allowConversationWithoutHost": true},
  "tenantId": "6e8a1d70-0000-4000-8000-00000000c013",
  "mediaState": {"audio": "inactive"}
}`

// updatable lists the properties PATCH-04 covers and serverGeneratedNames those PATCH-06 covers,
// both as the call schema marks them.
var updatable, serverGeneratedNames = schemas.Updatable(), schemas.ServerGenerated()

// alternates are values of the updatable properties that the baseline lacks, different from
// fullUpdate's; with the baseline's own values they give PATCH-05 a second value for each.
var alternates = map[string]string{
	"meetingInfo": `{"@odata.type": "#microsoft.graph.organizerMeetingInfo", "allowConversationWithoutHost": false, "organizer": {"user": {"displayName": "callconf organizer", "id": "8d6a1f2e-0000-4000-8000-00000000b099"}}}`,
	"mediaState":  `{"audio": "active"}`,
}

// alternateBody is a PATCH body that sets only prop, to a value other than fullUpdate's.
func alternateBody(prop string) string {
	if v, ok := alternates[prop]; ok {
		return `{"` + prop + `": ` + v + `}`
	}
	base, err := check.DecodeObject([]byte(baselineCall))
	if err != nil {
		panic(fmt.Sprintf("conformance: the baseline body: %v", err)) // a constant: a build error
	}
	return `{"` + prop + `": ` + quote(base[prop]) + `}`
}

// serverGenerated lists the properties PATCH-06 covers, with values a target may reflect.
var serverGenerated = []struct{ name, body string }{
	{"state", `{"state": "established"}`},
	{"direction", `{"direction": "incoming"}`},
	{"myParticipantId", `{"myParticipantId": "callconf-participant-7"}`},
	{"resultInfo", `{"resultInfo": {"code": 2147483647, "subcode": -2147483648, "message": "callconf result"}}`},
	{"toneInfo", `{"toneInfo": {"sequenceId": 9223372036854775807, "tone": "pound"}}`},
}

// missingID returns a call id no target has issued, shaped like sample (an id the target gave
// out), so a target that checks the shape of ids answers 404, not 400.
func missingID(sample string) string { return ids.Like(sample) }

// escapeID escapes a call id for use as one path segment.
func escapeID(id string) string { return url.PathEscape(id) }

// jsonMarshal is json.Marshal without HTML escaping, so bodies read as written.
func jsonMarshal(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
