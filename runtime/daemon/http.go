package daemon

// This file defines the HTTP API of SPEC §4: authentication, the event
// intake, the event log, the action queue, ruleset info, health and
// metrics.

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/runtime/engine"
	"github.com/automat-rules/automat/runtime/store"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler returns the HTTP API.
func (d *Daemon) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", d.auth(d.postEvents))
	mux.HandleFunc("GET /v1/log", d.auth(d.getLog))
	mux.HandleFunc("GET /v1/actions", d.auth(d.getActions))
	mux.HandleFunc("POST /v1/actions/{rest...}", d.auth(d.postAction))
	mux.HandleFunc("GET /v1/ruleset", d.auth(d.getRuleset))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !d.ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(r.URL.Path); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("%s %s: use %s", r.Method, r.URL.Path, allow))
			return
		}
		writeError(w, http.StatusNotFound, "no such endpoint: see GET /v1/log, /v1/actions, /v1/ruleset, POST /v1/events")
	})
	return d.accessLog(mux)
}

// allowed returns the methods of an endpoint, or "" for no endpoint.
func allowed(path string) string {
	switch {
	case path == "/v1/events", strings.HasPrefix(path, "/v1/actions/"):
		return "POST"
	case path == "/v1/log", path == "/v1/actions", path == "/v1/ruleset", path == "/healthz", path == "/readyz", path == "/metrics":
		return "GET"
	}
	return ""
}

// accessLog logs each request at debug level (never its headers: they
// hold tokens).
func (d *Daemon) accessLog(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		h.ServeHTTP(sw, r)
		d.log.Debug("http", "method", r.Method, "path", r.URL.Path, "status", sw.status, "took", time.Since(start))
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// auth finds the tenant whose token the request carries; a missing or
// wrong token gets 401 without detail. Every token of every tenant is
// compared, in constant time, whatever matched.
func (d *Daemon) auth(h func(http.ResponseWriter, *http.Request, *tenant)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var found *tenant
		if tok, ok := bearer(r); ok {
			sum := sha256.Sum256([]byte(tok))
			for _, t := range d.order {
				for i := range t.tokens {
					if subtle.ConstantTimeCompare(sum[:], t.tokens[i][:]) == 1 {
						found = t
					}
				}
			}
		}
		if found == nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="automat"`)
			writeError(w, http.StatusUnauthorized, "unauthorized")
			return
		}
		h(w, r, found)
	}
}

func bearer(r *http.Request) (string, bool) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	tok = strings.TrimSpace(tok)
	return tok, tok != ""
}

// apiError is an error answered with a status and {"error", "field"}.
type apiError struct {
	status int
	field  string
	msg    string
}

func (e *apiError) Error() string {
	if e.field == "" {
		return e.msg
	}
	return e.field + ": " + e.msg
}

func badRequest(field, format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, field: field, msg: fmt.Sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v) //nolint:errcheck // the client went away
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}

func writeAPIError(w http.ResponseWriter, err *apiError) {
	body := map[string]string{"error": err.Error()}
	if err.field != "" {
		body["field"] = err.field
	}
	writeJSON(w, err.status, body)
}

// postEvents takes one event or {"events": [...]}, checks every event,
// and stores them all in one transaction; 202 means they are durable.
func (d *Daemon) postEvents(w http.ResponseWriter, r *http.Request, t *tenant) {
	start := time.Now()
	d.intake.begin()
	defer d.intake.end()
	lim := d.cfg.Limits
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, lim.MaxBody))
	if err != nil {
		d.metrics.events.WithLabelValues(t.name, "rejected").Inc()
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is larger than %d bytes: send fewer events per request", mb.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	events, batch, aerr := t.parseEvents(body, lim)
	if aerr != nil {
		d.metrics.events.WithLabelValues(t.name, "rejected").Add(float64(max(len(events), 1)))
		writeAPIError(w, aerr)
		return
	}
	fresh, err := d.store.Accept(r.Context(), t.name, events)
	if err != nil {
		d.log.Error("storing events failed", "tenant", t.name, "events", len(events), "err", err)
		writeError(w, http.StatusServiceUnavailable, "the events were not stored: retry later")
		return
	}
	var ids []string
	repeated := []string{}
	for i, ev := range events {
		if fresh[i] {
			ids = append(ids, ev.ID)
		} else {
			repeated = append(repeated, ev.ID)
		}
	}
	t.inbox.noteAccepted(ids, start)
	d.metrics.events.WithLabelValues(t.name, "new").Add(float64(len(ids)))
	d.metrics.events.WithLabelValues(t.name, "repeated").Add(float64(len(repeated)))
	kind := "single"
	if batch {
		kind = "batch"
	}
	d.metrics.ingest.WithLabelValues(kind).Observe(time.Since(start).Seconds())
	writeJSON(w, http.StatusAccepted, map[string]any{"accepted": len(events), "new": len(ids), "repeated": repeated})
}

// parseEvents reads a request body: one event or {"events": [...]}. Each
// event is checked (envelope, tenant, schema); the first problem rejects
// the whole request, naming the event and field.
func (t *tenant) parseEvents(body []byte, lim LimitsConfig) ([]*store.Event, bool, *apiError) {
	if !utf8.Valid(body) {
		return nil, false, badRequest("", "the body is not valid UTF-8")
	}
	if err := checkDepth(body, lim.MaxDepth); err != nil {
		return nil, false, badRequest("", "%v", err)
	}
	if ins, batch, ok := engine.ScanInputs(body); ok && len(ins) <= lim.MaxBatch {
		return t.checkInputs(ins, batch)
	}
	// Otherwise the body is read again with encoding/json, whose errors
	// name its problem.
	trimmed := strings.TrimSpace(string(body))
	if trimmed == "" {
		return nil, false, badRequest("", `empty body: want one event or {"events": [...]}`)
	}
	if trimmed[0] != '{' {
		return nil, false, badRequest("", `want a JSON object: one event or {"events": [...]}`)
	}
	// One pass checks the syntax and splits the object (an event or a
	// batch) into its fields.
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, false, badRequest("", "malformed JSON at byte %d: %v", se.Offset, err)
		}
		return nil, false, badRequest("", "malformed JSON: %v", err)
	}
	var items []json.RawMessage
	batch := top["events"] != nil
	if batch {
		for k := range top {
			if k != "events" {
				return nil, true, badRequest(k, `unknown field: a batch is {"events": [...]} alone`)
			}
		}
		if err := json.Unmarshal(top["events"], &items); err != nil {
			return nil, true, badRequest("events", "want an array of events")
		}
		if len(items) == 0 {
			return nil, true, badRequest("events", "empty: want at least one event")
		}
		if len(items) > lim.MaxBatch {
			return nil, true, &apiError{status: http.StatusRequestEntityTooLarge, field: "events",
				msg: fmt.Sprintf("%d events: send at most %d per request", len(items), lim.MaxBatch)}
		}
	} else {
		items = []json.RawMessage{body}
	}
	ins := make([]engine.Input, 0, len(items))
	for i, item := range items {
		in, err := engine.ParseInput(item)
		if err != nil {
			return nil, batch, fieldError(err, itemField(batch, i, ""))
		}
		ins = append(ins, in)
	}
	return t.checkInputs(ins, batch)
}

// checkInputs checks the events read from a request: no clock lines, the
// token's tenant, the schema.
func (t *tenant) checkInputs(ins []engine.Input, batch bool) ([]*store.Event, bool, *apiError) {
	eng := t.eng
	events := make([]*store.Event, 0, len(ins))
	for i, in := range ins {
		if in.Event == nil {
			return events, batch, badRequest(itemField(batch, i, "type"), `"clock" lines are for dry runs (rulec run, rulec test), not for automatd`)
		}
		if in.Tenant != "" && in.Tenant != t.name {
			return events, batch, &apiError{status: http.StatusForbidden, field: itemField(batch, i, "tenant"),
				msg: fmt.Sprintf("%q is not the tenant of this token", in.Tenant)}
		}
		if err := eng.Validate(in.Event); err != nil {
			return events, batch, fieldError(err, itemField(batch, i, ""))
		}
		events = append(events, in.Event)
	}
	return events, batch, nil
}

// itemField names field f of a request's event i: "events[3].record.id"
// in a batch, "record.id" alone.
func itemField(batch bool, i int, f string) string {
	p := ""
	if batch {
		p = fmt.Sprintf("events[%d]", i)
	}
	switch {
	case p == "":
		return f
	case f == "":
		return p
	}
	return p + "." + f
}

// fieldError is a 400 for err, an engine.FieldError within the item
// named item or another error about the item as a whole.
func fieldError(err error, item string) *apiError {
	var fe *engine.FieldError
	if !errors.As(err, &fe) {
		return badRequest(item, "%v", err)
	}
	switch {
	case item == "":
		return badRequest(fe.Field, "%s", fe.Msg)
	case fe.Field == "":
		return badRequest(item, "%s", fe.Msg)
	}
	return badRequest(item+"."+fe.Field, "%s", fe.Msg)
}

// checkDepth refuses JSON nested deeper than max objects and arrays, before
// a decoder spends time and memory on it.
func checkDepth(data []byte, max int) error {
	depth, inString, escaped := 0, false, false
	for _, c := range data {
		switch {
		case inString:
			switch {
			case escaped:
				escaped = false
			case c == '\\':
				escaped = true
			case c == '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '{' || c == '[':
			depth++
			if depth > max {
				return fmt.Errorf("JSON nested deeper than %d levels", max)
			}
		case c == '}' || c == ']':
			depth--
		}
	}
	return nil
}

// logParams are the query parameters of GET /v1/log.
var logParams = []string{"rule", "record_type", "record_id", "trigger", "kind", "event", "action", "from", "to", "limit", "cursor"}

// getLog answers a page of the tenant's event log, newest first.
func (d *Daemon) getLog(w http.ResponseWriter, r *http.Request, t *tenant) {
	q, aerr := parseLogQuery(r)
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	entries, next, err := d.store.Log(r.Context(), t.name, q)
	if err != nil {
		if q.Cursor != "" {
			writeAPIError(w, badRequest("cursor", "not a cursor of this log"))
			return
		}
		d.log.Error("reading the log", "tenant", t.name, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the log could not be read: retry later")
		return
	}
	if entries == nil {
		entries = []*store.LogEntry{}
	}
	page := struct {
		Entries    []*store.LogEntry `json:"entries"`
		NextCursor string            `json:"next_cursor,omitempty"`
	}{Entries: entries}
	if next != "" {
		page.NextCursor = base64.RawURLEncoding.EncodeToString([]byte(next))
	}
	writeJSON(w, http.StatusOK, page)
}

func parseLogQuery(r *http.Request) (store.LogQuery, *apiError) {
	var q store.LogQuery
	vals := r.URL.Query()
	for k := range vals {
		known := false
		for _, p := range logParams {
			known = known || p == k
		}
		if !known {
			return q, badRequest(k, "unknown parameter: want %s", strings.Join(logParams, ", "))
		}
	}
	q.Rule = vals.Get("rule")
	q.Record.Type = vals.Get("record_type")
	q.Record.ID = vals.Get("record_id")
	q.Trigger = vals.Get("trigger")
	q.Event = vals.Get("event")
	q.Action = vals.Get("action")
	if k := vals.Get("kind"); k != "" {
		switch store.LogKind(k) {
		case store.KindEvent, store.KindFired, store.KindAction, store.KindStopped, store.KindError:
			q.Kind = store.LogKind(k)
		default:
			return q, badRequest("kind", "%q: want event, fired, action, stopped or error", k)
		}
	}
	for _, p := range []struct {
		name string
		t    *time.Time
	}{{"from", &q.From}, {"to", &q.To}} {
		v := vals.Get(p.name)
		if v == "" {
			continue
		}
		t, err := parseTime(v)
		if err != nil {
			return q, badRequest(p.name, "%q: want a time such as 2026-11-22T10:00:00Z or a date such as 2026-11-22", v)
		}
		*p.t = t
	}
	if !q.From.IsZero() && !q.To.IsZero() && !q.From.Before(q.To) {
		return q, badRequest("to", "not after from")
	}
	limit, aerr := parseLimit(vals.Get("limit"))
	if aerr != nil {
		return q, aerr
	}
	q.Limit = limit
	if c := vals.Get("cursor"); c != "" {
		raw, err := base64.RawURLEncoding.DecodeString(c)
		if err != nil || len(raw) == 0 {
			return q, badRequest("cursor", "not a cursor of this log: pass next_cursor of the previous page")
		}
		q.Cursor = string(raw)
	}
	return q, nil
}

func parseTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	t, err := time.Parse(time.DateOnly, s)
	return t.UTC(), err
}

func parseLimit(s string) (int, *apiError) {
	if s == "" {
		return 100, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 1000 {
		return 0, badRequest("limit", "%q: want a number from 1 to 1000", s)
	}
	return n, nil
}

// actionView is an action as GET /v1/actions shows it.
type actionView struct {
	ID      string            `json:"id"`
	Action  string            `json:"action"`
	Args    json.RawMessage   `json:"args,omitempty"`
	State   store.ActionState `json:"state"`
	Attempt int               `json:"attempt"`
	NextAt  *time.Time        `json:"next_at,omitempty"`
	Error   string            `json:"error,omitempty"`
	Result  json.RawMessage   `json:"result,omitempty"`
	Rule    string            `json:"rule"`
	Event   string            `json:"event"`
	Trigger string            `json:"trigger,omitempty"`
	Record  store.Ref         `json:"record"`
	Created time.Time         `json:"created"`
	Updated time.Time         `json:"updated"`
}

func viewAction(a *store.Action) actionView {
	v := actionView{ID: a.ID, Action: a.Name, Args: a.Args, State: a.State, Attempt: a.Attempt, Error: a.Error,
		Result: a.Result, Rule: a.Rule, Event: a.Event, Trigger: a.Trigger, Record: a.Record, Created: a.Created, Updated: a.Updated}
	if a.State == store.Pending {
		at := a.NextAt
		v.NextAt = &at
	}
	return v
}

// queueStates are the states of GET /v1/actions, in the order they are
// listed when no state is asked for.
var queueStates = []store.ActionState{store.Pending, store.Unknown, store.Dead, store.Failed, store.Done}

// getActions answers the tenant's action queue, in one state or all.
func (d *Daemon) getActions(w http.ResponseWriter, r *http.Request, t *tenant) {
	vals := r.URL.Query()
	for k := range vals {
		if k != "state" && k != "limit" {
			writeAPIError(w, badRequest(k, "unknown parameter: want state, limit"))
			return
		}
	}
	states := queueStates
	if s := vals.Get("state"); s != "" {
		states = nil
		for _, q := range queueStates {
			if string(q) == s {
				states = []store.ActionState{q}
			}
		}
		if states == nil {
			writeAPIError(w, badRequest("state", "%q: want pending, done, failed, dead or unknown", s))
			return
		}
	}
	limit, aerr := parseLimit(vals.Get("limit"))
	if aerr != nil {
		writeAPIError(w, aerr)
		return
	}
	out := []actionView{}
	err := d.store.Update(r.Context(), t.name, func(tx store.Tx) error {
		out = out[:0]
		for _, s := range states {
			as, err := tx.Actions(s, limit-len(out))
			if err != nil {
				return err
			}
			for _, a := range as {
				out = append(out, viewAction(a))
			}
			if len(out) >= limit {
				break
			}
		}
		return nil
	})
	if err != nil {
		d.log.Error("reading the action queue", "tenant", t.name, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the action queue could not be read: retry later")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"actions": out})
}

// postAction serves POST /v1/actions/{id}/retry. An id holds slashes; it
// may be sent as is or URL-encoded.
func (d *Daemon) postAction(w http.ResponseWriter, r *http.Request, t *tenant) {
	id, ok := strings.CutSuffix(r.PathValue("rest"), "/retry")
	if !ok || id == "" {
		writeError(w, http.StatusNotFound, "no such endpoint: POST /v1/actions/{id}/retry")
		return
	}
	a, err := t.retryAction(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeAPIError(w, &apiError{status: http.StatusNotFound, field: "id", msg: fmt.Sprintf("no action %q", id)})
	case errors.Is(err, errConflict):
		writeError(w, http.StatusConflict, strings.TrimPrefix(err.Error(), errConflict.Error()+": "))
	case err != nil:
		d.log.Error("retrying an action", "tenant", t.name, "id", id, "err", err)
		writeError(w, http.StatusServiceUnavailable, "the action could not be retried: retry later")
	default:
		writeJSON(w, http.StatusOK, viewAction(a))
	}
}

// rulesetView is GET /v1/ruleset.
type rulesetView struct {
	Tenant   string       `json:"tenant"`
	Name     string       `json:"name,omitempty"`
	Version  string       `json:"version"`
	Checksum string       `json:"checksum"`
	Source   string       `json:"source"`
	LoadedAt time.Time    `json:"loaded_at"`
	Warnings int          `json:"warnings"`
	Rules    []ruleView   `json:"rules"`
	Refused  *refusalView `json:"refused,omitempty"`
	Schedule []string     `json:"schedules,omitempty"`
}

type ruleView struct {
	ID        string   `json:"id"`
	Name      string   `json:"name,omitempty"`
	Subject   string   `json:"subject"`
	Triggers  []string `json:"triggers,omitempty"`
	Frequency string   `json:"frequency"`
}

type refusalView struct {
	At          time.Time  `json:"at"`
	Error       string     `json:"error"`
	Diagnostics []diagView `json:"diagnostics,omitempty"`
}

// diagView is a diagnostic as `rulec check --format json` prints it.
type diagView struct {
	File     string `json:"file"`
	Line     int    `json:"line"`
	Col      int    `json:"col"`
	Severity string `json:"severity"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
}

func (d *Daemon) getRuleset(w http.ResponseWriter, r *http.Request, t *tenant) {
	rs, loadedAt, warnings, ref := t.ruleset()
	v := rulesetView{Tenant: t.name, Name: rs.Prog.Ruleset, Version: short(rs.Version), Checksum: "sha256:" + rs.Version,
		Source: t.rules, LoadedAt: loadedAt.UTC(), Warnings: len(warnings), Rules: []ruleView{}, Schedule: rs.Schedules()}
	for i := range rs.Prog.Rules {
		rl := &rs.Prog.Rules[i]
		rv := ruleView{ID: rl.ID, Name: rl.Name, Subject: rs.Prog.Records[rl.Subject].Name, Frequency: rl.Freq.String()}
		for _, tr := range rl.Triggers {
			if tr.Schedule != "" {
				rv.Triggers = append(rv.Triggers, "schedule "+strconv.Quote(tr.Schedule))
			} else {
				rv.Triggers = append(rv.Triggers, tr.Event)
			}
		}
		v.Rules = append(v.Rules, rv)
	}
	if ref != nil {
		rv := &refusalView{At: ref.At, Error: ref.Error}
		for _, dg := range ref.Diags {
			if dg.Severity != diag.Error {
				continue
			}
			p := dg.Start()
			dv := diagView{File: p.Filename, Line: p.Line, Col: p.Column, Severity: dg.Severity.String(), Message: dg.Message}
			if dg.Code != 0 {
				dv.Code = dg.Code.String()
			}
			rv.Diagnostics = append(rv.Diagnostics, dv)
		}
		v.Refused = rv
	}
	writeJSON(w, http.StatusOK, v)
}
