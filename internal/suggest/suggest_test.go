package suggest

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSimilarity(t *testing.T) {
	tests := []struct {
		a, b string
		want float64
	}{
		{"refresh", "refresh", 1}, {"refesh", "refresh", 1 - 1.0/7}, {"abc", "xyz", 0}, {"", "", 1}, {"", "a", 0},
		{"héllo", "hello", 0.8},
	}
	for _, tt := range tests {
		if got := Similarity(tt.a, tt.b); math.Abs(got-tt.want) > 1e-9 {
			t.Errorf("Similarity(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	got := Closest("refesh", []string{"pretty", "refresh", "refreshes", "human"}, 0.5)
	if diff := cmp.Diff([]string{"refresh", "refreshes"}, got); diff != "" {
		t.Error(diff)
	}
	if got := Closest("zzz", []string{"pretty"}, 0.5); len(got) != 0 {
		t.Errorf("Closest = %v", got)
	}
}
