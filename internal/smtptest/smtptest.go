// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp)
// on a loopback port for tests: STARTTLS with a self-signed certificate,
// optional AUTH PLAIN, and every message received kept with its envelope.
// Tests of the e-mail connector and the daemon's end-to-end tests send to
// it with the real client.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options configure a server.
type Options struct {
	// Cert is offered with STARTTLS; the zero value offers no STARTTLS.
	Cert tls.Certificate
	// Username and Password, when set, are the only credentials AUTH
	// PLAIN accepts, and a MAIL command without AUTH is refused.
	Username, Password string
}

// Server is a running SMTP server.
type Server struct {
	// Addr is host:port; Port the port alone.
	Addr string
	Port int

	opts     Options
	mu       sync.Mutex
	messages []Message
	rcptErr  error
	dataWait time.Duration
}

// Message is one message received.
type Message struct {
	From string
	User string // the AUTH user, or ""
	To   []string
	TLS  bool // received over STARTTLS
	Data []byte
}

// Parse parses the message's headers and body.
func (m *Message) Parse(t testing.TB) *mail.Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("parsing a received message: %v", err)
	}
	return msg
}

// Start starts a server on 127.0.0.1; it is closed when the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	srv := &Server{opts: o}
	s := smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		return &session{srv: srv, conn: c}, nil
	}))
	s.Domain = "localhost"
	s.ErrorLog = log.New(io.Discard, "", 0)
	if o.Cert.Certificate != nil {
		s.TLSConfig = &tls.Config{Certificates: []tls.Certificate{o.Cert}}
	}
	s.AllowInsecureAuth = o.Cert.Certificate == nil
	s.ReadTimeout = 5 * time.Second
	s.WriteTimeout = 5 * time.Second
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Serve(l)
	}()
	t.Cleanup(func() {
		s.Close()
		<-done
	})
	srv.Addr = l.Addr().String()
	srv.Port = l.Addr().(*net.TCPAddr).Port
	return srv
}

// Messages returns the messages received so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages...)
}

// SetRcptError makes every RCPT command fail with err (nil: succeed).
func (s *Server) SetRcptError(err error) {
	s.mu.Lock()
	s.rcptErr = err
	s.mu.Unlock()
}

// SetDataDelay makes the server wait d after receiving a message's data
// before it answers (a slow server, for timeouts).
func (s *Server) SetDataDelay(d time.Duration) {
	s.mu.Lock()
	s.dataWait = d
	s.mu.Unlock()
}

type session struct {
	srv  *Server
	conn *smtp.Conn
	msg  Message
}

func (s *session) AuthMechanisms() []string {
	if s.srv.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.srv.opts.Username || pass != s.srv.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "bad credentials"}
		}
		s.msg.User = user
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.srv.opts.Username != "" && s.msg.User == "" {
		return smtp.ErrAuthRequired
	}
	s.msg.From = from
	_, s.msg.TLS = s.conn.TLSConnectionState()
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.srv.mu.Lock()
	err := s.srv.rcptErr
	s.srv.mu.Unlock()
	if err != nil {
		return err
	}
	s.msg.To = append(s.msg.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.srv.mu.Lock()
	wait := s.srv.dataWait
	s.msg.Data = b
	s.msg.To = append([]string(nil), s.msg.To...)
	s.srv.messages = append(s.srv.messages, s.msg)
	s.srv.mu.Unlock()
	time.Sleep(wait)
	return nil
}

func (s *session) Reset()        { s.msg = Message{User: s.msg.User} }
func (s *session) Logout() error { return nil }

// Cert returns a self-signed certificate for localhost and 127.0.0.1 and
// a pool that trusts it.
func Cert(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "localhost"},
		DNSNames:              []string{"localhost"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}

// Parts returns the decoded parts of a multipart message (or its single
// body) by media type ("text/plain", "text/html").
func Parts(t testing.TB, msg *mail.Message) map[string]string {
	t.Helper()
	out := map[string]string{}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatal(err)
	}
	decode := func(enc string, r io.Reader) string {
		if strings.EqualFold(enc, "quoted-printable") {
			r = quotedprintable.NewReader(r)
		}
		b, err := io.ReadAll(r)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		out[mt] = decode(msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
		return out
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		out[pt] = decode(p.Header.Get("Content-Transfer-Encoding"), p)
	}
	return out
}
