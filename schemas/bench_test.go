package schemas

import (
	"encoding/json"
	"testing"
)

// correctedSeedResponse is the seed's example response with the five placeholders replaced by
// enum members (the same document as fixtures/response/response-seed-example-corrected.json).
var correctedSeedResponse = []byte(`{
  "@odata.type": "#microsoft.graph.call",
  "id": "728b83c8-83c8-728b-c883-8b72c8838b72",
  "state": "established",
  "mediaState": {"@odata.type": "microsoft.graph.callMediaState", "audio": "active"},
  "resultInfo": {"@odata.type": "microsoft.graph.resultInfo", "code": 4, "subcode": 7, "message": "Message value"},
  "direction": "outgoing",
  "subject": "Subject value",
  "callbackUri": "Callback Uri value",
  "source": {
    "@odata.type": "microsoft.graph.participantInfo",
    "identity": {
      "@odata.type": "microsoft.graph.identitySet",
      "application": {"@odata.type": "microsoft.graph.identity", "displayName": "Display Name value", "id": "Id value"},
      "device": {"@odata.type": "microsoft.graph.identity"},
      "user": {"@odata.type": "microsoft.graph.identity"}
    },
    "region": "Region value",
    "languageId": "Language Id value"
  },
  "targets": [{"@odata.type": "microsoft.graph.participantInfo"}],
  "requestedModalities": ["audio"],
  "mediaConfig": {"@odata.type": "microsoft.graph.mediaConfig"},
  "chatInfo": {"@odata.type": "microsoft.graph.chatInfo", "threadId": "Thread Id value", "messageId": "Message Id value", "replyChainMessageId": "Reply Chain Message Id value"},
  "meetingInfo": {"@odata.type": "microsoft.graph.meetingInfo"},
  "tenantId": "Tenant Id value",
  "myParticipantId": "My Participant Id value",
  "toneInfo": {"@odata.type": "microsoft.graph.toneInfo", "sequenceId": 10, "tone": "tone1"}
}`)

func TestCorrectedSeedResponseIsValid(t *testing.T) {
	res, err := mustValidator(t).Validate(KindResponse, correctedSeedResponse)
	if err != nil || !res.Valid() || len(res.Notes) != 0 {
		t.Fatalf("got %+v, %v", res, err)
	}
}

// BenchmarkValidateSeedResponse validates the corrected seed response with the compiled
// validator (prescan included).
func BenchmarkValidateSeedResponse(b *testing.B) {
	v := mustValidator(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(correctedSeedResponse)))
	for b.Loop() {
		res, err := v.Validate(KindResponse, correctedSeedResponse)
		if err != nil || !res.Valid() {
			b.Fatalf("got %+v, %v", res, err)
		}
	}
}

// BenchmarkUnmarshalSeedResponse decodes the same bytes into any: the floor to compare with.
func BenchmarkUnmarshalSeedResponse(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(correctedSeedResponse)))
	for b.Loop() {
		var v any
		if err := json.Unmarshal(correctedSeedResponse, &v); err != nil {
			b.Fatal(err)
		}
	}
}
