package items

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestJavaHashCode(t *testing.T) {
	// Values String.hashCode returns in Java.
	for s, want := range map[string]int32{
		"": 0, "a": 97, "hello": 99162322, "Aa": 2112, "BB": 2112,
		"index": 100346066, "indices": 1943391143, "\U0001F600": 1772899,
	} {
		if got := javaHashCode(s); got != want {
			t.Errorf("javaHashCode(%q) = %d, want %d", s, got, want)
		}
	}
}

// hashMapOrder simulates java.util.HashMap insertion step by step, resizes
// included, as an independent check of javaHashOrder's shortcut.
func hashMapOrder(keys []string) []int {
	table := make([][]int, 16)
	size := 0
	for i, k := range keys {
		h := uint32(javaHashCode(k))
		h ^= h >> 16
		b := h & uint32(len(table)-1)
		table[b] = append(table[b], i)
		size++
		if float64(size) > float64(len(table))*0.75 {
			next := make([][]int, len(table)*2)
			for _, bucket := range table { // split each bucket, keeping order
				for _, j := range bucket {
					hj := uint32(javaHashCode(keys[j]))
					hj ^= hj >> 16
					nb := hj & uint32(len(next)-1)
					next[nb] = append(next[nb], j)
				}
			}
			table = next
		}
	}
	var order []int
	for _, bucket := range table {
		order = append(order, bucket...)
	}
	return order
}

func TestJavaHashOrder(t *testing.T) {
	if got := javaHashOrder([]string{"index", "indices"}); !slices.Equal(got, []int{1, 0}) {
		t.Errorf("index, indices iterate as %v, want [1 0]", got)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n < 60; n++ {
		seen := map[string]bool{}
		var keys []string
		for len(keys) < n {
			k := fmt.Sprintf("k%x", r.Uint32()%5000)
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
		if got, want := javaHashOrder(keys), hashMapOrder(keys); !slices.Equal(got, want) {
			t.Fatalf("%d keys: order %v, simulation %v", n, got, want)
		}
	}
}

func TestJavaNumber(t *testing.T) {
	for lit, want := range map[string]string{
		"0": "0", "-0": "0", "42": "42", "-7": "-7", "9223372036854775808": "9223372036854775808",
		"1000": "1000", "1e3": "1000.0", "1.0": "1.0", "100.0": "100.0", "1.5": "1.5", "-2.5": "-2.5",
		"0.001": "0.001", "0.0001": "1.0E-4", "9999999.0": "9999999.0", "1e7": "1.0E7",
		"123456789.0": "1.23456789E8", "0.30000000000000004": "0.30000000000000004", "1e-5": "1.0E-5",
		"-0.0": "-0.0", "1e999": "Infinity", "-1e999": "-Infinity", "4.9e-324": "4.9E-324", "1e21": "1.0E21",
		"12.5e-1": "1.25",
	} {
		if got := javaNumber(lit); got != want {
			t.Errorf("javaNumber(%s) = %s, want %s", lit, got, want)
		}
	}
	if got := javaDouble(math.NaN()); got != "NaN" {
		t.Errorf("NaN: %s", got)
	}
}
