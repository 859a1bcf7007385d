package calendar

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress is returned (wrapped) when a source's address is not
// a public one and the client was made by PublicClient.
var ErrPrivateAddress = errors.New("calendar: the source is on a private address")

// PublicClient returns an http.Client for fetching sources that connects
// to public addresses only: not loopback, private (RFC 1918, RFC 4193),
// link-local, shared (RFC 6598), unspecified, multicast, reserved or
// special-purpose ones, nor IPv6 addresses that embed an IPv4 one (NAT64,
// 6to4, Teredo). Whoever may
// add a source must not be able to make the server read its own network
// (an admin interface, a cloud metadata service) and show the answer in
// the source's status. The check runs on the address actually dialled,
// after DNS, for every connection — redirects included — so a name that
// resolves to a private address, now or later, is refused too. No proxy
// is used. timeout bounds a whole request.
func PublicClient(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: refusePrivate}
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:           d.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ResponseHeaderTimeout: timeout,
		},
	}
}

// refusePrivate is the dialer's Control hook: address is the IP and port
// about to be connected.
func refusePrivate(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrPrivateAddress, address)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !Public(ip) {
		return fmt.Errorf("%w (%s): majlis fetches regional calendars from public addresses only; "+
			"an operator can allow private ones (majlis serve --sources-allow-private)", ErrPrivateAddress, host)
	}
	return nil
}

// nonPublic are ranges that IsGlobalUnicast lets through but that do not
// lead to the public Internet, from the IANA IPv4 and IPv6 Special-Purpose
// Address Registries (RFC 6890) and the IPv6 address space registry. An
// address that embeds an IPv4 address (NAT64, 6to4, Teredo) is refused
// whole: a translator or relay near majlis would carry the request to
// whatever IPv4 address it names, loopback and private ones included.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT), RFC 6598
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast, RFC 7526
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking, RFC 2544
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, RFC 1112
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("::/96"),           // IPv4-compatible (deprecated), RFC 4291
	netip.MustParsePrefix("64:ff9b::/96"),    // NAT64, RFC 6052
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64, RFC 8215
	netip.MustParsePrefix("100::/64"),        // discard-only, RFC 6666
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments, Teredo (2001::/32) among them, RFC 2928
	netip.MustParsePrefix("2001:db8::/32"),   // documentation, RFC 3849
	netip.MustParsePrefix("2002::/16"),       // 6to4, RFC 3056
	netip.MustParsePrefix("3fff::/20"),       // documentation, RFC 9637
	netip.MustParsePrefix("5f00::/16"),       // SRv6 SIDs, RFC 9602
	netip.MustParsePrefix("fec0::/10"),       // site-local (deprecated), RFC 3879
}

// globalUnicast6 is the only IPv6 space IANA allocates for global unicast
// (RFC 4291 §2.4); the rest is reserved and reaches no public server.
var globalUnicast6 = netip.MustParsePrefix("2000::/3")

// Public reports whether ip is a public unicast address that a source may
// be fetched from (see PublicClient). An IPv4-mapped IPv6 address is
// judged as the IPv4 address it carries.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	if ip.Is6() && !globalUnicast6.Contains(ip) {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
