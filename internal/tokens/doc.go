// Package tokens is Elasticsearch's token service (TokenService) without
// HTTP routing or authorization: it issues OAuth2-style access and refresh
// tokens, verifies access tokens, refreshes and invalidates them, and
// removes old token documents.
//
// Tokens are opaque strings in Elasticsearch's own format (the base64 of a
// version and 24 random bytes). An access token and its refresh token
// share their last 8 bytes, from which the document key is derived, so
// both find their document without a search. The store holds only SHA-256
// digests of the tokens; the pair that superseded a refreshed token is
// kept encrypted under a key derived from that refresh token (PBKDF2 and
// AES-GCM, as Elasticsearch does), so that a retry within the 30 seconds'
// window gets the same pair while the store never holds a usable token.
//
// Tokens are returned once, by Create and Refresh, and are otherwise never
// logged, rendered or stored.
//
// Verify answers from a cache of token documents. Forget(key) drops a
// document from it: the service calls it for its own writes, and Follow
// calls it for every change another node makes to a shared store, so an
// invalidated token stops working everywhere within the watch's delay.
package tokens
