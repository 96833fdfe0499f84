package reference

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Error is a failure the server answers with a Graph error body. Create returns one too.
type Error struct {
	Status  int           // HTTP status code
	Code    string        // Graph error code, short camelCase
	Message string        // human-readable
	Target  string        // optional: what the error is about (a JSON Pointer for body errors)
	Details []ErrorDetail // optional: one per schema violation
}

// ErrorDetail is one entry of a Graph error's details.
type ErrorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Target  string `json:"target"`
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message)
	for _, d := range e.Details {
		s += fmt.Sprintf("; %s at %q: %s", d.Code, d.Target, d.Message)
	}
	return s
}

func errorf(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// Graph error codes used by the reference.
const (
	codeBadRequest        = "badRequest"
	codeInvalidRequest    = "invalidRequest"
	codeUnauthenticated   = "InvalidAuthenticationToken"
	codeNotFound          = "itemNotFound"
	codeMethodNotAllowed  = "methodNotAllowed"
	codeTimeout           = "requestTimeout"
	codeTooLarge          = "requestEntityTooLarge"
	codeUnsupportedMedia  = "unsupportedMediaType"
	codeStorage           = "insufficientStorage"
	codeGeneralException  = "generalException"
	codeMalformedCallID   = "invalidCallId"
	codeIDMismatch        = "idMismatch"
	codeInvalidMergedCall = "invalidCall"
)

type innerError struct {
	RequestID       string `json:"request-id"`
	ClientRequestID string `json:"client-request-id,omitempty"`
	Date            string `json:"date"`
}

type errorBody struct {
	Error struct {
		Code       string        `json:"code"`
		Message    string        `json:"message"`
		Target     string        `json:"target,omitempty"`
		Details    []ErrorDetail `json:"details,omitempty"`
		InnerError innerError    `json:"innerError"`
	} `json:"error"`
}

// encodeError renders e as a Graph error body.
func encodeError(e *Error, inner innerError) []byte {
	var b errorBody
	b.Error.Code, b.Error.Message, b.Error.Target = e.Code, e.Message, e.Target
	b.Error.Details = e.Details
	b.Error.InnerError = inner
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(b); err != nil {
		// Only strings and slices of strings: cannot fail.
		panic(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}
