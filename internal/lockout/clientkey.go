package lockout

import (
	"net/netip"
	"strings"
)

// ipv6Bits is the part of an IPv6 address that names one client. A single
// host or home commonly holds a whole /64, so counting full addresses would
// let one client step through 2^64 of them, and fill the table while at it.
const ipv6Bits = 64

// ClientKey returns the key under which failures from a client address are
// counted: the IPv4 address, or the /64 network of an IPv6 address (such as
// "2001:db8:1:2::/64"). remoteAddr is an http.Request's RemoteAddr ("ip:port")
// or a bare IP, or what TrustedProxies.Client returns. It returns "" for
// anything else (a Unix socket), which Begin then leaves out. IPv4
// addresses cost no allocation.
func ClientKey(remoteAddr string) string {
	a, host, ok := parseHost(remoteAddr)
	switch {
	case !ok:
		return ""
	case a.Is4():
		// netip accepts only canonical dotted quads, so the text is
		// already the key.
		return host
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, err := a.WithZone("").Prefix(ipv6Bits)
	if err != nil {
		return ""
	}
	return p.String()
}

// parseHost parses "ip:port", "[ip]:port" or a bare "ip", and returns the
// address and, for IPv4, its text without the port. Which form it is comes
// from the text, not from a failed parse: an error allocates.
func parseHost(s string) (a netip.Addr, host string, ok bool) {
	if !strings.HasPrefix(s, "[") && strings.Count(s, ":") != 1 {
		a, err := netip.ParseAddr(s) // IPv4 has no colon, IPv6 at least two
		return a, s, err == nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.Addr{}, "", false
	}
	// Brackets are refused around IPv4, so an IPv4 host ends at the colon.
	return ap.Addr(), s[:strings.LastIndexByte(s, ':')], true
}
