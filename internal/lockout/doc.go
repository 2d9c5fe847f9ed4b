// Package lockout blocks a username or a client address after repeated
// failed logins, on every node sharing a store, as Vault's user lockout and
// OpenSearch's auth_failure_listeners do; Elasticsearch has no equivalent.
//
// # Calls
//
// For every request with well-formed Basic credentials the HTTP layer
// calls Check before it authenticates, and refuses the request without
// authenticating when Check reports a block. A correct password sent
// during a block is therefore refused like a wrong one: the password is
// never looked at. After authenticating it calls Failure when a realm
// rejected the credentials (wrong password, unknown or disabled user) and
// Success when they were accepted. Missing or malformed credentials,
// authorization failures and store outages are not failures of a guess and
// must not be reported.
//
// Unknown usernames count against the username exactly as known ones do,
// so whether a name gets blocked says nothing about whether it exists. An
// attacker spraying many names therefore creates many keys; each kind keeps
// at most Config.MaxKeys of them, dropping the key whose latest failure is
// oldest, so memory stays bounded whatever the attack.
//
// # Counting
//
// A run of failures for one key starts at its first failure and lasts
// Window; the failure that brings the run's count to the limit
// (MaxAttempts for a username, IPMaxAttempts for an address) blocks the key
// for Duration. A failure after the run's Window starts a new run, so at
// most 2×(limit−1) failures can land within any one Window without a block
// (the end of one run and the start of the next). Success resets the
// username's run but never lifts a block, and never resets the address's
// run: one valid account must not let its holder keep guessing others.
//
// # Several nodes
//
// Failure counts are kept in each node's memory and are not shared. A block
// is: when one starts, the tracker writes it to the store's Lockouts
// collection, every node applies it (Refresh from its watch of the store,
// Load at start-up), and it holds everywhere until it ends or Unlock
// removes it. Behind a load balancer spreading one attacker over k nodes,
// a key therefore takes at most k×limit failures within one run before it
// is blocked on every node, plus the requests that had already passed
// Check when the blocks started. The embedded single-node store has no
// watch, but its records still make blocks survive a restart. Blocks end by
// the clock of the node checking them, so clock skew between nodes shifts
// their ends.
package lockout
