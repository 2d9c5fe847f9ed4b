// Package profiles keeps Elasticsearch's user profiles: one document per
// user and realm, created or refreshed when the user's profile is
// activated, with applications' labels and data updated under optimistic
// concurrency control (if_seq_no and if_primary_term), enabled and
// disabled, and suggested by name. The documents live in the store
// (store.Profiles), so every node sharing the store sees the same ones.
//
// It parses the request bodies of the profile APIs as Elasticsearch's REST
// handlers do; authentication of the activation's grant and the privilege
// checks of has_privileges belong to the caller (securityapi), which hands
// this package the result.
package profiles
