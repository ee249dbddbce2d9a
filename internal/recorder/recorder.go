// Package recorder is a real HTTP server on loopback (net/http/httptest)
// that records every request it receives, for tests of the connectors
// that call HTTP receivers: SMS gateways, webhooks, shop APIs.
package recorder

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Hit is one request the server received.
type Hit struct {
	Method, Path, Query string
	RawPath             string // the path as sent, escaped
	Header              http.Header
	Body                []byte
}

// Reply answers the n-th request (counting from 1); r's body is already
// read (it is in the Hit).
type Reply func(w http.ResponseWriter, r *http.Request, n int)

// Server is a running recording server.
type Server struct {
	*httptest.Server
	mu    sync.Mutex
	hits  []Hit
	reply Reply
}

// Start starts a server answering with reply (200 and no body when nil);
// it is closed when the test ends.
func Start(t testing.TB, reply Reply) *Server {
	t.Helper()
	s := &Server{reply: reply}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, Hit{r.Method, r.URL.Path, r.URL.RawQuery, r.URL.EscapedPath(), r.Header.Clone(), b})
		n := len(s.hits)
		s.mu.Unlock()
		if s.reply != nil {
			s.reply(w, r, n)
		}
	}))
	t.Cleanup(s.Close)
	return s
}

// Hits returns the requests received so far, in order.
func (s *Server) Hits() []Hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Hit(nil), s.hits...)
}

// Status is a Reply with a fixed status code and body.
func Status(code int, body string) Reply {
	return func(w http.ResponseWriter, _ *http.Request, _ int) {
		w.WriteHeader(code)
		io.WriteString(w, body)
	}
}
