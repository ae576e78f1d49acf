// Command doorstep runs Doorstep: India Post doorstep service requests, raised by customers
// on the web or the mobile app and served by the Division of their pincode.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/doorstep-post/doorstep/internal/backoffice"
	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/jobs"
	"github.com/doorstep-post/doorstep/internal/notify"
	"github.com/doorstep-post/doorstep/internal/portal"
	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/requestlog"
	"github.com/doorstep-post/doorstep/internal/server"
	"github.com/doorstep-post/doorstep/internal/staff"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
)

const usage = `Doorstep takes India Post services to people's doorsteps: customers raise a request,
get a reference number and track it; the Division serving their pincode attends to it.

Usage:
  doorstep serve [flags]     run the web portal, the staff desk and the JSON API (applies
                             migrations first); with --demo, first fills an empty database
                             with demo staff accounts and requests, to try it out
  doorstep migrate [flags]   apply database migrations and exit
  doorstep user COMMAND      staff accounts: add, list, disable, enable, passwd; see
                             doorstep user --help. A fresh install makes its first admin:
                             ` + firstAdminCommand + `
  doorstep loadtest [flags]  put load on a running server and check nothing is lost (--help)
  doorstep demo-data --requests N [--days 90]
                             fill a database with N made-up requests in all of India's
                             Divisions, for demonstrations and benchmarks (--help)
  doorstep dashboard verify [--repair]
                             recount the dashboard's counters from the requests and list any
                             that differ; --repair rewrites them (--help)
  doorstep help              show this help

Settings of serve and migrate (a flag wins over its environment variable):
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}

// run is main without the process: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		printUsage(stderr)
		return 2
	}
	command := args[0]
	switch command {
	case "help", "-h", "-help", "--help":
		printUsage(stdout)
		return 0
	case "loadtest":
		return runLoadtest(ctx, args[1:], stdout, stderr)
	case "user":
		return runUser(ctx, args[1:], getenv, stdin, stdout, stderr)
	case "demo-data":
		return runDemoData(ctx, args[1:], getenv, stdout, stderr)
	case "dashboard":
		return runDashboard(ctx, args[1:], getenv, stdout, stderr)
	case "serve", "migrate":
	default:
		fmt.Fprintf(stderr, "doorstep: unknown command %q\n\n", command)
		printUsage(stderr)
		return 2
	}
	settings, withDemo := args[1:], false
	if command == "serve" {
		settings, withDemo = takeDemoFlag(settings)
	}
	cfg, err := config.Load(command, settings, getenv, stderr)
	if errors.Is(err, config.ErrHelp) {
		if command == "serve" {
			fmt.Fprint(stderr, demoFlagUsage)
		}
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "doorstep: bad configuration:\n%v\n", err)
		return 2
	}
	log := newLogger(cfg, stderr)
	switch command {
	case "migrate":
		err = migrate(ctx, cfg, log)
	case "serve":
		err = serve(ctx, cfg, log, serveOptions{demo: withDemo, stdout: stdout})
	}
	if err != nil {
		log.Error("doorstep stopped with an error", "command", command, "err", err)
		return 1
	}
	return 0
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, usage)
	config.WriteSettings(w)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: cfg.LogLevel}
	var h slog.Handler = slog.NewTextHandler(w, opts)
	if cfg.LogFormat == "json" {
		h = slog.NewJSONHandler(w, opts)
	}
	return slog.New(requestlog.Handler(h))
}

// migratingStore is a backend that can bring its schema up to date.
type migratingStore interface {
	store.Store
	Migrate(ctx context.Context, log *slog.Logger) error
}

// openStore opens the configured backend and applies pending migrations.
func openStore(ctx context.Context, cfg config.Config, log *slog.Logger) (migratingStore, error) {
	var st migratingStore
	var err error
	switch cfg.Database.Driver {
	case "postgres":
		var pg *postgres.Store
		if pg, err = postgres.Open(ctx, cfg.Database.URL); err == nil {
			pg.SetLogger(log)
			st = pg
		}
	default:
		st, err = sqlite.Open(ctx, cfg.Database.Path)
	}
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx, log); err != nil {
		st.Close()
		return nil, err
	}
	return st, nil
}

func migrate(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	// Building the queue brings the job queue's tables up to date too.
	if _, err := openQueue(ctx, cfg, st, nil, log); err != nil {
		st.Close()
		return err
	}
	log.Info("database is up to date", "database", cfg.Database.Display())
	return st.Close()
}

// openQueue builds the job queue on the store's database; the store then queues the jobs
// of the notifications it saves in the same transaction.
func openQueue(ctx context.Context, cfg config.Config, st migratingStore, deliver jobs.Deliverer, log *slog.Logger) (*jobs.Queue, error) {
	opts := jobs.Options{Permanent: notify.Permanent}
	switch st := st.(type) {
	case *postgres.Store:
		return jobs.NewPostgres(ctx, st, deliver, log, opts)
	case *sqlite.Store:
		return jobs.NewSQLite(ctx, st, deliver, log, opts)
	}
	return nil, fmt.Errorf("no job queue for %T", st)
}

// outboxPath is where messages go when no gateway is configured: beside the SQLite file, or
// in the working directory.
func outboxPath(cfg config.Config) string {
	if cfg.Database.Driver == "sqlite" {
		return filepath.Join(filepath.Dir(cfg.Database.Path), "outbox.jsonl")
	}
	return "outbox.jsonl"
}

// serveOptions are what serve takes beside the settings.
type serveOptions struct {
	demo     bool      // seed demo data into an empty database first
	stdout   io.Writer // where the demo accounts' passwords are shown, once
	onListen func(addr string)
}

// serve runs until ctx is cancelled (SIGINT or SIGTERM), then lets requests in flight finish
// and closes the database. opts.onListen, if not nil, is told the address bound (tests use
// :0).
func serve(ctx context.Context, cfg config.Config, log *slog.Logger, opts serveOptions) error {
	if percent, set := gcPercent(os.Getenv); set {
		debug.SetGCPercent(percent)
	}
	st, err := openStore(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := st.Close(); err != nil {
			log.Error("closing the database", "err", err)
		}
	}()
	dir, err := postal.Load()
	if err != nil {
		return err
	}
	templates, err := notify.LoadTemplates()
	if err != nil {
		return err
	}
	smsGateway, mailGateway, err := notify.NewGateways(cfg, outboxPath(cfg), log)
	if err != nil {
		return err
	}
	parts := server.Over(st, dir, log)
	sender := &notify.Sender{Services: parts.Intake.Catalogue(), Templates: templates, SMS: smsGateway, Mail: mailGateway, PublicURL: cfg.PublicURL}
	queue, err := openQueue(ctx, cfg, st, sender, log)
	if err != nil {
		return err
	}
	if opts.demo {
		if err := seedDemo(ctx, cfg, st, dir, opts.stdout, log); err != nil {
			return err
		}
	}
	if err := hintFirstAdmin(ctx, st, log); err != nil {
		return err
	}
	// The queue lives until it is stopped below, after the last HTTP request has finished.
	if err := queue.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job queue: %w", err)
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := queue.Stop(stopCtx); err != nil {
			log.Error("stopping the job queue", "err", err)
		}
	}()
	var portalOptions []portal.Option
	if outbox, ok := smsGateway.(*notify.Outbox); ok && outbox != nil {
		portalOptions = append(portalOptions, portal.LocalOutbox(outboxPath(cfg)))
	}
	parts.Intake = parts.Intake.WithOTPRequired(cfg.OTPRequired)
	parts.Portal = portalOptions
	parts.Staff = backoffice.Options{SecureCookies: strings.HasPrefix(cfg.PublicURL, "https://")}
	parts.TrustedProxies = cfg.TrustedProxies
	handler, err := server.Handler(parts)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second, // slow mobile networks, but not forever
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Profiles listen first: whoever waits for "doorstep is serving" may use them at once.
	if cfg.DebugAddr != "" {
		if err := serveProfiles(ctx, cfg.DebugAddr, log); err != nil {
			return err
		}
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return err
	}
	log.Info("doorstep is serving", "addr", ln.Addr().String(), "database", cfg.Database.Display(), "pincodes", dir.Len())
	if opts.onListen != nil {
		opts.onListen(ln.Addr().String())
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight", "timeout", cfg.ShutdownTimeout)
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped cleanly")
	return nil
}

// hintFirstAdmin says, on a database without staff accounts, how to make the first one: no
// one can use the staff desk until then.
func hintFirstAdmin(ctx context.Context, st interface {
	Accounts(ctx context.Context) ([]staff.Account, error)
}, log *slog.Logger) error {
	accounts, err := st.Accounts(ctx)
	if err != nil || len(accounts) > 0 {
		return err
	}
	log.Warn("there are no staff accounts yet: create the first admin with this command, on the same DOORSTEP_DATABASE_URL, giving the password on standard input",
		"command", firstAdminCommand)
	return nil
}

// defaultGCPercent is the garbage collector's target for the server unless GOGC says
// otherwise. The server's live heap is small (its peak resident memory under full load was
// 52-75 MiB), and under load the collector was a tenth of its CPU: letting the heap grow to
// three times the live data, not two, trades a few tens of MiB for about a tenth more
// submissions a second on the benchmark's 2 cores.
const defaultGCPercent = 200

// gcPercent is the collector's target to set, if any: none when GOGC is set, so that an
// operator's choice stands.
func gcPercent(getenv func(string) string) (percent int, set bool) {
	if getenv("GOGC") != "" {
		return 0, false
	}
	return defaultGCPercent, true
}

// serveProfiles serves Go's pprof profiles on their own listener, kept off the public one,
// for an engineer investigating a slow or busy instance. It stops when ctx ends.
func serveProfiles(ctx context.Context, addr string, log *slog.Logger) error {
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("debug listener: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		srv.Close()
	}()
	go func() { _ = srv.Serve(ln) }()
	log.Info("serving pprof profiles", "addr", ln.Addr().String())
	return nil
}
