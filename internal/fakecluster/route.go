package fakecluster

import "strings"

type route struct {
	method string
	h      func(*call) *reply
}

// dispatch runs the handler for the request's method, or answers 405 with
// the methods the path has, as RestController does.
func dispatch(k *call, routes ...route) *reply {
	allowed := make([]string, 0, len(routes))
	for _, r := range routes {
		if r.method == k.method {
			return r.h(k)
		}
		allowed = append(allowed, r.method)
	}
	return wrongMethod(k, allowed)
}

// isAPI tells an API name from an index expression in the first segment;
// "_all" is an expression.
func isAPI(seg string) bool { return strings.HasPrefix(seg, "_") && seg != "_all" }

// pathIndices is the index expression list of /{index}/... paths, nil for
// the cluster-level form of the same API.
func (k *call) pathIndices() []string {
	if len(k.segs) == 0 || isAPI(k.segs[0]) {
		return nil
	}
	return splitNames(k.segs[0])
}

func (c *Cluster) route(k *call) *reply {
	s := k.segs
	if len(s) == 0 {
		return dispatch(k, route{"GET", c.info}, route{"HEAD", c.info})
	}
	if isAPI(s[0]) {
		return c.routeAPI(k)
	}
	if len(s) == 1 {
		return dispatch(k, route{"PUT", c.createIndexAPI}, route{"GET", c.getIndexAPI},
			route{"HEAD", c.existsIndexAPI}, route{"DELETE", c.deleteIndexAPI})
	}
	if len(s) == 2 {
		switch s[1] {
		case "_doc":
			return dispatch(k, route{"POST", c.indexDocAPI})
		case "_search":
			return dispatch(k, route{"GET", c.searchAPI}, route{"POST", c.searchAPI})
		case "_count":
			return dispatch(k, route{"GET", c.countAPI}, route{"POST", c.countAPI})
		case "_pit":
			return dispatch(k, route{"POST", c.openPitAPI})
		case "_bulk":
			return dispatch(k, route{"POST", c.bulkAPI}, route{"PUT", c.bulkAPI})
		case "_mget":
			return dispatch(k, route{"GET", c.mgetAPI}, route{"POST", c.mgetAPI})
		case "_msearch":
			return dispatch(k, route{"GET", c.msearchAPI}, route{"POST", c.msearchAPI})
		case "_refresh":
			return dispatch(k, route{"POST", c.refreshAPI}, route{"GET", c.refreshAPI})
		}
	}
	if len(s) == 3 {
		switch s[1] {
		case "_doc":
			return dispatch(k, route{"PUT", c.indexDocAPI}, route{"POST", c.indexDocAPI}, route{"GET", c.getDocAPI},
				route{"HEAD", c.getDocAPI}, route{"DELETE", c.deleteDocAPI})
		case "_create":
			return dispatch(k, route{"PUT", c.createDocAPI}, route{"POST", c.createDocAPI})
		case "_source":
			return dispatch(k, route{"GET", c.getSourceAPI}, route{"HEAD", c.getSourceAPI})
		case "_update":
			return dispatch(k, route{"POST", c.updateDocAPI})
		}
	}
	return noHandler(k)
}

func (c *Cluster) routeAPI(k *call) *reply {
	s := k.segs
	switch {
	case len(s) == 1:
		switch s[0] {
		case "_search":
			return dispatch(k, route{"GET", c.searchAPI}, route{"POST", c.searchAPI})
		case "_count":
			return dispatch(k, route{"GET", c.countAPI}, route{"POST", c.countAPI})
		case "_pit":
			return dispatch(k, route{"DELETE", c.closePitAPI})
		case "_bulk":
			return dispatch(k, route{"POST", c.bulkAPI}, route{"PUT", c.bulkAPI})
		case "_mget":
			return dispatch(k, route{"GET", c.mgetAPI}, route{"POST", c.mgetAPI})
		case "_msearch":
			return dispatch(k, route{"GET", c.msearchAPI}, route{"POST", c.msearchAPI})
		case "_aliases":
			return dispatch(k, route{"POST", c.aliasesAPI})
		case "_refresh":
			return dispatch(k, route{"POST", c.refreshAPI}, route{"GET", c.refreshAPI})
		}
	case s[0] == "_search" && s[1] == "scroll" && len(s) <= 3:
		return dispatch(k, route{"GET", c.scrollAPI}, route{"POST", c.scrollAPI}, route{"DELETE", c.clearScrollAPI})
	case s[0] == "_cluster" && s[1] == "health" && len(s) <= 3:
		return dispatch(k, route{"GET", c.healthAPI})
	case s[0] == "_cat" && s[1] == "indices" && len(s) <= 3:
		return dispatch(k, route{"GET", c.catIndicesAPI})
	case s[0] == "_resolve" && s[1] == "index" && len(s) == 3:
		return dispatch(k, route{"GET", c.resolveIndexAPI})
	}
	return noHandler(k)
}
