package realm

import (
	"container/list"
	"strings"
)

// clientQueue holds one client's waiters, by username; turns holds its
// *userQueue values in round-robin order, next turn first.
type clientQueue struct {
	name    string
	users   map[string]*userQueue
	turns   list.List
	turn    *list.Element // in the gate's turns
	waiting int
}

// userQueue holds the waiters for one username from one client, in
// arrival order.
type userQueue struct {
	name    string
	client  *clientQueue
	waiters list.List     // of *waiter
	turn    *list.Element // in the client's turns
}

// waiter is one check or pause waiting for a slot.
type waiter struct {
	user *userQueue
	elem *list.Element
	// ready is closed when the slot is handed over; granted says so
	// under the gate's lock, for a waiter that leaves at that moment.
	ready   chan struct{}
	granted bool
}

// enqueue queues a waiter for username from client, or refuses it if a
// bound would be passed. g.mu must be held.
func (g *Gate) enqueue(client, username string) (*waiter, error) {
	c := g.clients[client]
	var u *userQueue
	if c != nil {
		u = c.users[username]
	}
	if g.waiting >= g.maxTotal || c != nil && c.waiting >= g.maxClient || u != nil && u.waiters.Len() >= g.maxUser {
		return nil, &BusyError{RetryAfter: g.retryAfter()}
	}
	if c == nil {
		// The username may share memory with the password (it is cut out
		// of "user:password"), and a queue outlives the request that made
		// it while other waiters keep it: both names are copied.
		c = &clientQueue{name: strings.Clone(client), users: make(map[string]*userQueue)}
		c.turn = g.turns.PushBack(c)
		g.clients[c.name] = c
	}
	if u == nil {
		u = &userQueue{name: strings.Clone(username), client: c}
		u.turn = c.turns.PushBack(u)
		c.users[u.name] = u
	}
	w := &waiter{user: u, ready: make(chan struct{})}
	w.elem = u.waiters.PushBack(w)
	c.waiting++
	g.waiting++
	return w, nil
}

// dequeue takes w out of the queue, dropping queues left empty. g.mu must
// be held.
func (g *Gate) dequeue(w *waiter) {
	u := w.user
	c := u.client
	u.waiters.Remove(w.elem)
	c.waiting--
	g.waiting--
	if u.waiters.Len() == 0 {
		c.turns.Remove(u.turn)
		delete(c.users, u.name)
	}
	if c.waiting == 0 {
		g.turns.Remove(c.turn)
		delete(g.clients, c.name)
	}
}

// next dequeues the waiter whose turn it is, if any: the oldest of the
// next username of the next client. Both then go to the back of their
// rounds. g.mu must be held.
func (g *Gate) next() *waiter {
	front := g.turns.Front()
	if front == nil {
		return nil
	}
	c := front.Value.(*clientQueue)
	u := c.turns.Front().Value.(*userQueue)
	w := u.waiters.Front().Value.(*waiter)
	g.dequeue(w)
	if u.waiters.Len() > 0 {
		c.turns.MoveToBack(u.turn)
	}
	if c.waiting > 0 {
		g.turns.MoveToBack(c.turn)
	}
	return w
}
