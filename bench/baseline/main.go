// Command baseline is the yardstick for Doorstep's benchmarks: a minimal net/http server that
// does the same database work per call as Doorstep, and nothing else: no validation, no
// templates, no framework, no middleware.
//
//   - POST /api/v1/requests: one transaction inserting a request row and a queued
//     notification row; answers 201 with the reference.
//   - GET /api/v1/requests/{reference}: one primary-key read.
//
// Both answers are JSON of a fixed shape, appended into a byte slice by hand (answer.go)
// rather than written with encoding/json, so that the yardstick spends as little as it can
// on its answers. (The submission's body is still read with encoding/json.)
//   - GET /api/v1/services: a constant list, so that the load tool can start.
//
// It uses the same storage settings as Doorstep (SQLite: WAL, synchronous=FULL, one writer
// connection, a pool of readers; PostgreSQL: a pgx pool), so that the ratio between the two
// is the cost of Doorstep's own code.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "modernc.org/sqlite"

	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
)

type requestBody struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Pincode  string `json:"pincode"`
	Email    string `json:"email"`
	Mobile   string `json:"mobile"`
	Service  string `json:"service"`
	Details  string `json:"details"`
	Language string `json:"language"`
}

// row is what both answers say of a request (see appendRow).
type row struct {
	Reference, Service, Status, Pincode, Division, Circle string
	CreatedAt                                             time.Time
}

// db is the two calls' worth of database work, per backend.
type db interface {
	insert(ctx context.Context, ref string, b requestBody, division, circle string, at time.Time) error
	get(ctx context.Context, ref string) (row, error)
}

const schema = `
CREATE TABLE IF NOT EXISTS baseline_requests (
    reference TEXT PRIMARY KEY, name TEXT NOT NULL, address TEXT NOT NULL, pincode TEXT NOT NULL,
    email TEXT NOT NULL, mobile TEXT NOT NULL, service TEXT NOT NULL, details TEXT NOT NULL,
    language TEXT NOT NULL, division TEXT NOT NULL, circle TEXT NOT NULL, status TEXT NOT NULL,
    created_at %s NOT NULL);
CREATE TABLE IF NOT EXISTS baseline_notifications (
    id %s, reference TEXT NOT NULL REFERENCES baseline_requests (reference),
    channel TEXT NOT NULL, payload TEXT NOT NULL, created_at %s NOT NULL);`

type sqliteDB struct{ writer, readers *sql.DB }

func openSQLite(path string) (*sqliteDB, error) {
	const pragmas = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)"
	w, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	if _, err := w.Exec(fmt.Sprintf(schema, "INTEGER", "INTEGER PRIMARY KEY", "INTEGER")); err != nil {
		return nil, err
	}
	r, err := sql.Open("sqlite", path+"?"+pragmas+"&_pragma=query_only(1)")
	if err != nil {
		return nil, err
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	return &sqliteDB{writer: w, readers: r}, nil
}

func (s *sqliteDB) insert(ctx context.Context, ref string, b requestBody, division, circle string, at time.Time) error {
	tx, err := s.writer.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO baseline_requests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'submitted', ?)`,
		ref, b.Name, b.Address, b.Pincode, b.Email, b.Mobile, b.Service, b.Details, b.Language, division, circle, at.UnixMilli()); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO baseline_notifications (reference, channel, payload, created_at) VALUES (?, 'sms', ?, ?)`,
		ref, "Your request "+ref+" is received", at.UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

func (s *sqliteDB) get(ctx context.Context, ref string) (row, error) {
	var r row
	var at int64
	err := s.readers.QueryRowContext(ctx, `SELECT reference, service, status, pincode, division, circle, created_at FROM baseline_requests WHERE reference = ?`, ref).
		Scan(&r.Reference, &r.Service, &r.Status, &r.Pincode, &r.Division, &r.Circle, &at)
	r.CreatedAt = time.UnixMilli(at).UTC()
	return r, err
}

type postgresDB struct{ pool *pgxpool.Pool }

func openPostgres(ctx context.Context, url string) (*postgresDB, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, fmt.Sprintf(schema, "TIMESTAMPTZ", "BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY", "TIMESTAMPTZ")); err != nil {
		return nil, err
	}
	return &postgresDB{pool: pool}, nil
}

func (p *postgresDB) insert(ctx context.Context, ref string, b requestBody, division, circle string, at time.Time) error {
	tx, err := p.pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO baseline_requests VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'submitted', $12)`,
		ref, b.Name, b.Address, b.Pincode, b.Email, b.Mobile, b.Service, b.Details, b.Language, division, circle, at); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO baseline_notifications (reference, channel, payload, created_at) VALUES ($1, 'sms', $2, $3)`,
		ref, "Your request "+ref+" is received", at); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (p *postgresDB) get(ctx context.Context, ref string) (row, error) {
	var r row
	err := p.pool.QueryRow(ctx, `SELECT reference, service, status, pincode, division, circle, created_at FROM baseline_requests WHERE reference = $1`, ref).
		Scan(&r.Reference, &r.Service, &r.Status, &r.Pincode, &r.Division, &r.Circle, &r.CreatedAt)
	return r, err
}

// buffers holds the byte slices answers are appended into, so that an answer costs no
// allocation once the pool is warm.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// writeRow writes r as JSON (see appendRow), in one Write.
func writeRow(w http.ResponseWriter, r row, history bool) {
	bp := buffers.Get().(*[]byte)
	*bp = appendRow((*bp)[:0], r, history)
	w.Write(*bp)
	if cap(*bp) <= 64<<10 { // an answer with a huge field does not keep its buffer
		buffers.Put(bp)
	}
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address")
	dbURL := flag.String("database-url", "sqlite:baseline.db", "sqlite:FILE or postgres://...")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var store db
	var err error
	if strings.HasPrefix(*dbURL, "postgres") {
		store, err = openPostgres(ctx, *dbURL)
	} else {
		store, err = openSQLite(strings.TrimPrefix(strings.TrimPrefix(*dbURL, "sqlite://"), "sqlite:"))
	}
	if err != nil {
		log.Fatal(err)
	}
	// The load tool checks that the Division matches the pincode, so the baseline looks it up
	// too (a map lookup).
	dir, err := postal.Load()
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/services", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, `[{"code":"emoney_order","name":"e-Money Order","name_hi":"ई-मनी ऑर्डर","description":"","description_hi":""}]`)
	})
	mux.HandleFunc("POST /api/v1/requests", func(w http.ResponseWriter, r *http.Request) {
		var b requestBody
		if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		area, _ := dir.Lookup(b.Pincode)
		ref := request.NewReference()
		now := time.Now().UTC()
		if err := store.insert(r.Context(), string(ref), b, area.Division, area.Circle, now); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Location", "/api/v1/requests/"+string(ref))
		w.WriteHeader(http.StatusCreated)
		writeRow(w, row{Reference: ref.String(), Service: b.Service, Status: "submitted", Pincode: b.Pincode,
			Division: area.Division, Circle: area.Circle, CreatedAt: now}, false)
	})
	mux.HandleFunc("GET /api/v1/requests/{reference}", func(w http.ResponseWriter, r *http.Request) {
		ref := strings.ReplaceAll(r.PathValue("reference"), "-", "")
		got, err := store.get(r.Context(), ref)
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		got.Reference = request.Reference(got.Reference).String()
		w.Header().Set("Content-Type", "application/json")
		writeRow(w, got, true)
	})
	srv := &http.Server{Addr: *addr, Handler: mux}
	go func() {
		<-ctx.Done()
		srv.Shutdown(context.Background())
	}()
	log.Printf("baseline serving on %s", *addr)
	if err := srv.ListenAndServe(); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
