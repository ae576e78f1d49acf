package store

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/doorstep-post/doorstep/internal/request"
)

// randomHistory is a history with the strings a history can hold: remarks in Hindi, with
// quotes, newlines, <, > and &, line separators, control characters.
func randomHistory(rng *rand.Rand) []request.Event {
	pieces := []string{"", "Assigned to postman Ravi", "सेवा दी गई", `"quoted"`, "a\\b", "line\nbreak\ttab", "<b>&amp;</b>",
		"\u2028\u2029", "\x00\x01\x1f\x7f", "/slash/", "😀 emoji", "{[,:]}", "नमस्ते, Ravi & co.", "é"}
	statuses := []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted,
		request.StatusNotServiceable, request.StatusCancelled}
	pick := func() string {
		var b strings.Builder
		for range rng.IntN(3) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		return b.String()
	}
	history := make([]request.Event, 1+rng.IntN(5))
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int64N(int64(365 * 24 * time.Hour))))
	for i := range history {
		at = at.Add(time.Duration(rng.Int64N(int64(48 * time.Hour))))
		if rng.IntN(3) == 0 {
			at = at.Truncate(time.Millisecond)
		}
		history[i] = request.Event{Status: statuses[rng.IntN(len(statuses))], At: at.In(request.IST), Remarks: pick(), Actor: pick(), AssignedTo: pick()}
	}
	return history
}

func utc(history []request.Event) []request.Event {
	out := make([]request.Event, len(history))
	for i, e := range history {
		e.At = e.At.UTC()
		out[i] = e
	}
	return out
}

// What EncodeHistory writes is read by the fast path, and read back as it was written.
func TestHistoryFastRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		history := randomHistory(rng)
		data, err := EncodeHistory(history)
		if err != nil {
			t.Fatal(err)
		}
		got, ok := decodeHistoryFast([]byte(data))
		if !ok {
			t.Fatalf("the fast path refused %s", data)
		}
		if want := utc(history); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s\n got %#v\nwant %#v", data, got, want)
		}
	}
}

// Whatever the input, DecodeHistory answers as encoding/json does: the same events, or an
// error where encoding/json gives one.
func FuzzDecodeHistory(f *testing.F) {
	rng := rand.New(rand.NewPCG(5, 6))
	for range 20 {
		data, _ := EncodeHistory(randomHistory(rng))
		f.Add([]byte(data))
	}
	for _, s := range []string{``, `[]`, ` [ ] `, `null`, `[null]`, `{}`, `[{}]`, `[{},]`, `[{"status":1}]`, `[{"Status":"submitted"}]`,
		`[{"status":"submitted","at":null}]`, `[{"at":"2026-11-27T09:30:00+05:30"}]`, `[{"at":"2026-11-27T09:30:00.1234567891Z"}]`,
		`[{"at":"2026-13-27T09:30:00Z"}]`, `[{"at":"2026-11-27 09:30:00Z"}]`, `[{"at":"\u0032026-11-27T09:30:00Z"}]`,
		`[{"remarks":"\ud83d\ude00"}]`, `[{"remarks":"\ud83d"}]`, `[{"remarks":"\u00e9\u0000\u001F\/"}]`, "[{\"remarks\":\"\xff\"}]",
		"[{\"remarks\":\"a\x01b\"}]", `[{"remarks":"a","remarks":"b"}]`, `[{"st\u0061tus":"submitted"}]`, `[{"other":"x"}]`,
		`[{"at": "2026-11-27T09:30:00.123Z", "actor": "x", "status": "submitted", "remarks": "a \"q\" \n", "assigned_to": "PO"}]`,
		`[{"status":"submitted"}] x`, `[{"status":"submitted"}`, `[{"status":"submitted"` + "\n\t\r" + `}]`, `[{"status":"x\"}]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := DecodeHistory(data)
		want, wantErr := decodeHistoryJSON(data)
		if (err != nil) != (wantErr != nil) {
			t.Fatalf("%q: error %v, encoding/json's %v", data, err, wantErr)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%q:\n got %#v\nwant %#v", data, got, want)
		}
	})
}

// The fast path reads what the backends hand back after appending entries to a history:
// SQLite's json_insert and PostgreSQL's jsonb (keys reordered, spaces added, strings
// re-escaped).
func TestHistoryFastReadsBackends(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var histories [][]request.Event
	for range 200 {
		histories = append(histories, randomHistory(rng))
	}
	check := func(t *testing.T, data []byte, want []request.Event) {
		t.Helper()
		got, ok := decodeHistoryFast(data)
		if !ok {
			t.Fatalf("the fast path refused %s", data)
		}
		if !reflect.DeepEqual(got, utc(want)) {
			t.Fatalf("%s\n got %#v\nwant %#v", data, got, utc(want))
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		db, err := sql.Open("sqlite", ":memory:")
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		for _, h := range histories {
			first, _ := EncodeHistory(h[:1])
			data := first
			for i := 1; i < len(h); i++ {
				next, _ := EncodeHistory(h[i : i+1])
				if err := db.QueryRow(`SELECT json_insert(?, '$[#]', json_extract(?, '$[0]'))`, data, next).Scan(&data); err != nil {
					t.Fatal(err)
				}
			}
			check(t, []byte(data), h)
		}
	})
	t.Run("postgres", func(t *testing.T) {
		url := os.Getenv("DOORSTEP_TEST_POSTGRES_URL")
		if url == "" {
			t.Skip("set DOORSTEP_TEST_POSTGRES_URL to run this on PostgreSQL")
		}
		ctx := context.Background()
		conn, err := pgx.Connect(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(ctx)
		for _, h := range histories {
			// PostgreSQL's text and jsonb hold no NUL character.
			for i := range h {
				e := &h[i]
				e.Remarks, e.Actor, e.AssignedTo = strings.ReplaceAll(e.Remarks, "\x00", ""), strings.ReplaceAll(e.Actor, "\x00", ""),
					strings.ReplaceAll(e.AssignedTo, "\x00", "")
			}
			first, _ := EncodeHistory(h[:1])
			var data []byte
			if err := conn.QueryRow(ctx, `SELECT $1::jsonb`, first).Scan(&data); err != nil {
				t.Fatal(err)
			}
			for i := 1; i < len(h); i++ {
				next, _ := EncodeHistory(h[i : i+1])
				if err := conn.QueryRow(ctx, `SELECT $1::jsonb || $2::jsonb`, string(data), next).Scan(&data); err != nil {
					t.Fatal(err)
				}
			}
			check(t, data, h)
		}
	})
}

func TestHistoryFastAllocations(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 30, 0, 123000000, time.UTC)
	encoded, _ := EncodeHistory([]request.Event{{Status: request.StatusSubmitted, At: at},
		{Status: request.StatusInProgress, At: at.Add(time.Hour), Actor: "ndgpo.clerk", Remarks: "Assigned to postman Ravi"}})
	data := []byte(encoded)
	// The slice, the remarks and the actor.
	if n := testing.AllocsPerRun(100, func() { _, _ = DecodeHistory(data) }); n > 3 {
		t.Errorf("%v allocations, want at most 3", n)
	}
}

func BenchmarkDecodeHistory(b *testing.B) {
	at := time.Date(2026, 11, 27, 9, 30, 0, 123000000, time.UTC)
	encoded, _ := EncodeHistory([]request.Event{{Status: request.StatusSubmitted, At: at}})
	data := []byte(encoded)
	for _, c := range []struct {
		name   string
		decode func([]byte) ([]request.Event, error)
	}{{"encoding-json", decodeHistoryJSON}, {"fast", DecodeHistory}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
