package lockout

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// TrustedProxies is a list of addresses or CIDR prefixes whose
// X-Forwarded-For header is believed. The zero value believes nobody's.
type TrustedProxies struct {
	prefixes []netip.Prefix // masked; IPv4-mapped ones as IPv4
}

// ParseTrustedProxies parses addresses ("192.0.2.7", "::1") and CIDR
// prefixes ("10.0.0.0/8", "2001:db8::/32"). Host names, ports and zones
// are refused: a proxy is trusted by the address it connects from.
func ParseTrustedProxies(list []string) (TrustedProxies, error) {
	var tp TrustedProxies
	for _, s := range list {
		p, err := parseProxy(strings.TrimSpace(s))
		if err != nil {
			return TrustedProxies{}, fmt.Errorf("lockout: trusted proxy [%s]: %w", s, err)
		}
		tp.prefixes = append(tp.prefixes, p)
	}
	return tp, nil
}

func parseProxy(s string) (netip.Prefix, error) {
	if s == "" {
		return netip.Prefix{}, errors.New("empty entry")
	}
	var p netip.Prefix
	if strings.Contains(s, "/") {
		var err error
		if p, err = netip.ParsePrefix(s); err != nil {
			return p, fmt.Errorf("not a CIDR prefix such as [10.0.0.0/8]: %w", err)
		}
	} else {
		a, err := netip.ParseAddr(s)
		switch {
		case err != nil:
			return p, fmt.Errorf("not an IP address or CIDR prefix (host names and ports are not allowed): %w", err)
		case a.Zone() != "":
			return p, errors.New("an IPv6 zone is not allowed")
		}
		p = netip.PrefixFrom(a, a.BitLen())
	}
	p = p.Masked()
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		// Connections are matched unmapped, so the prefix must be too.
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p, nil
}

// Client returns the client address to key on: the socket address unless
// it is a trusted proxy, in which case the right-most X-Forwarded-For
// entry that is not itself a trusted proxy (walking from the right, as
// nginx's real_ip_recursive and Go's reverse proxies do). Entries left of
// that one are whatever the client chose to send, so they are never
// looked at. A malformed entry stops the walk at the last trusted hop; if
// every entry is trusted, the left-most is the client. xForwardedFor is
// every X-Forwarded-For line of the request in order, taken as one
// comma-separated list. The result is remoteAddr or one of the entries,
// an "ip", "ip:port" or "[ip]:port" that ClientKey accepts.
func (tp TrustedProxies) Client(remoteAddr string, xForwardedFor []string) string {
	if len(tp.prefixes) == 0 {
		return remoteAddr
	}
	if a, _, ok := parseHost(remoteAddr); !ok || !tp.trusts(a) {
		return remoteAddr
	}
	client := remoteAddr
	for i := len(xForwardedFor) - 1; i >= 0; i-- {
		rest := xForwardedFor[i]
		for rest != "" {
			hop := rest
			if j := strings.LastIndexByte(rest, ','); j >= 0 {
				hop, rest = rest[j+1:], rest[:j]
			} else {
				rest = ""
			}
			if hop = strings.Trim(hop, " \t"); hop == "" {
				continue // empty list elements are allowed (RFC 9110, 5.6.1)
			}
			a, _, ok := parseHost(hop)
			if !ok {
				return client
			}
			if !tp.trusts(a) {
				return hop
			}
			client = hop
		}
	}
	return client
}

// trusts reports whether a is within a trusted prefix. The lists are a
// handful of entries: a linear scan is the fastest there is.
func (tp TrustedProxies) trusts(a netip.Addr) bool {
	a = a.Unmap().WithZone("") // Contains is false for any zoned address
	for _, p := range tp.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
