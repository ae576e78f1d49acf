package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
)

// SQLite spends much of a short query's time parsing it. database/sql prepares a statement
// afresh for every Exec and Query not made through a *sql.Stmt, and the job queue (River)
// issues its queries that way, so each connection here keeps its prepared statements by
// text and runs a query through the one it has. A statement busy with unread rows is not
// shared: that query is prepared anew, as without the cache.

// statementCacheSize bounds the statements one connection keeps; the product uses a few
// dozen distinct queries.
const statementCacheSize = 256

type cachingConnector struct {
	dsn    string
	driver driver.Driver // modernc's, as registered under "sqlite"
}

// openCaching opens a pool on dsn whose connections cache their statements.
func openCaching(dsn string) (*sql.DB, error) {
	plain, err := sql.Open("sqlite", dsn) // connects to nothing; it only finds the driver
	if err != nil {
		return nil, err
	}
	drv := plain.Driver()
	if err := plain.Close(); err != nil {
		return nil, err
	}
	return sql.OpenDB(cachingConnector{dsn: dsn, driver: drv}), nil
}

func (c cachingConnector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.driver.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, statements: make(map[string]*cachedStatement)}, nil
}

func (c cachingConnector) Driver() driver.Driver { return c.driver }

type cachedStatement struct {
	driver.Stmt
	busy bool // its rows are open
}

// cachingConn is used by one goroutine at a time, as database/sql guarantees.
type cachingConn struct {
	driver.Conn
	statements map[string]*cachedStatement
}

// The interfaces of modernc's connection that database/sql looks for.
var (
	_ driver.ConnBeginTx        = (*cachingConn)(nil)
	_ driver.ConnPrepareContext = (*cachingConn)(nil)
	_ driver.ExecerContext      = (*cachingConn)(nil)
	_ driver.QueryerContext     = (*cachingConn)(nil)
	_ driver.Pinger             = (*cachingConn)(nil)
	_ driver.SessionResetter    = (*cachingConn)(nil)
	_ driver.Validator          = (*cachingConn)(nil)
)

// statement returns the cached statement for query, preparing it if needed; nil if it is
// busy or the cache is full.
func (c *cachingConn) statement(ctx context.Context, query string) (*cachedStatement, error) {
	if st, ok := c.statements[query]; ok {
		if st.busy {
			return nil, nil
		}
		return st, nil
	}
	if len(c.statements) >= statementCacheSize {
		return nil, nil
	}
	prepared, err := c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	st := &cachedStatement{Stmt: prepared}
	c.statements[query] = st
	return st, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	st, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.Conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	return st.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	st, err := c.statement(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return c.Conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	rows, err := st.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	st.busy = true
	return &cachedRows{Rows: rows, statement: st}, nil
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.Conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.Conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error { return c.Conn.(driver.Pinger).Ping(ctx) }

func (c *cachingConn) ResetSession(ctx context.Context) error {
	return c.Conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *cachingConn) IsValid() bool { return c.Conn.(driver.Validator).IsValid() }

func (c *cachingConn) Close() error {
	var errs []error
	for _, st := range c.statements {
		errs = append(errs, st.Close())
	}
	c.statements = nil
	return errors.Join(append(errs, c.Conn.Close())...)
}

// cachedRows frees its statement for the next query when closed.
type cachedRows struct {
	driver.Rows
	statement *cachedStatement
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.statement.busy = false
	return err
}
