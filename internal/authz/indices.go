package authz

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/authn"
	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/indices"
)

// IndexRequest is what an index action touches, for Authorize.
type IndexRequest struct {
	// Expressions are the index expressions as the request wrote them
	// (nil: none given, which means all for a replaceable request).
	Expressions []string
	Options     indices.Options
	// Single marks a single-target request (get, index, delete a
	// document): its names are authorized as written, no wildcards.
	Single bool
	// NameOnly marks the coordinating action of a request whose items or
	// children carry the real index checks (bulk, mget, msearch, reindex):
	// it is granted when some role grants the action on some index.
	NameOnly bool
	// NoIndices marks a request that names no index (scroll, clearing a
	// scroll, closing a point in time, async search results): granted like
	// NameOnly; what it reaches is bound to its owner elsewhere.
	NoIndices bool
	// Metadata gives the cluster's indices, aliases and data streams, for
	// wildcards; fresh asks for a new copy rather than a cached one.
	Metadata func(ctx context.Context, fresh bool) (*indices.Metadata, error)
	// Now is the time date math resolves at (zero: the current time).
	Now time.Time
}

// ErrFieldOrDocumentSecurity marks a refusal because a role restricts
// documents or fields of an index and the gateway cannot enforce that.
var ErrFieldOrDocumentSecurity = errors.New("authz: document or field level security applies")

// authorizeIndices decides an index action as RBACEngine.authorizeIndexAction
// does, resolving the request's expressions to the names it may forward.
func (a *Authorizer) authorizeIndices(ctx context.Context, auth authn.Authentication, set *roleSet, action string, r *IndexRequest) (indices.Resolution, error) {
	if r.NameOnly || r.NoIndices {
		if set.grantsIndexAction(action) {
			return indices.Resolution{}, nil
		}
		return indices.Resolution{}, a.indexDenial(auth, set, action, nil, false)
	}
	if !set.grantsIndexAction(action) {
		// No role grants the action anywhere: denied before resolving,
		// naming the expressions as written.
		return indices.Resolution{}, a.indexDenial(auth, set, action, contextNames(r.Expressions), false)
	}
	now := r.Now
	if now.IsZero() {
		now = time.Now()
	}
	allowed := func(name string) bool { return set.indexAccess(action, name).allowed }
	md, err := r.Metadata(ctx, false)
	if err != nil {
		return indices.Resolution{}, err
	}
	var res indices.Resolution
	if r.Single {
		names, err := indices.ResolveSingle(r.Expressions, action, now)
		if err != nil {
			return indices.Resolution{}, err
		}
		for _, n := range names {
			// A backing index is also allowed through its data stream.
			if md.Authorized(n, allowed) {
				res.Names = append(res.Names, n)
			} else {
				res.Denied = append(res.Denied, n)
			}
		}
	} else {
		res, err = indices.Resolve(r.Expressions, r.Options, md, allowed, now)
		if missed(res, err) && needsMetadata(r.Expressions) {
			// The cached metadata may predate an index just created: ask
			// the cluster once more before answering empty or 404.
			if md, err = r.Metadata(ctx, true); err != nil {
				return indices.Resolution{}, err
			}
			res, err = indices.Resolve(r.Expressions, r.Options, md, allowed, now)
		}
		var denied *indices.DeniedError
		if errors.As(err, &denied) {
			e := a.indexDenial(auth, set, action, nil, false).(*eserr.Error)
			e.CausedBy = denied.Cause
			return indices.Resolution{}, e
		}
		if err != nil {
			return indices.Resolution{}, err
		}
	}
	if len(res.Denied) > 0 {
		return indices.Resolution{}, a.indexDenial(auth, set, action, res.Denied, false)
	}
	for _, n := range res.Names {
		if err := restricted(auth, set, action, n); err != nil {
			return indices.Resolution{}, err
		}
	}
	return res, nil
}

// restricted refuses an index the roles give with document or field level
// security: the cluster behind has none, and the gateway does not rewrite
// queries or filter documents, so forwarding would show what the role
// hides.
func restricted(auth authn.Authentication, set *roleSet, action, name string) error {
	if writeOnly(action) {
		return nil // writes read nothing back: DLS and FLS do not apply
	}
	acc := set.indexAccess(action, name)
	if !acc.dls && !acc.fls {
		return nil
	}
	what := "document"
	switch {
	case acc.dls && acc.fls:
		what = "document and field"
	case acc.fls:
		what = "field"
	}
	e := eserr.Security(http.StatusForbidden, "action [%s] on index [%s] is refused for user [%s]: its roles apply %s level security there, which this gateway does not enforce",
		action, name, auth.Effective.User.Username, what)
	return errors.Join(e, ErrFieldOrDocumentSecurity)
}

// writeOnly reports the write actions that Elasticsearch lets through
// document and field level security (an update reads the document, so it
// is not one of them).
func writeOnly(action string) bool {
	for _, p := range []string{"indices:data/write/index", "indices:data/write/delete", "indices:data/write/bulk", "indices:admin/auto_create"} {
		if strings.HasPrefix(action, p) {
			return true
		}
	}
	return false
}

// missed reports a resolution that found nothing for a wildcard.
func missed(res indices.Resolution, err error) bool {
	var nf *indices.IndexNotFoundError
	return res.NoIndices || errors.As(err, &nf)
}

// needsMetadata reports whether resolving exprs needs to know what the
// cluster has: a wildcard, _all or no expression at all.
func needsMetadata(exprs []string) bool {
	if len(exprs) == 0 {
		return true
	}
	for _, e := range exprs {
		if e == "_all" || strings.Contains(e, "*") {
			return true
		}
	}
	return false
}

// contextNames are the names a denial lists: none for a request on no
// index, all or "*,-*" (IndexAuthorizationResult.getFailureContext).
func contextNames(exprs []string) []string {
	if len(exprs) == 0 || (len(exprs) == 2 && exprs[0] == "*" && exprs[1] == "-*") {
		return nil
	}
	return exprs
}

// CheckIndex decides one item of a granted multi-item request (a bulk
// line, an mget document) as the item's own action on its own index: nil,
// or the 403 Elasticsearch puts in the item's place.
func (d Decision) CheckIndex(action, name string) error {
	if !d.granted || d.set == nil {
		return eserr.Security(http.StatusForbidden, "action [%s] was not authorized", action)
	}
	if !d.set.indexAccess(action, name).allowed {
		return d.a.indexDenial(d.auth, d.set, action, []string{name}, false)
	}
	return restricted(d.auth, d.set, action, name)
}

// AuthorizeIndices decides a child request of a granted request (an
// msearch item, a reindex source) as an index action of its own.
func (d Decision) AuthorizeIndices(ctx context.Context, action string, r *IndexRequest) (indices.Resolution, error) {
	if !d.granted || d.set == nil {
		return indices.Resolution{}, eserr.Security(http.StatusForbidden, "action [%s] was not authorized", action)
	}
	res, err := d.a.authorizeIndices(ctx, d.auth, d.set, action, r)
	if err != nil {
		return indices.Resolution{}, d.a.deny(d.auth, action, func() error { return err })
	}
	return res, nil
}

// MayReadAll reports whether the roles grant action on every index,
// restricted ones aside: what the gateway asks of requests whose indices
// hide inside a query string (SQL, ES|QL, EQL) it does not parse.
func (d Decision) MayReadAll(action string) bool {
	if !d.granted || d.set == nil {
		return false
	}
	return d.set.coversEverything(action)
}

// CheckCluster decides a further cluster action a granted request runs
// with the caller's rights (a cat API also reads the cluster state): nil
// or the 403.
func (d Decision) CheckCluster(action string) error {
	if !d.granted || d.set == nil {
		return eserr.Security(http.StatusForbidden, "action [%s] was not authorized", action)
	}
	if d.set.grantsCluster(action) {
		return nil
	}
	return d.a.deny(d.auth, action, func() error { return d.a.denial(d.auth, d.set, action, false) })
}

// Covers reports whether the roles allow action on every name the request
// expression expr (a wildcard with only '*' special, as index expressions
// are) could match: restricted indices count only for groups that allow
// them. The gateway then may forward the expression as written.
func (d Decision) Covers(action, expr string) bool {
	if !d.granted || d.set == nil {
		return false
	}
	return d.set.coversExpression(action, expr)
}

// ActionsWithin reports whether every action the roles allow on name is
// also allowed on within: what Elasticsearch asks before an alias is
// added to an index (IndicesAliasesRequestInterceptor) or an index is
// resized into a new one (ResizeRequestInterceptor), so that neither
// widens what the user may do.
func (d Decision) ActionsWithin(name, within string) bool {
	if !d.granted || d.set == nil {
		return false
	}
	return subset(d.set.actionsOn(name), d.set.actionsOn(within))
}

// Restricted reports whether the roles apply document or field level
// security to the index for action.
func (d Decision) Restricted(action, name string) bool {
	if !d.granted || d.set == nil {
		return true
	}
	a := d.set.indexAccess(action, name)
	return a.dls || a.fls
}

// WildcardPatterns are the index name patterns of the roles' groups that
// grant action and are plain wildcards ('*' only, as request expressions
// are), each one covered by the roles for action: forwarded as written,
// the cluster expands it to allowed names only. The gateway uses them to
// shorten a long list of names.
func (d Decision) WildcardPatterns(action string) []string {
	if !d.granted || d.set == nil {
		return nil
	}
	var out []string
	for i := range d.set.indices {
		g := &d.set.indices[i]
		if !g.grantsAction(action) {
			continue
		}
		for _, n := range g.src {
			if strings.HasPrefix(n, "/") || strings.ContainsAny(n, "?\\") || !strings.Contains(n, "*") {
				continue
			}
			if d.set.coversExpression(action, n) {
				out = append(out, n)
			}
		}
	}
	return out
}
