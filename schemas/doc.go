// Package schemas holds the Update-call contract as JSON Schema (draft 07) documents, one per type,
// embedded in the binary, and a Validator that judges request, response and error bodies with them.
//
// # The documents
//
//   - request.json: the update-call request body (PATCH /communications/calls/{callId}). Strict: only
//     the seed table's 16 properties and "@odata.type". Each of its properties is a $ref to the same
//     property of call.json, so request and response cannot drift apart.
//   - call.json: the call as a response body. An open type; only "id" is required.
//   - one document per nested type (callMediaState, resultInfo, participantInfo, identitySet,
//     identity, mediaConfig, appHostedMediaConfig, serviceHostedMediaConfig, mediaInfo, chatInfo,
//     meetingInfo, organizerMeetingInfo, tokenMeetingInfo, toneInfo), per enum (callState,
//     callDirection, modality, mediaState, tone) and the Graph error body (error.json).
//   - the derived types that real Graph answers carry live under "definitions" of their base type's
//     document: communicationsIdentitySet (and the endpointType enum) in identitySet.json; the
//     communications* identities and azureCommunicationServicesUserIdentity in identity.json;
//     joinMeetingIdMeetingInfo in meetingInfo.json. Each has its base type's properties and
//     openness.
//   - what Microsoft Graph v1.0 has and the seed's table lacks lives under the annotation keyword
//     "x-graph-v1.0" beside the schema it extends, so the documents as written stay the seed's
//     table: the call's properties callChainId, callOptions, callRoutes, incomingContext and
//     transcription (request.json); participantInfo's countryCode, endpointType, participantId and
//     platformId; and invitationParticipantInfo, Graph v1.0's type of the call's targets
//     (participantInfo.json, "definitions"; call.json's targets say so for their items). The
//     keyword "x-graph-v1.0-response" holds what the response form takes instead (call.json's
//     targets: an item typed invitationParticipantInfo is one).
//
// Every $id lives under https://callconf.invalid/schemas/graph/ (the .invalid TLD never resolves);
// every $ref is relative and is checked against the embedded set before compiling, so nothing is
// ever fetched.
//
// Conventions used by the documents:
//
//   - A nullable property of a complex or enum type is written {"if": {"type": "null"}, "else":
//     {"$ref": "T.json"}}: null passes, anything else must be a T. A nullable string or array is
//     {"type": ["string", "null"]}. A property without null in its type is not nullable. Nothing is
//     "required" in a request (PATCH is a partial update); a response requires only the call's "id".
//   - Closed complex types say "additionalProperties": false; the open types (call, identitySet,
//     identity, organizerMeetingInfo, and the error objects) say "additionalProperties": true.
//   - "@odata.type" is an enum of the type's qualified name with and without the leading "#".
//   - The abstract types mediaConfig and meetingInfo, and the open types identitySet and identity,
//     pick the derived type from "@odata.type" with a chain of if/then/else (with or without the
//     leading "#"); with no "@odata.type", or the base type's own name (as in the seed's example),
//     the value is the base type, described under "definitions" by the base type's name.
//   - int32 and int64 properties carry exact "minimum"/"maximum" bounds.
//
// # How the Validator judges
//
// Request bodies are judged by the documents as written plus their "x-graph-v1.0" overlays (the
// request form, made in Go at load time): an overlay's "properties" join the schema's, and its
// other keywords (such as "items") replace the schema's. Each overlay property present in a
// request, and the type invitationParticipantInfo, is reported as a Note ("not in the seed's
// table; known in Graph v1.0"), its value still judged by its Graph v1.0 type (an endpointType
// outside its enum is a violation); a property neither the seed's table nor Graph v1.0 knows stays
// a violation, so a typo is caught. A target without "@odata.type" may carry the properties of
// participantInfo or invitationParticipantInfo; one that names invitationParticipantInfo is judged
// as that type. So a request has a note only for what lies beyond the seed's table: a body the
// harness sends must be valid with no note (docs/contract.md, "Request schemas are strict"), and
// RequestFields, from which ERR-02's cases are generated, lists the seed's table only. Client
// traffic built on today's Graph (such as the Graph Go SDK's) is valid with notes.
//
// Response and error bodies are judged by the same documents with one mechanical change, made in
// Go at load time: every object schema that lists "properties" is closed ("additionalProperties": false), and every
// additionalProperties failure this produces is reported as a Note instead of a Violation. So a
// response never fails because of a property the contract does not know (open or closed type
// alike), and every such property is still reported. Annotations (names containing "@", such as
// "@odata.context" or "subject@odata.type") are allowed in responses and are not noted.
//
// The response form applies the "x-graph-v1.0-response" overlays and, of the "x-graph-v1.0"
// ones, only those of a type the seed's table lacks wholly (invitationParticipantInfo), which only
// the former reach: an item of a call's targets that names invitationParticipantInfo in
// "@odata.type" (as a Graph v1.0 service answers) is judged as that type, its properties by their
// Graph v1.0 types (a "hidden" that is not a boolean is a violation), and the type and each
// property beyond the seed's table are Notes ("not in the seed's table; known in Graph v1.0"), as
// in a request. Any other target is judged by the seed's participantInfo, as before; anywhere else
// (a source, an identity) invitationParticipantInfo stays a violation. The other overlays are left
// out: what Graph v1.0 adds to a type of the seed's table (a participantInfo's countryCode, a
// call's callChainId) is an unknown property in a response, noted as before. And where the harness
// sent a participantInfo target, an answer may name invitationParticipantInfo for it (AnswersTypeAt).
//
// The documents as written accept in "@odata.type" only the declared type and the derived types
// they describe. In a response the Validator also tolerates, where an open type that Graph derives
// types from (identitySet, identity) is declared, a type of the microsoft.graph namespace that the
// contract does not know, or one that Graph derives from the declared type without a schema here
// (such as emailIdentity): the value is judged as the declared type and the type is reported as a
// Note. The call is open but has no derived types: its "@odata.type", when present, is
// microsoft.graph.call (with or without "#"), in a request and a response alike. A type the
// contract knows that does not derive from the declared one (callRecord for a call,
// tokenMeetingInfo for an identitySet), any other type for a call, any unknown type where a closed
// type is declared, and any unknown type in a request stay violations: request bodies are strict, so a misspelt type is
// caught before it is sent. A request tolerates only a type Graph v1.0 derives from an open
// declared type without a schema here (such as emailIdentity), judged as the declared type and
// noted. The contract (docs/contract.md) states the rule.
//
// Most documents are judged on a fast path (fast.go): one scan of the bytes that makes the raw-byte
// checks below, and one walk of the schema subset the documents use, compiled from the same
// documents. It answers only "valid, with these notes"; at the first violation, or anything it
// cannot judge exactly as the schema library does, the document takes the full path below, which
// alone reports violations. Tests run both paths over every fixture and the fuzz corpus and require
// identical results.
//
// Before any schema runs, the raw bytes are checked: size (at most MaxDocumentBytes), no UTF-8 byte
// order mark, valid UTF-8, well-formed JSON with a single top-level value, nesting at most MaxDepth
// levels, no duplicate member names, numbers inside the IEEE 754 binary64 range and at most
// MaxNumberLength characters long. A failure there is a Violation with keyword "json" and no
// schema is run. This keeps gojsonschema away from inputs that make it panic (1e20000000 under a
// minimum/maximum) or run for a long time; a panic that still escapes is recovered and returned
// as an error.
//
// The property lists the harness needs (CallProperties, Updatable, ServerGenerated) come from
// call.json, where draft-07's readOnly marks what the server generates.
//
// It imports the standard library and gojsonschema only, no other package of the project.
package schemas
