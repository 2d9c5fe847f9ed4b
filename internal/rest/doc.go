// Package rest speaks Elasticsearch's HTTP dialect, with no security in
// it: routing by Elasticsearch's path trie, request parameters and bodies,
// and answers and errors in Elasticsearch's shapes.
package rest
