// Package lockout blocks a username or a client address after repeated
// failed logins, on every node sharing a store, as Vault's user lockout and
// OpenSearch's auth_failure_listeners do; Elasticsearch has no equivalent.
//
// # Calls
//
// For every request with well-formed Basic credentials the HTTP layer
// calls Begin before it authenticates, and refuses the request without
// authenticating when Begin refuses. A correct password sent during a
// block is therefore refused like a wrong one: the password is never
// looked at. Begin admits the attempt and counts it as in flight in one
// atomic step, and the attempt then ends in exactly one of Failed (a realm
// rejected the credentials: wrong password, unknown or disabled user),
// Succeeded (they were accepted) or Abandon (no verdict: a store outage, a
// realm error, a client gone away). Missing or malformed credentials
// never reach Begin, and authorization failures come after the outcome.
//
// The client address is ClientKey of the socket address, or behind load
// balancers of TrustedProxies.Client, which believes X-Forwarded-For from
// the configured proxies only: otherwise every client behind one balancer
// would share its address, and its limit.
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
// for Duration. Begin refuses while the run's failures plus the attempts in
// flight would reach the limit, so a node verifies at most MaxAttempts
// passwords per username, and IPMaxAttempts per address, within a window
// (one run), however many requests are in flight. (Checking first and counting after
// the slow password hash would let through every request that arrived
// before the failure reaching the limit was counted.) A failure after the
// run's Window starts a new run, so at most 2×(limit−1) failures can land
// within any one Window without a block (the end of one run and the start
// of the next). Succeeded resets the username's run but never lifts a block,
// and never resets the address's run: one valid account must not let its
// holder keep guessing others. Abandon counts nothing, so it is only for
// attempts whose client learns nothing about the password.
//
// Attempts in flight are counted apart from the failures, by hash, so that
// neither evicting a key nor Unlock loses one; there are as many as
// requests in flight, outside MaxKeys.
//
// # Several nodes
//
// Failure counts and attempts in flight are kept in each node's memory and
// are not shared. A block is: when one starts, the tracker writes it to the
// store's Lockouts collection, every node applies it (Refresh from its
// watch of the store, Load at start-up), and it holds everywhere until it
// ends or Unlock removes it. Behind a load balancer spreading one attacker
// over k nodes, a key therefore gets at most k×limit passwords verified
// within a run, however many requests are in flight, before it is blocked
// on every node. The embedded single-node store has no watch, but its
// records still make blocks survive a restart. Blocks end by the clock of
// the node checking them, so clock skew between nodes shifts their ends.
package lockout
