// Package realm authenticates username/password credentials through
// Elasticsearch's realm chain: the reserved realm first, then the others,
// each behind its credential cache (Cached).
//
// A failed attempt costs one slow check's time whatever made it fail (an
// unknown user, a wrong password, a disabled user with either password)
// and whether or not it was made before: the first time, the stored hash
// is verified, or a fake one when no realm knows the user; a repeat that a
// cache remembers as a failure pauses in the gate instead, for as long as
// a recent check took, without hashing.
//
// Slow checks and pauses pass through a Gate, which runs a few at once and
// queues the rest by client address and username, taking turns across
// clients and, within a client, across usernames; its queue is bounded,
// and past a bound it refuses at once with ErrBusy.
package realm
