package pgstore

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// ExecForTest runs one SQL statement on the database at dsn; tests use it
// to set up states the store never produces (a newer schema version).
func ExecForTest(ctx context.Context, dsn, sql string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}
