package daemon

import (
	"context"
	"fmt"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/pgstore"
)

// openPostgres opens the PostgreSQL store at url (migrated as needed).
func openPostgres(ctx context.Context, url string) (store.Store, error) {
	s, err := pgstore.Open(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", redactURL(url), err)
	}
	return s, nil
}

// migratePostgres applies the PostgreSQL store's migrations.
func migratePostgres(ctx context.Context, url string) (string, error) {
	from, to, err := pgstore.Migrate(ctx, url)
	if err != nil {
		return "", fmt.Errorf("store %s: %w", redactURL(url), err)
	}
	if from == to {
		return fmt.Sprintf("store %s: schema version %d, nothing to do", redactURL(url), to), nil
	}
	return fmt.Sprintf("store %s: migrated from schema version %d to %d", redactURL(url), from, to), nil
}
