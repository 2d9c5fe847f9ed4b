package indices

import (
	"errors"
	"hash/fnv"
	"strings"
	"testing"
	"time"

	"github.com/esauth/esauth/internal/eserr"
)

// FuzzResolve feeds comma-separated expression lists, option bits and a
// seed for the user's privileges. Resolve must not panic, must only return
// names the user may touch (by name or through a data stream), must not
// deny a name it also forwards, and NoIndices must come alone.
func FuzzResolve(f *testing.F) {
	for _, s := range []string{
		"", "_all", "logs-*", "*,-*", "logs-*,-logs-2024.03.21", "-x,logs*", "<logs-{now/d}>", "<logs-{now/d>",
		".ds-*,metrics", "c:logs,*:x", ":x", "a,,b", "-", "*,-", "**", ".*", "<{now{YYYY.ww|Europe/Paris}}*>",
		"logs,old,secret,.hidden-alias", "<\\{{now/M{yyyy}}\\}>",
	} {
		f.Add(s, uint8(0b0_0011010), uint32(7))
	}
	md := fixture(f)
	f.Fuzz(func(t *testing.T, list string, bits uint8, seed uint32) {
		opt := Options{
			IgnoreUnavailable: bits&1 != 0, AllowNoIndices: bits&2 != 0, ExpandOpen: bits&4 != 0, ExpandClosed: bits&8 != 0,
			ExpandHidden: bits&16 != 0, ExcludeDataStreams: bits&32 != 0, RemoteIndices: bits&64 != 0,
		}
		allowed := func(name string) bool {
			h := fnv.New32a()
			h.Write([]byte(name))
			return (h.Sum32()^seed)%3 != 0
		}
		exprs := Split(list)
		res, err := Resolve(exprs, opt, md, allowed, now)
		if err != nil {
			var nf *IndexNotFoundError
			var denied *DeniedError
			var e *eserr.Error
			if !errors.As(err, &nf) && !errors.As(err, &denied) {
				t.Fatalf("error %v (%T) is neither not-found nor a denial", err, err)
			}
			if !errors.As(err, &e) || e.Type == "" || e.Status == 0 {
				t.Fatalf("error %v has no Elasticsearch shape", err)
			}
			return
		}
		if res.NoIndices && (len(res.Names) > 0 || len(res.Denied) > 0) {
			t.Fatalf("NoIndices with names: %+v", res)
		}
		if !res.NoIndices && len(res.Names) == 0 && len(res.Denied) == 0 {
			t.Fatalf("an empty result must be NoIndices or an error: %+v", res)
		}
		seen := map[string]bool{}
		for _, n := range res.Names {
			if seen[n] {
				t.Fatalf("%q forwarded twice: %+v", n, res)
			}
			seen[n] = true
			a, exists := md.Lookup(n)
			if !allowed(n) && !(exists && a.DataStream != "" && allowed(a.DataStream)) {
				t.Fatalf("forwarding %q, which the user may not touch: %+v", n, res)
			}
			if strings.Contains(n, "*") && opt.expandWildcards() {
				t.Fatalf("an unexpanded wildcard %q is forwarded: %+v", n, res)
			}
		}
		for _, n := range res.Denied {
			if seen[n] {
				t.Fatalf("%q both forwarded and denied", n)
			}
			if opt.IgnoreUnavailable {
				t.Fatalf("ignore_unavailable must drop %q, not deny it", n)
			}
		}
	})
}

// FuzzResolveDateMath: any expression resolves or fails with an
// Elasticsearch-shaped error, never panics; a name that is not date math
// comes back unchanged.
func FuzzResolveDateMath(f *testing.F) {
	for _, s := range []string{
		"<logs-{now/d}>", "<a{now-1M/M{yyyy.MM|+05:30}}b>", `<\\{now}\}>`, "<{now{YYYY.ww xxx|America/New_York}}>",
		"<{now+1y-2M/w{D.k.K.h.Q.SSS'x''y'[ss]X|UTC-03}}>", "<{now{yyyy|+1}}>", "<{now/s{Z|GMT+18}}>", "plain", "<>",
	} {
		f.Add(s, int64(1711119845678))
	}
	f.Fuzz(func(t *testing.T, expr string, ms int64) {
		at := time.UnixMilli(ms % (200 * 365 * 24 * 3600 * 1000))
		got, err := ResolveDateMath(expr, at)
		if err != nil {
			var e *eserr.Error
			if !errors.As(err, &e) || e.Type == "" || e.Status == 0 {
				t.Fatalf("%q: error %v has no Elasticsearch shape", expr, err)
			}
			return
		}
		if !strings.HasPrefix(expr, "<") || !strings.HasSuffix(expr, ">") {
			if got != expr {
				t.Fatalf("%q changed to %q", expr, got)
			}
		}
	})
}
