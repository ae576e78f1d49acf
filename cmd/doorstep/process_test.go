package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/config"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store/postgres"
	"github.com/doorstep-post/doorstep/internal/store/sqlite"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// The tests in this file run the real binary as operators do.

// TestMain removes the binary the tests built, if any, after they ran.
func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		if err := os.RemoveAll(binaryDir); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

var (
	binaryOnce sync.Once
	binaryDir  string // a temporary directory TestMain removes
	binaryPath string
	binaryErr  error
)

// buildBinary builds doorstep once per test binary, for the first test that needs it: a
// run of tests that need none (-short, or -run of others) builds nothing.
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	binaryOnce.Do(func() {
		if binaryDir, binaryErr = os.MkdirTemp("", "doorstep-test-"); binaryErr != nil {
			return
		}
		bin := filepath.Join(binaryDir, "doorstep")
		if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
			return
		}
		binaryPath = bin
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binaryPath
}

// waitUntil polls cond until it holds, and fails the test saying what did not happen if it
// still does not after timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up after %v waiting until %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// process is a running `doorstep serve`.
type process struct {
	cmd    *exec.Cmd
	addr   string
	mu     sync.Mutex
	logs   strings.Builder
	exited chan error
}

func startServe(t *testing.T, bin string, env ...string) *process {
	t.Helper()
	p := &process{cmd: exec.Command(bin, "serve"), exited: make(chan error, 1)}
	// On PostgreSQL the local outbox is outbox.jsonl in the working directory: keep it out
	// of the source tree.
	p.cmd.Dir = t.TempDir()
	// Codes are off unless a test turns them on: these tests cannot read an SMS.
	p.cmd.Env = append(os.Environ(), append([]string{"DOORSTEP_ADDR=127.0.0.1:0", "DOORSTEP_OTP=off"}, env...)...)
	stderr, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.cmd.Process.Kill() })
	addrCh := make(chan string, 1)
	go func() {
		addrRe := regexp.MustCompile(`doorstep is serving"? addr=(\S+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.mu.Lock()
			p.logs.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if m := addrRe.FindStringSubmatch(sc.Text()); m != nil {
				addrCh <- m[1]
			}
		}
		p.exited <- p.cmd.Wait()
	}()
	select {
	case p.addr = <-addrCh:
	case err := <-p.exited:
		t.Fatalf("server exited at start: %v\n%s", err, p.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("server did not start:\n%s", p.log())
	}
	resp, err := http.Get(p.url("/readyz"))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("readyz: %v %v", resp, err)
	}
	resp.Body.Close()
	return p
}

func (p *process) url(path string) string { return "http://" + p.addr + path }

func (p *process) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.logs.String()
}

// waitUntil is waitUntil with the server's log after a failure.
func (p *process) waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	done := false
	defer func() {
		if !done { // waitUntil gave up (deferred calls run after t.Fatal too)
			t.Logf("server log:\n%s", p.log())
		}
	}()
	waitUntil(t, timeout, what, cond)
	done = true
}

// stop sends SIGTERM and waits for a clean exit.
func (p *process) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.wait(t)
}

func (p *process) wait(t *testing.T) {
	t.Helper()
	select {
	case err := <-p.exited:
		if err != nil {
			t.Errorf("exit: %v\n%s", err, p.log())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not exit after SIGTERM")
	}
}

const submissionBody = `{"name":"Asha Devi","address":"12 Gandhi Road, Connaught Place","pincode":"110001",` +
	`"email":"asha@example.com","mobile":"9876543210","service":"emoney_order"}`

// TestServeShutsDownGracefully: on SIGTERM a submission that is still being uploaded
// finishes and is saved, new connections are refused, and the process exits cleanly.
func TestServeShutsDownGracefully(t *testing.T) {
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		testGracefulShutdown(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "doorstep.db"))
	})
	t.Run("postgres", func(t *testing.T) { testGracefulShutdown(t, bin, testenv.PostgresURL(t)) })
}

func testGracefulShutdown(t *testing.T, bin, databaseURL string) {
	debugAddr := freeAddr(t)
	srv := startServe(t, bin, "DOORSTEP_DATABASE_URL="+databaseURL, "DOORSTEP_SHUTDOWN_TIMEOUT=20s", "DOORSTEP_DEBUG_ADDR="+debugAddr)

	// Profiles are served on the private debug address only.
	for url, want := range map[string]int{"http://" + debugAddr + "/debug/pprof/": http.StatusOK, srv.url("/debug/pprof/"): http.StatusNotFound} {
		resp, err := http.Get(url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s: %d, want %d", url, resp.StatusCode, want)
		}
	}

	// Start a submission, send half its body, then ask the server to stop.
	body := submissionBody
	conn, err := net.Dial("tcp", srv.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /api/v1/requests HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", srv.addr, len(body), body[:40])
	// The server's goroutines show when its handler is reading that body: the request is
	// then in flight.
	srv.waitUntil(t, 10*time.Second, "the server's handler reads the half-sent submission", func() bool {
		resp, err := http.Get("http://" + debugAddr + "/debug/pprof/goroutine?debug=2")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		dump, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return bytes.Contains(dump, []byte("/internal/api.(*API).createRequest("))
	})
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	srv.waitUntil(t, 10*time.Second, "the server refuses new connections after SIGTERM", func() bool {
		c, err := net.DialTimeout("tcp", srv.addr, time.Second)
		if err != nil {
			return true
		}
		c.Close()
		return false
	})
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
	srv.wait(t)

	logs := srv.log()
	if !strings.Contains(logs, "stopped cleanly") {
		t.Errorf("logs lack the clean stop:\n%s", logs)
	}
	if strings.Contains(logs, "9876543210") || strings.Contains(logs, "asha@example.com") {
		t.Errorf("logs show personal data:\n%s", logs)
	}
	st := openDatabase(t, databaseURL)
	saved, err := st.RequestByReference(context.Background(), request.Reference(strings.ReplaceAll(string(ref), "-", "")))
	if err != nil || saved.Mobile != "9876543210" {
		t.Errorf("the request answered 201 during shutdown is not saved: %+v, %v", saved, err)
	}
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type created struct {
	Reference string `json:"reference"`
	Duplicate bool   `json:"duplicate"`
}

func post(t *testing.T, url, body, idempotencyKey string) (int, created) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if idempotencyKey != "" {
		req.Header.Set("Idempotency-Key", idempotencyKey)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Error(err)
		return 0, created{}
	}
	defer resp.Body.Close()
	var c created
	b, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(b, &c); err != nil {
		t.Errorf("%d %s: %v", resp.StatusCode, b, err)
	}
	return resp.StatusCode, c
}

// TestInstancesShareOnePostgres: two instances on one PostgreSQL database behave as one
// system: submissions through either are tracked through both, and the same submission sent
// to both at once (a retry that went to the other instance) is stored once.
func TestInstancesShareOnePostgres(t *testing.T) {
	t.Parallel()
	url := testenv.PostgresURL(t)
	bin := buildBinary(t)
	a := startServe(t, bin, "DOORSTEP_DATABASE_URL="+url)
	b := startServe(t, bin, "DOORSTEP_DATABASE_URL="+url)
	instances := []*process{a, b}

	const perInstance = 40
	var mu sync.Mutex
	var refs []string
	var wg sync.WaitGroup
	for i, inst := range instances {
		for j := range perInstance {
			wg.Go(func() {
				body := strings.Replace(submissionBody, "9876543210", fmt.Sprintf("98%d%07d", i, j), 1)
				status, c := post(t, inst.url("/api/v1/requests"), body, "")
				if status != http.StatusCreated {
					t.Errorf("instance %d submission %d: %d", i, j, status)
					return
				}
				mu.Lock()
				refs = append(refs, c.Reference)
				mu.Unlock()
			})
		}
	}
	// The same submission to both instances at once, with and without an idempotency key.
	sameRefs := make([]created, 4)
	for i := range 4 {
		wg.Go(func() {
			key := ""
			body := strings.Replace(submissionBody, "9876543210", "7000000001", 1)
			if i >= 2 {
				key = "retry-on-other-instance"
				body = strings.Replace(submissionBody, "9876543210", "7000000002", 1)
			}
			_, sameRefs[i] = post(t, instances[i%2].url("/api/v1/requests"), body, key)
		})
	}
	wg.Wait()

	seen := map[string]bool{}
	for _, ref := range refs {
		if seen[ref] {
			t.Errorf("reference %s given twice", ref)
		}
		seen[ref] = true
		for k, inst := range instances {
			resp, err := http.Get(inst.url("/api/v1/requests/" + ref))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("%s not visible through instance %d: %d", ref, k, resp.StatusCode)
			}
		}
	}
	if len(seen) != 2*perInstance {
		t.Errorf("%d distinct references, want %d", len(seen), 2*perInstance)
	}
	if sameRefs[0].Reference != sameRefs[1].Reference || sameRefs[0].Duplicate == sameRefs[1].Duplicate {
		t.Errorf("same submission to both instances: %+v and %+v; want one created, one duplicate of it", sameRefs[0], sameRefs[1])
	}
	if sameRefs[2].Reference != sameRefs[3].Reference || sameRefs[2].Reference == "" {
		t.Errorf("same idempotency key to both instances: %+v and %+v", sameRefs[2], sameRefs[3])
	}
	for _, mobile := range []string{"7000000001", "7000000002"} {
		resp, err := http.Get(b.url("/api/v1/requests?mobile=" + mobile))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if n := bytes.Count(body, []byte(`"reference"`)); n != 1 {
			t.Errorf("mobile %s has %d requests stored, want 1", mobile, n)
		}
	}
	a.stop(t)
	b.stop(t)
}

// TestSubmissionIsSentBySMSAndEmail runs the real binary against a real SMTP server and an
// HTTP SMS gateway: the customer gets the reference number both ways, in Hindi.
func TestSubmissionIsSentBySMSAndEmail(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	t.Run("sqlite", func(t *testing.T) {
		testSubmissionIsSent(t, bin, "sqlite:"+filepath.Join(t.TempDir(), "doorstep.db"))
	})
	t.Run("postgres", func(t *testing.T) { testSubmissionIsSent(t, bin, testenv.PostgresURL(t)) })
}

func testSubmissionIsSent(t *testing.T, bin, databaseURL string) {
	smtpAddr, mailbox := testenv.SMTPServer(t)
	var mu sync.Mutex
	var sms []map[string]string
	var apiKeys []string
	gateway := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]string
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		sms, apiKeys = append(sms, m), append(apiKeys, r.Header.Get("X-Api-Key"))
		mu.Unlock()
	}))
	defer gateway.Close()
	srv := startServe(t, bin, "DOORSTEP_DATABASE_URL="+databaseURL, "DOORSTEP_SMTP_URL=smtp://"+smtpAddr+"?tls=none",
		"DOORSTEP_MAIL_FROM=Doorstep <no-reply@doorstep.example.in>", "DOORSTEP_SMS_URL="+gateway.URL,
		"DOORSTEP_SMS_HEADERS=X-Api-Key=test-key", "DOORSTEP_PUBLIC_URL=https://ds.example.in")

	body := strings.Replace(submissionBody, `"service":"emoney_order"`, `"service":"emoney_order","language":"hi"`, 1)
	status, c := post(t, srv.url("/api/v1/requests"), body, "")
	if status != http.StatusCreated {
		t.Fatalf("submission: %d", status)
	}
	received := func() (int, int) {
		mu.Lock()
		defer mu.Unlock()
		return len(sms), len(mailbox.All())
	}
	srv.waitUntil(t, 20*time.Second, "the SMS gateway and the SMTP server receive the submission's messages", func() bool {
		texts, mails := received()
		return texts >= 1 && mails >= 1
	})
	// A wrong second delivery would come from a job retried or queued twice: once every
	// notification job is finished, the gateways have had all they will get.
	srv.waitUntil(t, 20*time.Second, "every notification job in the database is finished", notificationJobsFinished(t, databaseURL))
	if texts, mails := received(); texts != 1 || mails != 1 {
		t.Errorf("%d SMS and %d e-mails, want one each\n%s", texts, mails, srv.log())
	}
	mu.Lock()
	defer mu.Unlock()
	m := sms[0]
	if m["to"] != "+919876543210" || m["language"] != "hi" || m["id"] == "" || apiKeys[0] != "test-key" ||
		!strings.Contains(m["text"], c.Reference) || !strings.Contains(m["text"], "दर्ज") || !strings.Contains(m["text"], "https://ds.example.in/track") {
		t.Errorf("SMS %v (api key %q)", m, apiKeys[0])
	}
	mail := mailbox.All()[0]
	data := strings.ReplaceAll(string(mail.Data), "=\r\n", "") // undo quoted-printable soft line breaks
	if len(mail.To) != 1 || mail.To[0] != "asha@example.com" || mail.From != "no-reply@doorstep.example.in" || !strings.Contains(data, c.Reference) {
		t.Errorf("e-mail from %q to %v:\n%s", mail.From, mail.To, data)
	}
	srv.stop(t)
	if strings.Contains(srv.log(), "9876543210") || strings.Contains(srv.log(), "asha@example.com") {
		t.Errorf("logs show personal data:\n%s", srv.log())
	}
}

// notificationJobsFinished opens the database (without migrating it: migrations take a lock
// other tests contend for) and returns a check of whether its job queue has notification
// jobs and every one is in a final state (completed, discarded or cancelled): none is being
// worked, none will be retried.
func notificationJobsFinished(t *testing.T, databaseURL string) func() bool {
	t.Helper()
	db, err := config.ParseDatabaseURL(databaseURL)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	const query = `SELECT count(*), count(*) FILTER (WHERE state IN ('completed', 'discarded', 'cancelled'))
		FROM river_job WHERE kind = 'notification'`
	var count func(total, finished *int) error
	switch db.Driver {
	case "postgres":
		st, err := postgres.Open(ctx, db.URL)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		count = func(total, finished *int) error { return st.Pool().QueryRow(ctx, query).Scan(total, finished) }
	default:
		st, err := sqlite.Open(ctx, db.Path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		count = func(total, finished *int) error { return st.Writer().QueryRowContext(ctx, query).Scan(total, finished) }
	}
	return func() bool {
		var total, finished int
		if err := count(&total, &finished); err != nil {
			t.Fatal(err)
		}
		return total > 0 && finished == total
	}
}

// TestOneTimeCodeThroughTheOutbox: with codes required and no SMS gateway (the embedded
// default), the code reaches the local outbox and unlocks the submission.
func TestOneTimeCodeThroughTheOutbox(t *testing.T) {
	t.Parallel()
	bin := buildBinary(t)
	dir := t.TempDir()
	srv := startServe(t, bin, "DOORSTEP_DATABASE_URL=sqlite:"+filepath.Join(dir, "doorstep.db"), "DOORSTEP_OTP=required")

	if status, _ := post(t, srv.url("/api/v1/requests"), submissionBody, ""); status != http.StatusUnprocessableEntity {
		t.Fatalf("a request without a code: %d, want 422", status)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.url("/api/v1/otp"), strings.NewReader(`{"mobile":"9876543210"}`))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("send code: %d", resp.StatusCode)
	}
	var code string
	codeRe := regexp.MustCompile(`"text":"(\d{6}) is your Doorstep verification code`)
	srv.waitUntil(t, 15*time.Second, "the code reaches the outbox", func() bool {
		outbox, _ := os.ReadFile(filepath.Join(dir, "outbox.jsonl"))
		if m := codeRe.FindSubmatch(outbox); m != nil {
			code = string(m[1])
		}
		return code != ""
	})
	body := strings.Replace(submissionBody, `"service":"emoney_order"`, `"service":"emoney_order","otp":"`+code+`"`, 1)
	if status, c := post(t, srv.url("/api/v1/requests"), body, ""); status != http.StatusCreated || c.Reference == "" {
		t.Errorf("with the code: %d %+v", status, c)
	}
	srv.stop(t)
}
