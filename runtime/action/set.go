package action

// This file builds a Set from a Config: secrets, limits, connectors.

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"golang.org/x/time/rate"
)

// Options are what a Set takes from its surroundings. The zero value
// reads no secrets (a config naming one is then an error) and uses the
// system's certificate roots and clock.
type Options struct {
	// Env looks up an environment variable (os.LookupEnv in the daemon).
	Env func(name string) (string, bool)
	// ReadFile reads a secret file (os.ReadFile in the daemon).
	ReadFile func(name string) ([]byte, error)
	// RootCAs verifies servers' TLS certificates; nil is the system's.
	RootCAs *x509.CertPool
	// Now is the clock of webhook timestamps; nil is time.Now.
	Now func() time.Time

	loaded *[]secret // every secret read, for scrubbing errors
}

// secret holds a password, token or signing key. It prints as
// "[redacted]" with every fmt verb, and through a pointer, so the value
// shows neither in an error nor in a %+v of the struct holding it.
type secret struct{ p *string }

func (s secret) String() string   { return "[redacted]" }
func (s secret) GoString() string { return "[redacted]" }
func (s secret) Format(f fmt.State, _ rune) {
	io.WriteString(f, "[redacted]")
}
func (s secret) MarshalText() ([]byte, error) { return []byte("[redacted]"), nil }
func (s secret) set() bool                    { return s.p != nil }
func (s secret) reveal() string {
	if s.p == nil {
		return ""
	}
	return *s.p
}

// loadSecret reads the secret named by env or file; at is the config
// path of the setting ("connectors.sms", name "token"). Errors name the
// variable or file, never the value.
func (o *Options) loadSecret(at, name, env, file string) (secret, error) {
	switch {
	case env != "":
		if o.Env == nil {
			return secret{}, fmt.Errorf("%s.%s_env: no environment given to read %s", at, name, env)
		}
		v, ok := o.Env(env)
		if !ok {
			return secret{}, fmt.Errorf("%s.%s_env: environment variable %s is not set", at, name, env)
		}
		if v == "" {
			return secret{}, fmt.Errorf("%s.%s_env: environment variable %s is empty", at, name, env)
		}
		return o.keep(secret{&v}), nil
	case file != "":
		if o.ReadFile == nil {
			return secret{}, fmt.Errorf("%s.%s_file: no file reader given to read %s", at, name, file)
		}
		b, err := o.ReadFile(file)
		if err != nil {
			return secret{}, fmt.Errorf("%s.%s_file: cannot read %s", at, name, file)
		}
		v := strings.TrimRight(string(b), "\r\n")
		if v == "" {
			return secret{}, fmt.Errorf("%s.%s_file: %s is empty", at, name, file)
		}
		return o.keep(secret{&v}), nil
	}
	return secret{}, nil
}

func (o *Options) keep(s secret) secret {
	if o.loaded != nil {
		*o.loaded = append(*o.loaded, s)
	}
	return s
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// New validates cfg, reads its secrets and builds the connectors. Every
// problem is reported at once, one per line, each naming its field.
func New(cfg Config, opts Options) (*Set, error) {
	var p problems
	cfg.validate(&p)
	if err := p.err(); err != nil {
		return nil, err
	}
	s := &Set{byName: map[string]*limited{}}
	opts.loaded = &s.secrets
	add := func(name string, c Connector, l Limits, defConc int, idempotent bool) {
		s.byName[name] = newLimited(c, l, defConc, idempotent)
	}
	var errs []error
	if c := cfg.SMTP; c != nil {
		e, err := newEmail(c, &opts)
		if err != nil {
			errs = append(errs, err)
		} else {
			add("email", e, c.Limits, 4, false)
		}
	}
	if c := cfg.SMS; c != nil {
		e, err := newSMS(c, &opts)
		if err != nil {
			errs = append(errs, err)
		} else {
			add("sms", e, c.Limits, 4, false)
		}
	}
	wc := cfg.Webhook
	if wc == nil {
		wc = &WebhookConfig{}
	}
	if w, err := newWebhook(wc, &opts); err != nil {
		errs = append(errs, err)
	} else {
		add("webhook", w, wc.Limits, 4, true)
	}
	if c := cfg.Shoptet; c != nil {
		e, err := newShoptet(c, &opts)
		if err != nil {
			errs = append(errs, err)
		} else {
			add("shoptet.set_order_status", e, c.Limits, 3, true)
		}
	}
	for _, name := range sortedKeys(cfg.REST) {
		c := cfg.REST[name]
		e, err := newREST(name, c, &opts)
		if err != nil {
			errs = append(errs, err)
		} else {
			add(name, e, c.Limits, 4, c.Idempotent)
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return s, nil
}

// String lists the connectors and their limits; it holds no secret.
func (s *Set) String() string {
	var b strings.Builder
	b.WriteString("action.Set{")
	for i, n := range s.Names() {
		if i > 0 {
			b.WriteString(", ")
		}
		l := s.byName[n]
		fmt.Fprintf(&b, "%s(concurrency %d", n, cap(l.sem))
		if l.rl != nil {
			fmt.Fprintf(&b, ", rate %g/s", float64(l.rl.Limit()))
		}
		b.WriteString(")")
	}
	b.WriteString("}")
	return b.String()
}

// Format prints s as String does, with every verb.
func (s *Set) Format(f fmt.State, _ rune) { io.WriteString(f, s.String()) }

// limited is a connector behind its rate limit and concurrency cap.
type limited struct {
	c          Connector
	sem        chan struct{}
	rl         *rate.Limiter // nil: no rate limit
	idempotent bool
}

func newLimited(c Connector, l Limits, defConc int, idempotent bool) *limited {
	conc := l.Concurrency
	if conc == 0 {
		conc = defConc
	}
	x := &limited{c: c, sem: make(chan struct{}, conc), idempotent: idempotent}
	if l.Rate > 0 {
		burst := l.Burst
		if burst == 0 {
			burst = int(math.Max(1, math.Ceil(l.Rate)))
		}
		x.rl = rate.NewLimiter(rate.Limit(l.Rate), burst)
	}
	return x
}

// acquire waits for a free slot and a rate token; release frees the slot.
func (l *limited) acquire(ctx context.Context) (release func(), err error) {
	select {
	case l.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	release = func() { <-l.sem }
	if l.rl != nil {
		if err := l.rl.Wait(ctx); err != nil {
			release()
			return nil, err
		}
	}
	return release, nil
}
