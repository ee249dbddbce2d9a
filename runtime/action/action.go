// Package action performs the actions that leave Automat (issue 8): e-mail
// over SMTP, SMS through an HTTP gateway, signed webhooks, Shoptet's order
// status, and generic REST calls configured per action name. The daemon
// takes a queued [store.Action] from the action queue, calls
// [Set.Perform], and stores the [Result]: done, a retry later (Transient),
// failed for good (Permanent), or unknown (the request may have reached a
// receiver that cannot deduplicate it; not resent on its own).
//
// Internal actions (notify, task, comment, log, set_status, ...) are the
// engine's and never come here.
//
// A [Set] is built once from a validated [Config] with [New]; secrets
// (SMTP password, gateway tokens, signing secrets) come only from the
// environment or files, read through [Options], and never appear in an
// error, a log line or a String form. Each connector has its own rate
// limit and concurrency cap. Library code reads no environment variables
// itself.
//
// docs/connectors.md is the user's reference: the config file section,
// the request each connector sends, the failure classification and how a
// webhook receiver verifies the signature.
package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/automat-rules/automat/runtime/action/mailtmpl"
	"github.com/automat-rules/automat/runtime/store"
)

// Class is how an attempt ended.
type Class uint8

// Classes of results.
const (
	// OK: the action was performed.
	OK Class = iota
	// Transient: not performed this time (5xx, 408, 425, 429, a timeout or
	// connection error before the request was sent, or after it was sent
	// to a receiver that deduplicates by idempotency key); retry later.
	Transient
	// Permanent: refused for good (other 4xx, bad arguments, no such
	// template, an address the SSRF guard forbids); do not retry.
	Permanent
	// Unknown: the request may have been received (a timeout or a broken
	// connection after it was written) by a receiver without idempotency
	// keys (SMS gateways, Shoptet, SMTP after the message data): resending
	// could act twice, so the daemon leaves it to a person.
	Unknown
)

var classNames = [...]string{OK: "ok", Transient: "transient", Permanent: "permanent", Unknown: "unknown"}

func (c Class) String() string {
	if int(c) < len(classNames) {
		return classNames[c]
	}
	return fmt.Sprintf("Class(%d)", c)
}

// Result is the outcome of one attempt.
type Result struct {
	Class Class
	// Err says why an attempt that is not OK failed; it never contains a
	// secret.
	Err error
	// Output describes what was done, for the log (a JSON object such as
	// {"status": 200} or {"message_id": "..."}), or nil.
	Output json.RawMessage
	// Value is the action's result for `let x = action(...)` (a REST
	// connector's configured result), or nil.
	Value json.RawMessage
	// RetryAfter is the receiver's Retry-After, or 0: the daemon should
	// not retry sooner.
	RetryAfter time.Duration
}

// Request is one attempt to perform an action.
type Request struct {
	// Action is the queued action: Name selects the connector, Args holds
	// every argument by parameter name (strings interpolated, money as
	// decimal strings), ID is the idempotency key.
	Action *store.Action
	// Record is the subject record's current snapshot (a JSON object), or
	// nil. A webhook without a body posts it; templates and Shoptet's
	// order code fall back to it.
	Record json.RawMessage
	// Templates are the e-mail templates of the ruleset the action came
	// from; nil has none.
	Templates *mailtmpl.Set
}

// Connector performs the actions of one kind. Perform is called from many
// goroutines at once.
type Connector interface {
	Perform(ctx context.Context, r *Request) Result
}

// ErrNoConnector is wrapped by the Permanent result of an action no
// connector performs.
var ErrNoConnector = errors.New("no connector performs this action")

// Set holds the configured connectors by action name. It is safe for
// concurrent use.
type Set struct {
	byName  map[string]*limited
	secrets []secret // every secret of every connector
}

// Perform performs r's action with the connector for its name, within
// that connector's rate limit and concurrency cap. Waiting for the limits
// ends with ctx; the action is then not sent (Transient).
func (s *Set) Perform(ctx context.Context, r *Request) Result {
	if r == nil || r.Action == nil {
		return permanent(errors.New("no action"))
	}
	l := s.byName[r.Action.Name]
	if l == nil {
		return permanent(fmt.Errorf("%s: %w (configure it under connectors)", r.Action.Name, ErrNoConnector))
	}
	release, err := l.acquire(ctx)
	if err != nil {
		return Result{Class: Transient, Err: fmt.Errorf("%s: not sent, waiting for the connector's limits: %w", r.Action.Name, err)}
	}
	defer release()
	res := l.c.Perform(ctx, r)
	if res.Class != OK && res.Err == nil {
		res.Err = errors.New(r.Action.Name + ": failed")
	}
	if res.Err != nil {
		if msg := scrub(res.Err.Error(), s.secrets...); msg != res.Err.Error() {
			res.Err = &scrubbed{msg: msg, err: res.Err}
		}
	}
	return res
}

// scrubbed is an error whose text had a secret replaced; it unwraps to
// the original for errors.Is.
type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// Has reports whether some connector performs the action called name.
func (s *Set) Has(name string) bool { return s.byName[name] != nil }

// Names returns the action names the set performs, sorted.
func (s *Set) Names() []string {
	out := make([]string, 0, len(s.byName))
	for n := range s.byName {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Idempotent reports whether the receiver of the action called name
// deduplicates by the idempotency key, so that an Unknown result could be
// resent safely (webhooks, REST connectors marked idempotent).
func (s *Set) Idempotent(name string) bool {
	l := s.byName[name]
	return l != nil && l.idempotent
}

func permanent(err error) Result { return Result{Class: Permanent, Err: err} }
func transient(err error) Result { return Result{Class: Transient, Err: err} }
func okResult(out any) Result    { return Result{Class: OK, Output: mustJSON(out)} }
func mustJSON(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic("action: " + err.Error())
	}
	return b
}
