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
// link-local, shared (RFC 6598), unspecified or multicast ones. Whoever may
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
// lead to the public Internet.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (carrier-grade NAT), RFC 6598
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking, RFC 2544
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use NAT64, RFC 8215
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
}

// Public reports whether ip is a public unicast address that a source may
// be fetched from (see PublicClient). An IPv4-mapped IPv6 address is
// judged as the IPv4 address it carries.
func Public(ip netip.Addr) bool {
	ip = ip.Unmap()
	if !ip.IsValid() || !ip.IsGlobalUnicast() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(ip) {
			return false
		}
	}
	return true
}
