// Package lastauth records when each native user last authenticated
// successfully, in memory on the request path and in the store in batches,
// merged across nodes by keeping the latest time.
//
// Record costs a map lookup and, at most once per Resolution per user, an
// atomic store; it never touches the store. Every Interval, and on Close,
// the times changed since the last flush are written to the store's
// LastAuth collection. Users are grouped into a fixed number of bucket
// records (by a hash of the name), so a flush costs at most that many
// writes however many users logged in; each write merges with what other
// nodes wrote, keeping the later time of each user. A node that crashes
// loses at most one Interval of its records.
//
// Deleting a user must drop its time (Forget on the node that deleted it,
// Drop on the others as they see the deletion), or a user created later
// under the same name would inherit it. A node that flushes an old time for
// the name in the instant between the deletion and its Drop can still
// bring it back; the time is then at most one Interval older than the
// deletion.
package lastauth
