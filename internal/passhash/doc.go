// Package passhash reproduces Elasticsearch's password Hasher bit for bit, so hashes move freely between Elasticsearch and esauth.
package passhash
