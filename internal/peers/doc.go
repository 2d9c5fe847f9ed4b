// Package peers connects an esauth node to the other nodes sharing its
// store: the node list (under a lease, where the store has them, so that a
// dead node leaves it), following the store's changes so that every node's
// caches stay right, and relaying cache-clearing requests and every node's
// answer to them.
package peers
