package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestHelpDocumentsCommandsAndSettings(t *testing.T) {
	for _, args := range [][]string{{"help"}, {"--help"}} {
		var out strings.Builder
		if code := run(context.Background(), args, env(nil), &out, io.Discard); code != 0 {
			t.Fatalf("%v: exit %d", args, code)
		}
		for _, want := range []string{"serve", "migrate", "DOORSTEP_ADDR", "DOORSTEP_DATABASE_URL", "DOORSTEP_LOG_LEVEL", "DOORSTEP_LOG_FORMAT", "DOORSTEP_SHUTDOWN_TIMEOUT"} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: help lacks %s", args, want)
			}
		}
	}
	var out strings.Builder
	if code := run(context.Background(), []string{"serve", "--help"}, env(nil), io.Discard, &out); code != 0 || !strings.Contains(out.String(), "--database-url") {
		t.Errorf("serve --help: exit %d, %s", code, out.String())
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "Usage"},
		{[]string{"launch"}, nil, `unknown command "launch"`},
		{[]string{"serve", "extra"}, nil, `unexpected argument "extra"`},
		{[]string{"serve"}, map[string]string{"DOORSTEP_ADDR": "eighty"}, "DOORSTEP_ADDR"},
		{[]string{"migrate", "--shutdown-timeout", "-1s"}, nil, "--shutdown-timeout"},
	}
	for _, tt := range tests {
		var out strings.Builder
		if code := run(context.Background(), tt.args, env(tt.env), io.Discard, &out); code != 2 || !strings.Contains(out.String(), tt.want) {
			t.Errorf("%v: exit %d, output %q; want exit 2 mentioning %q", tt.args, code, out.String(), tt.want)
		}
	}
}

func TestMigrateCreatesTheDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "data", "doorstep.db")
	var logs strings.Builder
	code := run(context.Background(), []string{"migrate"}, env(map[string]string{"DOORSTEP_DATABASE_URL": "sqlite://" + path}), io.Discard, &logs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, logs.String())
	}
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	services, err := st.Services(context.Background())
	if err != nil || len(services) != 7 {
		t.Errorf("after migrate: %d services, %v", len(services), err)
	}
}

// TestServeShutsDownGracefully runs the real binary: it serves, and on SIGTERM lets a
// submission that is still being uploaded finish and be saved before it exits cleanly.
func TestServeShutsDownGracefully(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "doorstep")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "doorstep.db")
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DOORSTEP_ADDR=127.0.0.1:0", "DOORSTEP_DATABASE_URL=sqlite:"+dbPath, "DOORSTEP_SHUTDOWN_TIMEOUT=20s")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	var logs strings.Builder
	var logsMu sync.Mutex
	addrCh := make(chan string, 1)
	logsDone := make(chan struct{})
	go func() {
		defer close(logsDone)
		addrRe := regexp.MustCompile(`doorstep is serving"? addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logsMu.Lock()
			logs.WriteString(sc.Text() + "\n")
			logsMu.Unlock()
			if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-addrCh:
	case <-time.After(30 * time.Second):
		t.Fatal("server did not start")
	}
	resp, err := http.Get("http://" + addr + "/readyz")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()

	// Start a submission, send half its body, then ask the server to stop.
	body := `{"name":"Asha Devi","address":"12 Gandhi Road, Connaught Place","pincode":"110001",` +
		`"email":"asha@example.com","mobile":"9876543210","service":"emoney_order"}`
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/requests HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", addr, len(body), body[:40])
	time.Sleep(100 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Error("the server still accepts new connections after SIGTERM")
	}
	fmt.Fprint(conn, body[40:])
	reply, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request: %v", err)
	}
	replyBody, _ := io.ReadAll(reply.Body)
	if reply.StatusCode != http.StatusCreated {
		t.Fatalf("in-flight request: %d %s", reply.StatusCode, replyBody)
	}
	ref := regexp.MustCompile(`DS-[0-9A-Z]{5}-[0-9A-Z]{5}`).Find(replyBody)

	waitErr := make(chan error, 1)
	go func() { <-logsDone; waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		if err != nil {
			t.Errorf("exit: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
	logsMu.Lock()
	if !strings.Contains(logs.String(), "stopped cleanly") {
		t.Errorf("logs lack the clean stop:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), "9876543210") || strings.Contains(logs.String(), "asha@example.com") {
		t.Errorf("logs show personal data:\n%s", logs.String())
	}
	logsMu.Unlock()

	st, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	saved, err := st.RequestByReference(context.Background(), request.Reference(strings.ReplaceAll(string(ref), "-", "")))
	if err != nil || saved.Mobile != "9876543210" {
		t.Errorf("the request answered 201 during shutdown is not saved: %+v, %v", saved, err)
	}
}
