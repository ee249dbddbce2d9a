package daemon

import (
	"context"
	"errors"

	"github.com/automat-rules/automat/runtime/store"
)

// openSQLite opens the embedded store at path.
// TODO(daemon): switch to localstore.Open once runtime/store/localstore lands.
func openSQLite(ctx context.Context, path string) (store.Store, error) {
	return nil, errors.New("the embedded SQLite store is not built yet; use --store memory: for now")
}
