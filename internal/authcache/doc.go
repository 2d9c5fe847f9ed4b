// Package authcache remembers verified credentials for a while, so that a
// realm pays its slow password hash once per user and cache lifetime
// instead of once per request. Concurrent identical attempts share one
// load; failed attempts can be remembered too, keyed by a keyed digest of
// the password, and are then reported as recalled so that the caller can
// spend the time of the check they save. The usernames the cache keeps
// (in entries, remembered failures and loads in flight) are its own
// copies, never memory shared with the caller's credentials.
package authcache
