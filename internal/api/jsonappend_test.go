package api

import (
	"bytes"
	"encoding/json"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/request"
)

// encoded is what encoding/json writes for v, as writeJSON does.
func encoded(t testing.TB, v any) string {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// The hand-written answer is byte for byte encoding/json's.
func FuzzAppendPublicRequest(f *testing.F) {
	f.Add("DS7KQ4M9XP3C", "emoney_order", "e-Money Order", "Asha Devi", "9876543210", "110001", "New Delhi GPO",
		"", "Delhi", "in_progress", int64(1764000000123456789), int64(1764000000000000000), 2, "ई-मनी ऑर्डर", 0)
	f.Add("odd\x00<>&\"\\", "a\u2028b\u2029", "\xff\xfe", "  आशा   देवी \t", "12", "\n\r\t\b\f\x01\x1f\x7f", "<script>",
		"Region & Co", "Circle\u00a0", "weird", int64(-1), int64(0), 0, "नाम", 720)
	f.Fuzz(func(t *testing.T, ref, service, serviceName, name, mobile, pincode, division, region, circle, status string,
		created, updated int64, events int, extra string, target int) {
		svc := request.Service{Name: serviceName, TargetHours: target % (request.TargetHoursMax + 1)}
		req := request.Request{Reference: request.Reference(ref), ServiceCode: service, Name: name, Mobile: mobile,
			Pincode: pincode, Division: division, Region: region, Circle: circle, Status: request.Status(status),
			CreatedAt: time.Unix(0, created).UTC(), UpdatedAt: time.Unix(0, updated).In(request.IST)}
		for i := range events % 6 {
			st := []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted,
				request.StatusNotServiceable, request.StatusCancelled, request.Status(extra)}[i]
			req.History = append(req.History, request.Event{Status: st, At: time.Unix(0, created+int64(i)*1e9+int64(i)).UTC(), Remarks: extra})
		}
		if !appendable(req, svc) {
			t.Skip()
		}
		want := encoded(t, publicViewOf(req, svc))
		if got := string(append(appendPublicRequest(nil, req, svc), '\n')); got != want {
			t.Errorf("appended:\n%s\nencoding/json:\n%s", got, want)
		}
	})
}

// Every string encoding/json might escape differently: each byte value, each rune near the
// ones it treats specially, and random UTF-8 and non-UTF-8.
func TestAppendEscapedLikeEncodingJSON(t *testing.T) {
	var cases []string
	for c := range 256 {
		cases = append(cases, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"b")
	}
	for _, r := range []rune{0x7f, 0x80, 0xa0, 0x2027, 0x2028, 0x2029, 0x202a, 0xfeff, 0xfffd, 0xffff, 0x10000, 0x10ffff, utf8.MaxRune} {
		cases = append(cases, string(r), "x"+string(r)+"<")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, rng.IntN(40))
		for i := range b {
			b[i] = byte(rng.IntN(256))
		}
		cases = append(cases, string(b), strings.ToValidUTF8(string(b), "é"))
	}
	for _, s := range cases {
		want := encoded(t, s)
		if got := string(appendString(nil, s)) + "\n"; got != want {
			t.Errorf("appendString(%q) = %s, want %s", s, got, want)
		}
		if got := string(appendEscaped(nil, []byte(s))); "\""+got+"\"\n" != want {
			t.Errorf("appendEscaped([]byte(%q)) = %s, want %s", s, got, want)
		}
	}
}

func TestAppendTimeLikeEncodingJSON(t *testing.T) {
	for _, tm := range []time.Time{{}, time.Unix(0, 0), time.Unix(1764000000, 123456789).UTC(), time.Unix(1764000000, 120000000).In(request.IST),
		time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC), time.Date(0, 1, 1, 0, 0, 0, 1, time.FixedZone("x", -3600*11-60))} {
		if got, want := string(appendTime(nil, tm))+"\n", encoded(t, tm); got != want {
			t.Errorf("appendTime(%v) = %s, want %s", tm, got, want)
		}
	}
	if appendable(request.Request{CreatedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, request.Service{}) {
		t.Error("a year of five digits is appendable; encoding/json refuses it")
	}
	if appendable(request.Request{CreatedAt: time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC)}, request.Service{TargetHours: 48}) {
		t.Error("an expected date in a year of five digits is appendable; encoding/json refuses it")
	}
}

var emoneyOrder = request.Service{Code: "emoney_order", Name: "e-Money Order", TargetHours: 48}

// A lookup's answer costs no allocation once the buffer pool is warm.
func TestAppendPublicRequestAllocations(t *testing.T) {
	req := request.Request{Reference: request.NewReference(), ServiceCode: "emoney_order", Name: "आशा देवी", Mobile: "9876543210",
		Pincode: "110001", Division: "New Delhi GPO", Circle: "Delhi", Status: request.StatusSubmitted,
		CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC(), History: []request.Event{{Status: request.StatusSubmitted, At: time.Now().UTC()}}}
	buf := make([]byte, 0, 1024)
	if n := testing.AllocsPerRun(100, func() { buf = appendPublicRequest(buf[:0], req, emoneyOrder) }); n != 0 {
		t.Errorf("%v allocations per answer", n)
	}
}

// BenchmarkPublicAnswer compares the two ways of writing a lookup's answer.
func BenchmarkPublicAnswer(b *testing.B) {
	at := time.Date(2026, 11, 27, 9, 30, 12, 345000000, time.UTC)
	req := request.Request{Reference: request.NewReference(), ServiceCode: "emoney_order", Name: "Asha Devi", Mobile: "9876543210",
		Pincode: "110001", Division: "New Delhi GPO", Circle: "Delhi", Status: request.StatusSubmitted,
		CreatedAt: at, UpdatedAt: at, History: []request.Event{{Status: request.StatusSubmitted, At: at}}}
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_ = json.NewEncoder(io.Discard).Encode(publicViewOf(req, emoneyOrder))
		}
	})
	b.Run("appended", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			bp := buffers.Get().(*[]byte)
			if appendable(req, emoneyOrder) {
				*bp = append(appendPublicRequest((*bp)[:0], req, emoneyOrder), '\n')
			}
			_, _ = io.Discard.Write(*bp)
			buffers.Put(bp)
		}
	})
}
