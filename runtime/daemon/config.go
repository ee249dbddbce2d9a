package daemon

// This file defines the daemon's configuration: the YAML file of SPEC §4,
// the flag-only mode, and their validation.

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/automat-rules/automat/runtime/action"
)

// DefaultWorkers is the number of inbox workers per tenant when the
// configuration names none: one per CPU, at least 2. Measured on a 2-core
// machine, 2 workers process a third more events than 4 on the embedded
// store, and on PostgreSQL as many with half the request latency, since
// the workers then take less CPU from the intake and PostgreSQL cancels
// fewer of their transactions as serialization conflicts
// (docs/performance.md).
func DefaultWorkers() int { return max(2, runtime.NumCPU()) }

// Defaults of the configuration.
const (
	DefaultListen      = "127.0.0.1:8080"
	DefaultStore       = "sqlite:automat.db"
	DefaultTenant      = "default"
	DefaultMaxAttempts = 8
	DefaultBackoff     = time.Second
	DefaultMaxBackoff  = 10 * time.Minute
	// DefaultActionTimeout bounds one attempt of an outside action.
	DefaultActionTimeout = 30 * time.Second
	DefaultMaxBody       = 1 << 20
	DefaultMaxBatch      = 1000
	DefaultMaxDepth      = 64
	minTokenLen          = 16
)

// Config is the daemon's configuration. Its zero value is not valid: it
// has no tenant. [ParseConfig] reads one from YAML and [Config.Resolve]
// fills in defaults, reads the tokens and checks everything.
type Config struct {
	// Listen is the HTTP address (host:port).
	Listen string `yaml:"listen"`
	// Store selects the store: "sqlite:PATH" (the default, one local
	// file), "memory:" (nothing survives a restart; for trying things),
	// or a postgres:// URL.
	Store   string         `yaml:"store"`
	Tenants []TenantConfig `yaml:"tenants"`
	// Connectors configures the connectors of outside actions; see
	// [ConnectorsConfig].
	Connectors ConnectorsConfig `yaml:"connectors"`
	// Workers is how many records' events are processed in parallel per
	// tenant.
	Workers int `yaml:"workers"`
	// Retry is the retry policy of outside actions.
	Retry RetryConfig `yaml:"retry"`
	// Limits bound what one request may carry.
	Limits LimitsConfig `yaml:"limits"`
	// Retention is how long each tenant's history is kept.
	Retention RetentionConfig `yaml:"retention"`

	// Outbox is the outbox connector's configuration (Connectors.Outbox
	// with its path resolved), set by Resolve.
	Outbox OutboxConfig `yaml:"-"`
	// Actions are the connectors built from Connectors by Resolve (their
	// secrets read), or nil when the section configures none: every
	// outside action then goes to the outbox.
	Actions *action.Set `yaml:"-"`
	// Dir is the directory relative paths are read from (the config
	// file's); "" is the working directory.
	Dir string `yaml:"-"`
}

// TenantConfig is one tenant (account): its API token and its ruleset.
type TenantConfig struct {
	Name string `yaml:"name"`
	// TokenEnv names the environment variable holding the token;
	// TokenFile a file holding it (one token per line: several tokens
	// let a client rotate its token without downtime). Exactly one is
	// set.
	TokenEnv  string `yaml:"token_env"`
	TokenFile string `yaml:"token_file"`
	// Rules is a folder of .rules files or an artifact of `rulec build`.
	Rules string `yaml:"rules"`

	// Tokens are the tenant's tokens, read by Resolve. They are never
	// logged or printed.
	Tokens []string `yaml:"-"`
}

// RetryConfig is how outside actions are retried after a transient
// failure: attempt n waits about Backoff·2ⁿ⁻¹ (with jitter, at most
// MaxBackoff); after MaxAttempts attempts the action is dead. Timeout
// bounds one attempt: a request that timed out may have reached the
// receiver, so its action becomes unknown, not retried. On PostgreSQL it
// also sets how long a daemon that died while performing an action holds
// it (Timeout + 10 s) before another daemon takes it.
type RetryConfig struct {
	MaxAttempts int           `yaml:"max_attempts"`
	Backoff     time.Duration `yaml:"backoff"`
	MaxBackoff  time.Duration `yaml:"max_backoff"`
	Timeout     time.Duration `yaml:"timeout"`
}

// RetentionConfig is how long each tenant's history is kept: the log's
// entries, the ids of processed events (a repeat of an id older than
// that is processed again), and actions done or failed. A zero age keeps
// them for ever, the default. Every is how often the daemon removes what
// is older (DefaultPruneEvery); on a shared store one daemon at a time
// does it.
type RetentionConfig struct {
	Log     Age           `yaml:"log"`
	Events  Age           `yaml:"events"`
	Actions Age           `yaml:"actions"`
	Every   time.Duration `yaml:"every"`
}

// DefaultPruneEvery is how often history past its retention is removed.
const DefaultPruneEvery = 10 * time.Minute

// Age is a duration in the configuration that may also be given in days
// ("90d"), as retention periods are.
type Age time.Duration

// UnmarshalYAML reads "90d" or a Go duration ("36h", "90m").
func (a *Age) UnmarshalYAML(n *yaml.Node) error {
	var s string
	if err := n.Decode(&s); err != nil {
		return err
	}
	if days, ok := strings.CutSuffix(s, "d"); ok {
		var k int
		if _, err := fmt.Sscanf(days, "%d", &k); err != nil || fmt.Sprint(k) != days {
			return fmt.Errorf("line %d: %q is not a number of days (like 90d)", n.Line, s)
		}
		*a = Age(time.Duration(k) * 24 * time.Hour)
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("line %d: %q is not an age (like 90d or 36h)", n.Line, s)
	}
	*a = Age(d)
	return nil
}

// on reports whether any history is removed.
func (r *RetentionConfig) on() bool { return r.Log != 0 || r.Events != 0 || r.Actions != 0 }

// LimitsConfig bounds a POST /v1/events request.
type LimitsConfig struct {
	MaxBody  int64 `yaml:"max_body"`  // bytes
	MaxBatch int   `yaml:"max_batch"` // events in one request
	MaxDepth int   `yaml:"max_depth"` // nesting of JSON objects and arrays
}

// ConnectorsConfig is the `connectors:` section: the connectors of
// runtime/action (smtp, sms, webhook, shoptet, rest; docs/connectors.md)
// and the built-in outbox. Decoding it with the rest of the file keeps
// its errors' line numbers those of the file.
type ConnectorsConfig struct {
	action.Config `yaml:",inline"`
	Outbox        *OutboxConfig `yaml:"outbox,omitempty"`
}

// configured reports whether the section configures a connector of
// runtime/action.
func (c *ConnectorsConfig) configured() bool {
	a := &c.Config
	return a.SMTP != nil || a.SMS != nil || a.Webhook != nil || a.Shoptet != nil || len(a.REST) > 0
}

// OutboxConfig configures the built-in outbox connector: every outside
// action is recorded as performed (state done) and, when File is set,
// also appended to that file as one JSON line.
type OutboxConfig struct {
	File string `yaml:"file"`
}

// ParseConfig reads a configuration file's YAML. Unknown keys are errors,
// so that a misspelt key does not silently fall back to a default. dir is
// where relative paths in the file are resolved (the file's directory).
func ParseConfig(data []byte, dir string) (*Config, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the configuration is empty")
		}
		return nil, err
	}
	c.Dir = dir
	return &c, nil
}

// LoadConfig reads the configuration file at path; relative paths in it
// are resolved against the file's directory.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := ParseConfig(data, filepath.Dir(path))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Env gives the daemon the environment variables it reads (tokens); the
// daemon's library code never reads the process environment itself.
type Env func(name string) string

// Resolve fills in defaults, resolves relative paths, reads the tenants'
// tokens (through getenv and token files), builds the connectors (reading
// their secrets the same way), and checks the whole. Its error lists every problem, each
// naming its key ("tenants[1].token_env: $ACME_TOKEN is not set").
func (c *Config) Resolve(getenv Env) error {
	var errs []string
	bad := func(key, format string, args ...any) {
		errs = append(errs, key+": "+fmt.Sprintf(format, args...))
	}
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	c.Store = c.StoreURL()
	if c.Workers == 0 {
		c.Workers = DefaultWorkers()
	}
	if c.Workers < 1 || c.Workers > 256 {
		bad("workers", "%d is out of range: want 1 to 256", c.Workers)
	}
	r := &c.Retry
	if r.MaxAttempts == 0 {
		r.MaxAttempts = DefaultMaxAttempts
	}
	if r.Backoff == 0 {
		r.Backoff = DefaultBackoff
	}
	if r.MaxBackoff == 0 {
		r.MaxBackoff = DefaultMaxBackoff
	}
	if r.Timeout == 0 {
		r.Timeout = DefaultActionTimeout
	}
	if r.MaxAttempts < 1 {
		bad("retry.max_attempts", "want at least 1")
	}
	if r.Timeout < 0 {
		bad("retry.timeout", "want a positive duration")
	}
	if r.Backoff < 0 || r.MaxBackoff < r.Backoff {
		bad("retry", "want 0 < backoff <= max_backoff")
	}
	rt := &c.Retention
	for _, a := range []struct {
		key string
		age Age
	}{{"retention.log", rt.Log}, {"retention.events", rt.Events}, {"retention.actions", rt.Actions}} {
		if a.age < 0 {
			bad(a.key, "%v is negative", time.Duration(a.age))
		}
	}
	if rt.Every == 0 {
		rt.Every = DefaultPruneEvery
	}
	if rt.Every < 0 {
		bad("retention.every", "%v is negative", rt.Every)
	}
	l := &c.Limits
	if l.MaxBody == 0 {
		l.MaxBody = DefaultMaxBody
	}
	if l.MaxBatch == 0 {
		l.MaxBatch = DefaultMaxBatch
	}
	if l.MaxDepth == 0 {
		l.MaxDepth = DefaultMaxDepth
	}
	if l.MaxBody < 1024 || l.MaxBatch < 1 || l.MaxDepth < 4 {
		bad("limits", "want max_body >= 1024, max_batch >= 1, max_depth >= 4")
	}
	if len(c.Tenants) == 0 {
		bad("tenants", "no tenant: add at least one with a name, a token and rules")
	}
	names := make(map[string]int)
	tokens := make(map[string]string)
	for i := range c.Tenants {
		t := &c.Tenants[i]
		key := fmt.Sprintf("tenants[%d]", i)
		switch {
		case t.Name == "":
			bad(key+".name", "missing")
		case !validName(t.Name):
			bad(key+".name", "%q: use letters, digits, '_', '-' and '.' only", t.Name)
		default:
			if j, dup := names[t.Name]; dup {
				bad(key+".name", "tenant %q is already tenants[%d]", t.Name, j)
			}
			names[t.Name] = i
		}
		if t.Rules == "" {
			bad(key+".rules", "missing: a folder of .rules files or a `rulec build` artifact")
		} else {
			t.Rules = c.path(t.Rules)
			if _, err := os.Stat(t.Rules); err != nil {
				bad(key+".rules", "%v", err)
			}
		}
		if len(t.Tokens) == 0 {
			t.Tokens = c.readTokens(t, key, getenv, bad)
		}
		for _, tok := range t.Tokens {
			if len(tok) < minTokenLen {
				bad(key, "a token is shorter than %d characters", minTokenLen)
			}
			if other, dup := tokens[tok]; dup && other != t.Name {
				bad(key, "tenant %q has the same token: every tenant needs its own", other)
			}
			tokens[tok] = t.Name
		}
	}
	if o := c.Connectors.Outbox; o != nil {
		c.Outbox = *o
		c.Outbox.File = c.path(o.File)
	}
	if c.Connectors.configured() {
		set, err := action.New(c.Connectors.Config, action.Options{
			Env: func(name string) (string, bool) {
				v := ""
				if getenv != nil {
					v = getenv(name)
				}
				return v, v != ""
			},
			ReadFile: func(name string) ([]byte, error) { return os.ReadFile(c.path(name)) },
		})
		if err != nil {
			// Each line already names its key (connectors.smtp.host: ...).
			for line := range strings.Lines(err.Error()) {
				errs = append(errs, strings.TrimSuffix(line, "\n"))
			}
		}
		c.Actions = set
	}
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// StoreURL returns the store's URL with the default applied and a
// relative sqlite path resolved against the configuration's directory.
func (c *Config) StoreURL() string {
	url := c.Store
	if url == "" {
		url = DefaultStore
	}
	if kind, rest, _ := strings.Cut(url, ":"); kind == "sqlite" && rest != "" && !filepath.IsAbs(rest) && c.Dir != "" {
		url = "sqlite:" + filepath.Join(c.Dir, rest)
	}
	return url
}

func (c *Config) readTokens(t *TenantConfig, key string, getenv Env, bad func(string, string, ...any)) []string {
	switch {
	case t.TokenEnv != "" && t.TokenFile != "":
		bad(key, "set token_env or token_file, not both")
	case t.TokenEnv != "":
		v := ""
		if getenv != nil {
			v = strings.TrimSpace(getenv(t.TokenEnv))
		}
		if v == "" {
			bad(key+".token_env", "$%s is not set or empty", t.TokenEnv)
			return nil
		}
		return []string{v}
	case t.TokenFile != "":
		data, err := os.ReadFile(c.path(t.TokenFile))
		if err != nil {
			bad(key+".token_file", "%v", err)
			return nil
		}
		var toks []string
		for line := range strings.Lines(string(data)) {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				toks = append(toks, line)
			}
		}
		if len(toks) == 0 {
			bad(key+".token_file", "%s holds no token", t.TokenFile)
		}
		return toks
	default:
		bad(key, "no token: set token_env or token_file")
	}
	return nil
}

func (c *Config) path(p string) string {
	if p == "" || filepath.IsAbs(p) || c.Dir == "" {
		return p
	}
	return filepath.Join(c.Dir, p)
}

func validName(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-' || r == '.') {
			return false
		}
	}
	return len(s) <= 100
}
