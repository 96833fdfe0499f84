// Package sdk is the end-to-end test of `runner proxy` with a real client, the Microsoft Graph Go
// SDK (issue 12, item 4): the SDK creates, updates, reads and deletes a call through the proxy in
// front of `runner serve`, and reads a 404 and a 401 as ODataError, while the proxy judges every
// exchange against docs/contract.md.
//
// It is a module of its own, so that the SDK and its dependencies never weigh on the main module.
// It imports the SDK and the standard library only, nothing of the main module: it builds the
// runner binary from ../.. with `go build` and talks to it over HTTP and its output, as a user
// would.
package sdk
