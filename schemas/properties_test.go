package schemas

import (
	"slices"
	"testing"
)

// The lists the contract names (PATCH-04, PATCH-06), as the schema must yield them.
func TestPropertyListsMatchTheContract(t *testing.T) {
	updatable := []string{"subject", "callbackUri", "source", "targets", "requestedModalities", "mediaConfig", "chatInfo", "meetingInfo", "tenantId", "mediaState"}
	serverGenerated := []string{"state", "direction", "myParticipantId", "resultInfo", "toneInfo"}
	if got := Updatable(); !sameSet(got, updatable) {
		t.Errorf("Updatable() = %v, want %v", got, updatable)
	}
	if got := ServerGenerated(); !sameSet(got, serverGenerated) {
		t.Errorf("ServerGenerated() = %v, want %v", got, serverGenerated)
	}
	if got := CallProperties(); len(got) != 16 || got[0] != "id" || !slices.Contains(got, "toneInfo") {
		t.Errorf("CallProperties() = %v", got)
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}
