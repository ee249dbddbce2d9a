package daemon

import (
	"context"
	"fmt"

	"github.com/automat-rules/automat/runtime/store"
	"github.com/automat-rules/automat/runtime/store/localstore"
)

// openSQLite opens the embedded store at path (created, and migrated, as
// needed).
func openSQLite(ctx context.Context, path string) (store.Store, error) {
	return localstore.Open(ctx, path)
}

// migrateSQLite applies the embedded store's migrations.
func migrateSQLite(ctx context.Context, path string) (string, error) {
	from, to, err := localstore.Migrate(ctx, path)
	if err != nil {
		return "", err
	}
	if from == to {
		return fmt.Sprintf("store sqlite:%s: schema version %d, nothing to do", path, to), nil
	}
	return fmt.Sprintf("store sqlite:%s: migrated from schema version %d to %d", path, from, to), nil
}
