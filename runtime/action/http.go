package action

// This file defines what the HTTP connectors share: the client (with the
// SSRF guard for webhooks), sending a request with a timeout while noting
// whether it was written, and the failure classification.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// maxResponse bounds how much of a response body is read.
const maxResponse = 64 << 10

// maxRedirects bounds the redirects a webhook follows.
const maxRedirects = 3

// ErrForbiddenAddress is wrapped by the Permanent result of a request
// the SSRF guard refused: the host resolved to a loopback, private,
// link-local or other non-public address that the config does not allow.
var ErrForbiddenAddress = errors.New("address not allowed")

// errBadRedirect ends a redirect chain (too many, or not to http(s)); it
// is Permanent.
var errBadRedirect = errors.New("redirect refused")

// httpSender sends one connector's requests.
type httpSender struct {
	client  *http.Client
	timeout time.Duration
	// idempotent: the receiver deduplicates, so a failure after the
	// request was written is Transient instead of Unknown.
	idempotent bool
	// transient are extra statuses that are Transient (Shoptet's 423).
	transient []int
	// secrets are scrubbed from every error text.
	secrets []secret
}

// newClient returns an HTTP client that uses no proxy (a proxy would
// also bypass the SSRF guard) and dials through dial when it is not nil.
func newClient(opts *Options, dial func(ctx context.Context, network, addr string) (net.Conn, error), redirects bool) *http.Client {
	if dial == nil {
		dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	}
	tr := &http.Transport{
		Proxy:                 nil,
		DialContext:           dial,
		TLSClientConfig:       &tls.Config{RootCAs: opts.RootCAs, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          32,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	c := &http.Client{Transport: tr}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if !redirects {
			return http.ErrUseLastResponse // the 3xx is the answer: Permanent
		}
		if len(via) > maxRedirects {
			return fmt.Errorf("%w: more than %d redirects", errBadRedirect, maxRedirects)
		}
		if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
			return fmt.Errorf("%w: to a %s URL", errBadRedirect, req.URL.Scheme)
		}
		return nil
	}
	return c
}

// response is a received HTTP response.
type response struct {
	status int
	header http.Header
	body   []byte
}

// send sends req within the sender's timeout. A transport failure or a
// status that is not 2xx comes back as a Result that is not OK (resp is
// then nil unless a status was received).
func (h *httpSender) send(ctx context.Context, req *http.Request) (*response, Result) {
	if h.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, h.timeout)
		defer cancel()
	}
	var wrote atomic.Bool
	ctx = httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	what := req.Method + " " + redactURL(req.URL)
	resp, err := h.client.Do(req.WithContext(ctx))
	if err != nil {
		return nil, h.transportFailure(what, err, wrote.Load())
	}
	defer resp.Body.Close()
	body, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	r := &response{status: resp.StatusCode, header: resp.Header, body: body}
	class := h.statusClass(resp.StatusCode)
	if class == OK {
		return r, Result{Class: OK}
	}
	if readErr != nil && len(body) == 0 {
		body = []byte(readErr.Error())
	}
	msg := fmt.Sprintf("%s: %s", what, resp.Status)
	if snippet := bodySnippet(body); snippet != "" {
		msg += ": " + snippet
	}
	return r, Result{
		Class:      class,
		Err:        errors.New(h.scrub(msg)),
		RetryAfter: retryAfter(resp.Header.Get("Retry-After"), time.Now()),
	}
}

// statusClass classifies a response status: 2xx OK; 408, 425, 429, 5xx
// and the sender's extra statuses Transient; anything else Permanent.
func (h *httpSender) statusClass(code int) Class {
	switch {
	case code >= 200 && code < 300:
		return OK
	case code == http.StatusRequestTimeout, code == http.StatusTooEarly,
		code == http.StatusTooManyRequests, code >= 500:
		return Transient
	}
	for _, c := range h.transient {
		if code == c {
			return Transient
		}
	}
	return Permanent
}

// transportFailure classifies a request that got no response: refused by
// the guard or a bad redirect, Permanent; not written yet (DNS, refused
// connection, dial or TLS timeout), Transient; written, Transient for an
// idempotent receiver and Unknown otherwise.
func (h *httpSender) transportFailure(what string, err error, wrote bool) Result {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := h.scrub(fmt.Sprintf("%s: %v", what, err))
	switch {
	case errors.Is(err, ErrForbiddenAddress), errors.Is(err, errBadRedirect):
		return Result{Class: Permanent, Err: errors.New(msg)}
	case !wrote:
		return Result{Class: Transient, Err: fmt.Errorf("%s (not sent)", msg)}
	case h.idempotent:
		return Result{Class: Transient, Err: fmt.Errorf("%s (after sending; the receiver deduplicates by idempotency key)", msg)}
	}
	return Result{Class: Unknown, Err: fmt.Errorf("%s (after sending: the receiver may have acted; not resent)", msg)}
}

// scrub replaces the sender's secrets in s.
func (h *httpSender) scrub(s string) string { return scrub(s, h.secrets...) }

func scrub(s string, secrets ...secret) string {
	for _, x := range secrets {
		if v := x.reveal(); v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	return s
}

// redactURL renders u without user info and query, which may carry
// credentials.
func redactURL(u *url.URL) string {
	c := *u
	c.User = nil
	if c.RawQuery != "" {
		c.RawQuery = ""
		c.ForceQuery = false
		return c.String() + "?…"
	}
	return c.String()
}

// bodySnippet returns the start of a response body for an error message.
func bodySnippet(b []byte) string {
	s := strings.Join(strings.Fields(string(bytes.ToValidUTF8(b, nil))), " ")
	if len(s) > 200 {
		s = s[:200]
		for len(s) > 0 && s[len(s)-1]&0xC0 == 0x80 {
			s = s[:len(s)-1]
		}
		if len(s) > 0 && s[len(s)-1] >= 0xC0 {
			s = s[:len(s)-1]
		}
		s += "…"
	}
	return s
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0
		}
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// outputOf describes a response for the log: its status and, when it is
// JSON, its body.
func outputOf(r *response) map[string]any {
	out := map[string]any{"status": r.status}
	if len(r.body) > 0 && len(r.body) <= 4096 && json.Valid(r.body) {
		out["response"] = json.RawMessage(r.body)
	}
	return out
}

// guard is the SSRF guard of webhook requests: it refuses connections to
// addresses that are not public unicast, checked in the dialer on the
// resolved address of every connection (redirects included), so that DNS
// rebinding cannot get past it.
type guard struct {
	allowPrivate bool
	hosts        map[string]bool // host names and literal IPs allowed
	nets         []netip.Prefix  // prefixes allowed
}

func newGuard(c *WebhookConfig) *guard {
	g := &guard{allowPrivate: c.AllowPrivate, hosts: map[string]bool{}}
	for _, h := range c.AllowHosts {
		if n := parsePrefix(h); n != nil {
			ones, _ := n.Mask.Size()
			addr, _ := netip.AddrFromSlice(n.IP)
			g.nets = append(g.nets, netip.PrefixFrom(addr.Unmap(), ones))
			continue
		}
		g.hosts[strings.ToLower(strings.TrimSuffix(h, "."))] = true
	}
	return g
}

// dialer returns the DialContext of the guarded transport.
func (g *guard) dialer() func(ctx context.Context, network, addr string) (net.Conn, error) {
	open := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	checked := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.control}
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if g.allowPrivate || g.hosts[strings.ToLower(strings.TrimSuffix(host, "."))] {
			return open.DialContext(ctx, network, addr)
		}
		return checked.DialContext(ctx, network, addr)
	}
}

// control runs after the name is resolved and before connecting.
func (g *guard) control(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %s", ErrForbiddenAddress, address)
	}
	ip := ap.Addr().Unmap()
	for _, n := range g.nets {
		if n.Contains(ip) {
			return nil
		}
	}
	if why := nonPublic(ip); why != "" {
		return fmt.Errorf("%w: %s is %s (allow it with connectors.webhook.allow_hosts or allow_private)", ErrForbiddenAddress, ip, why)
	}
	return nil
}

var (
	cgnat     = netip.MustParsePrefix("100.64.0.0/10")
	thisNet   = netip.MustParsePrefix("0.0.0.0/8")
	ietf      = netip.MustParsePrefix("192.0.0.0/24")
	benchmark = netip.MustParsePrefix("198.18.0.0/15")
	reserved4 = netip.MustParsePrefix("240.0.0.0/4")
	nat64     = netip.MustParsePrefix("64:ff9b::/96")
)

// nonPublic says why ip is not a public unicast address, or "".
func nonPublic(ip netip.Addr) string {
	if ip.Is6() && nat64.Contains(ip) {
		b := ip.As16()
		if why := nonPublic(netip.AddrFrom4([4]byte(b[12:]))); why != "" {
			return why + " (NAT64)"
		}
	}
	switch {
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(), ip.IsInterfaceLocalMulticast():
		return "a link-local address"
	case ip.IsMulticast():
		return "a multicast address"
	case ip.IsPrivate():
		return "a private address"
	case cgnat.Contains(ip):
		return "a shared (CGNAT) address"
	case thisNet.Contains(ip), ietf.Contains(ip), benchmark.Contains(ip), reserved4.Contains(ip):
		return "a reserved address"
	}
	return ""
}
