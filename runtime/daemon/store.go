package daemon

import (
	"context"
	"fmt"
	"strings"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/memstore"
)

// OpenStore opens the store a configuration names:
//
//	sqlite:PATH        the embedded store, one local file (created if missing)
//	memory:            in memory; nothing survives a restart
//	postgres://...     PostgreSQL
//
// A bare path is taken as sqlite:PATH.
func OpenStore(ctx context.Context, url string) (store.Store, error) {
	kind, rest, ok := strings.Cut(url, ":")
	if !ok || len(kind) == 1 { // a bare path (or a Windows drive letter)
		kind, rest = "sqlite", url
	}
	switch kind {
	case "memory":
		return memstore.New(), nil
	case "sqlite":
		rest = strings.TrimPrefix(rest, "//")
		if rest == "" {
			return nil, fmt.Errorf("store %q: want sqlite:PATH", url)
		}
		return openSQLite(ctx, rest)
	case "postgres", "postgresql":
		return openPostgres(ctx, url)
	}
	return nil, fmt.Errorf("store %q: unknown kind %q: want sqlite:PATH, memory: or a postgres:// URL", redactURL(url), kind)
}

// redactURL hides a password in a store URL so that it can be logged.
func redactURL(url string) string {
	scheme, rest, ok := strings.Cut(url, "://")
	if !ok {
		return url
	}
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return url
	}
	user, _, hasPass := strings.Cut(rest[:at], ":")
	if !hasPass {
		return url
	}
	return scheme + "://" + user + ":xxxxx" + rest[at:]
}

// Migrate opens the store at url, which applies its migrations, and
// closes it; it says what it did.
func Migrate(ctx context.Context, url string) (string, error) {
	if kind, rest, ok := strings.Cut(url, ":"); ok && kind == "sqlite" && rest != "" {
		return migrateSQLite(ctx, strings.TrimPrefix(rest, "//"))
	} else if ok && (kind == "postgres" || kind == "postgresql") {
		return migratePostgres(ctx, url)
	}
	s, err := OpenStore(ctx, url)
	if err != nil {
		return "", err
	}
	if err := s.Close(); err != nil {
		return "", err
	}
	return fmt.Sprintf("store %s: migrations applied, the schema is current", redactURL(url)), nil
}
