// Package reference is the harness's reference implementation of the Update-call contract
// (docs/contract.md): an [http.Handler] that serves a Microsoft Graph-like calls collection
// and passes every requirement of the contract, MUST, SHOULD and MAY alike, with the create, read
// and delete capabilities. It is the default target of the runner, the baseline the selftest proves
// the suite against, and a mock that client developers can run on its own (`runner serve`).
//
// # Routes
//
// Every route lives under Options.BasePath + "/communications/calls":
//
//	POST   {base}/communications/calls        201 Created, Location, the new call
//	GET    {base}/communications/calls/{id}   200 OK, the call
//	PATCH  {base}/communications/calls/{id}   200 OK, the updated call
//	DELETE {base}/communications/calls/{id}   204 No Content; afterwards the call is gone (404)
//
// Any other method on an item answers 405 with "Allow: GET, PATCH, DELETE"; any other method on
// the collection answers 405 with "Allow: POST"; every other path answers 404. Paths are routed by
// hand on the escaped path: nothing is cleaned or redirected, so an id such as "..%2F..%2F", "%00"
// or a 4 KiB string answers 400 (malformed id) or 404 (no such call), never a 3xx.
//
// # Request bodies
//
// POST and PATCH bodies are JSON ("Content-Type: application/json"), at most Options.MaxBodyBytes
// long. A body may be gzip-compressed, "Content-Encoding: gzip" (or its alias "x-gzip", or a list
// such as "gzip, identity"), as the Microsoft Graph SDKs send every POST and PATCH body by default;
// it is decompressed before anything else looks at it. The limit holds for the bytes on the wire
// and again for the decompressed body: decompression stops one byte past the limit and answers
// 413, so a gzip bomb (a small body that inflates to gigabytes) costs no more memory than a body at
// the limit. A body that is not a valid gzip stream (bad header, corrupt data, bad checksum,
// truncated, trailing garbage) answers 400. "identity" is accepted; any other content coding
// ("br", "deflate", "compress", ...) answers 415 with "Accept-Encoding: gzip, identity"
// (RFC 9110 §8.4.1, §15.5.16).
//
// An answer that leaves the request body unread, such as a 413 for a declared Content-Length
// over the limit, carries "Connection: close" and closes lingeringly (RFC 9112 §9.6): the answer is
// sent, then up to Options.LingerBytes of the rest of the body are read and discarded within
// Options.LingerTimeout before the connection closes. A client that writes its whole body before
// reading the answer therefore reads the 413 instead of a connection reset, while a client that
// sends more, or too slowly, is cut off at either bound.
//
// # Partial-update semantics (PATCH)
//
// The body is a JSON object checked against the update-call request schema of package schemas
// (strict: only the seed's 16 properties plus "@odata.type"). It is then merged into the stored
// call:
//
//   - A property absent from the body keeps its stored value.
//   - A property present in the body replaces the stored value, with one exception: when both the
//     stored value and the body's value are JSON objects, they are merged recursively by the same
//     rules (so {"chatInfo":{"threadId":"t"}} changes chatInfo.threadId and keeps messageId).
//     If the body's object and the stored one both name an "@odata.type" and the types differ
//     (ignoring a leading "#"), the body's value is of another type and replaces the stored one.
//     With Options.ReplaceNested, top-level objects are replaced whole instead of merged (an
//     allowed variant of the contract).
//   - Arrays (targets, requestedModalities, preFetchMedia, ...) are replaced whole, never appended.
//   - null sets a nullable property to null; the schema rejects null for a non-nullable one.
//   - Server-generated properties (state, direction, myParticipantId, resultInfo, toneInfo) are
//     applied like any other, as the seed's example shows.
//   - "id" may be sent when it equals the {callId} of the URL; a different id answers 400 and the
//     call is unchanged. The stored id never changes.
//   - The merged call must satisfy the call response schema; if the merge would produce an invalid
//     call, the PATCH answers 400 and nothing is stored.
//
// Each PATCH is an atomic read-modify-write of one call: concurrent PATCHes to one call are
// serialised, each sees the result of the previous one, and none is lost. A PATCH after DELETE
// answers 404 and never brings the call back.
//
// JSON values are never decoded into Go numbers or re-encoded strings: each number and string is
// kept as the raw bytes the client sent, so numbers such as 9223372036854775807 and strings with
// emoji, right-to-left text, combining marks or escapes come back exactly as sent. Only the layout
// changes: insignificant whitespace is dropped and object members are written in a fixed order
// (the seed's order for the call, "@odata.*" annotations first then sorted names inside), so the
// same state always reads the same (STATE-02).
// Bodies must pass the raw-byte checks of package schemas, which the reference makes in the same
// walk as the schema: UTF-8 without a byte order mark, one well-formed JSON value, no key repeated
// in one object, nesting at most schemas.MaxDepth levels (400 "badRequest" otherwise). A number
// the validator cannot judge (1e20000000) is answered as a schema violation.
//
// # Errors
//
// Every error answers with a Graph error body
//
//	{"error":{"code":"...","message":"...","details":[{"code","message","target"}],
//	          "innerError":{"request-id":"...","client-request-id":"...","date":"..."}}}
//
// where details lists one entry per schema violation, target being its JSON Pointer (RFC 6901).
// Status codes: 400 malformed JSON, a corrupt gzip body, schema violation, body id differing from the URL, malformed
// call id; 401 missing, malformed or wrong bearer token (with WWW-Authenticate: Bearer), when
// Options.Token or Options.Authorize is set (Authorize refusing the token: e.g. an expired one); 404 unknown call or route; 405 wrong method (with Allow); 408 body not
// received in time; 413 body over Options.MaxBodyBytes, compressed or decompressed; 415 a media
// type other than JSON (JSON with parameters such as charset=utf-8 or odata.metadata=minimal is
// accepted), or a content coding other than gzip and identity (with Accept-Encoding); 507 more than Options.MaxCalls calls stored.
//
// Every response carries a request-id header, echoes a client-request-id the client sent, and
// bodies are "Content-Type: application/json".
package reference
