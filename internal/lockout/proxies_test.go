package lockout

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestClientKey(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"192.0.2.1:54321", "192.0.2.1"},
		{"192.0.2.1", "192.0.2.1"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"2001:db8:1:2:ffff::1", "2001:db8:1:2::/64"},
		{"[fe80::1%eth0]:80", "fe80::/64"},
		{"[::ffff:192.0.2.1]:80", "192.0.2.1"},
		{"[::1]:9200", "::/64"},
		{"::1", "::/64"},
		{"[192.0.2.1]:80", ""},
		{"192.0.2.1:", ""},
		{"192.0.2.1:80:80", ""},
		{"192.000.2.1", ""},
		{"@", ""},
		{"", ""},
		{"example.com:80", ""},
	} {
		if got := ClientKey(tt.in); got != tt.want {
			t.Errorf("ClientKey(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, in := range []string{"192.0.2.1:54321", "192.0.2.1"} {
		if n := testing.AllocsPerRun(100, func() { _ = ClientKey(in) }); n != 0 {
			t.Errorf("ClientKey(%q) allocates %v times", in, n)
		}
	}
}

func TestParseTrustedProxies(t *testing.T) {
	tp, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.7", "::1", " 2001:db8::/32 ",
		"10.1.2.3/16", "::ffff:198.51.100.0/120", "::ffff:192.0.2.9"})
	if err != nil {
		t.Fatal(err)
	}
	var want []netip.Prefix
	for _, p := range []string{"10.0.0.0/8", "192.0.2.7/32", "::1/128", "2001:db8::/32",
		"10.1.0.0/16",                     // masked
		"198.51.100.0/24", "192.0.2.9/32", // unmapped
	} {
		want = append(want, netip.MustParsePrefix(p))
	}
	if !slices.Equal(tp.prefixes, want) {
		t.Errorf("prefixes = %v, want %v", tp.prefixes, want)
	}
	if tp, err := ParseTrustedProxies(nil); err != nil || len(tp.prefixes) != 0 {
		t.Errorf("ParseTrustedProxies(nil) = %v, %v", tp, err)
	}

	for _, tt := range []struct{ entry, why string }{
		{"", "empty entry"},
		{"  ", "empty entry"},
		{"proxy.example.com", "not an IP address or CIDR prefix"},
		{"192.0.2.7:80", "ports are not allowed"},
		{"[::1]:80", "not an IP address"},
		{"10.0.0.0/33", "not a CIDR prefix"},
		{"::1/129", "not a CIDR prefix"},
		{"10.0.0.0/8/8", "not a CIDR prefix"},
		{"10.0.0/8", "not a CIDR prefix"},
		{"fe80::1%eth0", "zone is not allowed"},
		{"fe80::%eth0/64", "not a CIDR prefix"},
	} {
		_, err := ParseTrustedProxies([]string{"10.0.0.0/8", tt.entry})
		if err == nil {
			t.Errorf("ParseTrustedProxies accepted %q", tt.entry)
			continue
		}
		if msg := err.Error(); !strings.Contains(msg, "["+tt.entry+"]") || !strings.Contains(msg, tt.why) {
			t.Errorf("error for %q = %q, want it to name the entry and say %q", tt.entry, msg, tt.why)
		}
	}
}

func TestTrustedProxiesClient(t *testing.T) {
	tp, err := ParseTrustedProxies([]string{"10.0.0.0/8", "192.0.2.7", "2001:db8:ffff::/48", "fe80::/10"})
	if err != nil {
		t.Fatal(err)
	}
	const lb = "10.0.0.1:5555"
	for _, tt := range []struct {
		name   string
		tp     TrustedProxies
		remote string
		xff    []string
		want   string // Client's answer
		key    string // ClientKey of it
	}{
		{"no proxies", TrustedProxies{}, "203.0.113.9:1234", []string{"198.51.100.1"}, "203.0.113.9:1234", "203.0.113.9"},
		{"no proxies, the proxy's address", TrustedProxies{}, lb, []string{"198.51.100.1"}, lb, "10.0.0.1"},
		{"untrusted remote", tp, "203.0.113.9:1234", []string{"198.51.100.1"}, "203.0.113.9:1234", "203.0.113.9"},
		{"trusted balancer", tp, lb, []string{"203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"no header from the balancer", tp, lb, nil, lb, "10.0.0.1"},
		{"chain of proxies", tp, lb, []string{"203.0.113.9, 10.0.0.2, 192.0.2.7"}, "203.0.113.9", "203.0.113.9"},
		{"spoofed entries left of the client", tp, lb, []string{"10.9.9.9, 198.51.100.1, 203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"spoofed line before the balancer's", tp, lb, []string{"10.9.9.9, 198.51.100.1", "203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"lines are one list", tp, lb, []string{"203.0.113.9, 10.0.0.3", "10.0.0.2"}, "203.0.113.9", "203.0.113.9"},
		{"every hop trusted", tp, lb, []string{"10.0.0.3, 10.0.0.2"}, "10.0.0.3", "10.0.0.3"},
		{"empty elements and blanks", tp, lb, []string{"203.0.113.9,, \t10.0.0.2 ,", ""}, "203.0.113.9", "203.0.113.9"},
		{"malformed last entry", tp, lb, []string{"203.0.113.9, unknown"}, lb, "10.0.0.1"},
		{"malformed after a trusted hop", tp, lb, []string{"203.0.113.9, garbage, 10.0.0.2"}, "10.0.0.2", "10.0.0.2"},
		{"malformed left of the client", tp, lb, []string{"garbage, 203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"bracketed without a port", tp, lb, []string{"[2001:db8::1]"}, lb, "10.0.0.1"},
		{"bad port", tp, lb, []string{"203.0.113.9:99999"}, lb, "10.0.0.1"},
		{"entry with a port", tp, lb, []string{"203.0.113.9:4711"}, "203.0.113.9:4711", "203.0.113.9"},
		{"IPv6 client", tp, lb, []string{"2001:db8:1:2::99"}, "2001:db8:1:2::99", "2001:db8:1:2::/64"},
		{"IPv6 client with a port", tp, lb, []string{"[2001:db8:1:2::99]:443"}, "[2001:db8:1:2::99]:443", "2001:db8:1:2::/64"},
		{"IPv6 proxy", tp, "[2001:db8:ffff::1]:443", []string{"198.51.100.4, 2001:db8:ffff::2"}, "198.51.100.4", "198.51.100.4"},
		{"IPv6 remote outside the prefix", tp, "[2001:db8:fffe::1]:443", []string{"198.51.100.4"}, "[2001:db8:fffe::1]:443", "2001:db8:fffe::/64"},
		{"IPv4-mapped remote", tp, "[::ffff:10.0.0.1]:80", []string{"203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"IPv4-mapped trusted hop", tp, lb, []string{"203.0.113.9, ::ffff:10.0.0.2"}, "203.0.113.9", "203.0.113.9"},
		{"IPv4-mapped client", tp, lb, []string{"::ffff:203.0.113.9"}, "::ffff:203.0.113.9", "203.0.113.9"},
		{"zoned remote", tp, "[fe80::1%eth0]:9200", []string{"203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"bare remote", tp, "10.0.0.1", []string{"203.0.113.9"}, "203.0.113.9", "203.0.113.9"},
		{"Unix socket", tp, "@", []string{"203.0.113.9"}, "@", ""},
		{"empty remote", tp, "", []string{"203.0.113.9"}, "", ""},
	} {
		got := tt.tp.Client(tt.remote, tt.xff)
		if got != tt.want {
			t.Errorf("%s: Client(%q, %q) = %q, want %q", tt.name, tt.remote, tt.xff, got, tt.want)
		}
		if key := ClientKey(got); key != tt.key {
			t.Errorf("%s: ClientKey(%q) = %q, want %q", tt.name, got, key, tt.key)
		}
	}

	xff := []string{"198.51.100.1, 203.0.113.9, 10.0.0.2"}
	if n := testing.AllocsPerRun(100, func() { _ = ClientKey(tp.Client(lb, xff)) }); n != 0 {
		t.Errorf("Client and ClientKey allocate %v times for IPv4 addresses", n)
	}
}

// TestSpoofedForwardedForChangesNothing: without trusted proxies, or from
// an address that is not one, a client rotating X-Forwarded-For values is
// still counted and blocked under its own address.
func TestSpoofedForwardedForChangesNothing(t *testing.T) {
	behind, err := ParseTrustedProxies([]string{"10.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	for name, tp := range map[string]TrustedProxies{"none": {}, "another": behind} {
		tr := newTracker(t, testConfig(newClock(), nil))
		login := func(i int) wantCheck {
			ip := ClientKey(tp.Client("203.0.113.9:40000", []string{fmt.Sprintf("198.51.100.%d, 10.0.0.%d", i, i)}))
			a, ok, after, kind := tr.Begin(fmt.Sprint("user", i), ip, false, t0)
			a.Failed(t0)
			return wantCheck{!ok, after, kind}
		}
		for i := range 5 {
			if got := login(i); got != open {
				t.Fatalf("%s: login %d refused: %+v", name, i, got)
			}
		}
		if got, want := login(5), (wantCheck{true, 15 * time.Minute, KindIP}); got != want {
			t.Errorf("%s: after five failures from one address with spoofed headers: %+v, want %+v", name, got, want)
		}
		if l := tr.Locked(t0); len(l) != 1 || l[0].Key != "203.0.113.9" {
			t.Errorf("%s: Locked = %+v, want only the real address", name, l)
		}
	}
}
