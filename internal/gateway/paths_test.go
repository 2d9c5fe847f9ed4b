package gateway

import "testing"

func TestRewrite(t *testing.T) {
	tests := []struct {
		pattern, raw string
		names        map[string][]string
		want         string
	}{
		{"/{index}/_search", "/logs-*/_search", map[string][]string{"index": {"logs-1", "logs-2"}}, "/logs-1,logs-2/_search"},
		{"/{index}/_doc/{id}", "/logs-%7B/_doc/a%2Fb", map[string][]string{"index": {"logs-{"}}, "/logs-%7B/_doc/a%2Fb"},
		{"/{index}/_search", "/x/_search", map[string][]string{"index": {"*", "-*"}}, "/*,-*/_search"},
		{"/{index}/_alias/{name}", "/logs/_alias/cur*", map[string][]string{"index": {"logs-1"}, "name": {"current"}}, "/logs-1/_alias/current"},
		{"/_cluster/health", "/_cluster/health", nil, "/_cluster/health"},
		{"/", "/", nil, "/"},
		{"/{index}/_doc/{id}", "/a/_doc/1", map[string][]string{"index": {"a b", "c/d"}}, "/a%20b,c%2Fd/_doc/1"},
	}
	for _, tt := range tests {
		if got := rewrite(tt.pattern, tt.raw, tt.names); got != tt.want {
			t.Errorf("rewrite(%s, %s) = %s, want %s", tt.pattern, tt.raw, got, tt.want)
		}
	}
}
