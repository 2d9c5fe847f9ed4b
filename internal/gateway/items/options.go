package items

// Option adjusts parsing to the node settings a gateway mirrors.
type Option func(*options)

type options struct {
	noExplicitIndex bool
}

// DisallowExplicitIndex mirrors rest.action.multi.allow_explicit_index:
// false, under which an index named inside a _bulk, _mget or _msearch body
// fails the whole request, as Elasticsearch's parsers do.
func DisallowExplicitIndex() Option {
	return func(o *options) { o.noExplicitIndex = true }
}

func collect(opts []Option) options {
	var o options
	for _, f := range opts {
		f(&o)
	}
	return o
}
