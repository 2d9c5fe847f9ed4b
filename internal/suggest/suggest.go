package suggest

import (
	"sort"
	"strings"
)

// Similarity is Lucene's LevenshteinDistance.getDistance: 1 minus the edit
// distance over the longer length, so 1 means equal.
func Similarity(a, b string) float64 {
	s, t := []rune(a), []rune(b)
	n, m := len(s), len(t)
	if n == 0 || m == 0 {
		if n == m {
			return 1
		}
		return 0
	}
	prev, cur := make([]int, n+1), make([]int, n+1)
	for i := range prev {
		prev[i] = i
	}
	for j := 1; j <= m; j++ {
		cur[0] = j
		for i := 1; i <= n; i++ {
			cost := 1
			if s[i-1] == t[j-1] {
				cost = 0
			}
			cur[i] = min(cur[i-1]+1, prev[i]+1, prev[i-1]+cost)
		}
		prev, cur = cur, prev
	}
	return 1 - float64(prev[n])/float64(max(n, m))
}

// Closest returns the candidates more similar to name than threshold, most
// similar first, then by name.
func Closest(name string, candidates []string, threshold float64) []string {
	type scored struct {
		sim  float64
		name string
	}
	var list []scored
	for _, c := range candidates {
		if s := Similarity(name, c); s > threshold {
			list = append(list, scored{s, c})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if list[i].sim != list[j].sim {
			return list[i].sim > list[j].sim
		}
		return list[i].name < list[j].name
	})
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = s.name
	}
	return out
}

// Phrase words suggestions as Elasticsearch does: "did you mean [a]?" or
// "did you mean any of [a, b]?"; "" when there are none.
func Phrase(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return "did you mean [" + names[0] + "]?"
	}
	return "did you mean any of [" + strings.Join(names, ", ") + "]?"
}
