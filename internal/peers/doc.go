// Package peers connects an esauth node to the other nodes sharing its
// store: the node list, following the store's changes so that every
// node's caches stay right, and relaying cache-clearing requests.
package peers
