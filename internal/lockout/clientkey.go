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
// or a bare IP. It returns "" for anything else (a Unix socket), which
// Check and Failure then leave out. IPv4 addresses cost no allocation.
func ClientKey(remoteAddr string) string {
	var a netip.Addr
	if ap, err := netip.ParseAddrPort(remoteAddr); err == nil {
		a = ap.Addr()
		if a.Is4() {
			// netip accepts only canonical dotted quads, so the text before
			// the port is already the key.
			return remoteAddr[:strings.LastIndexByte(remoteAddr, ':')]
		}
	} else if a, err = netip.ParseAddr(remoteAddr); err != nil {
		return ""
	} else if a.Is4() {
		return remoteAddr
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
