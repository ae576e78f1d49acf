package notify

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/doorstep-post/doorstep/internal/catalogue"
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
	"github.com/doorstep-post/doorstep/internal/testenv"
)

// BenchmarkDeliverSubmission is the sending work of one submission outside the database: its
// SMS and its e-mail rendered from the templates and written to the local outbox.
//
//	go test -run '^$' -bench DeliverSubmission -benchmem ./internal/notify/
func BenchmarkDeliverSubmission(b *testing.B) {
	templates, err := LoadTemplates()
	if err != nil {
		b.Fatal(err)
	}
	outbox := NewOutbox(filepath.Join(b.TempDir(), "outbox.jsonl"), nil)
	sender := &Sender{Services: catalogue.New(testenv.SQLite(b)), Templates: templates, SMS: outbox, Mail: outbox, PublicURL: "https://ds.example.in"}
	at := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	req := &request.Request{ID: 1, Reference: request.NewReference(), ServiceCode: "emoney_order", Division: "New Delhi GPO Division",
		Status: request.StatusSubmitted, CreatedAt: at, History: []request.Event{{Status: request.StatusSubmitted, At: at}}}
	ctx := context.Background()
	for _, lang := range []request.Language{request.English, request.Hindi} {
		b.Run(string(lang), func(b *testing.B) {
			b.ReportAllocs()
			for i := range b.N {
				for _, n := range []store.Notification{
					{ID: int64(2 * i), RequestID: 1, NewNotification: store.NewNotification{Channel: "sms", Kind: "submitted", Recipient: "9876543210", Language: lang}},
					{ID: int64(2*i + 1), RequestID: 1, NewNotification: store.NewNotification{Channel: "email", Kind: "submitted", Recipient: "asha@example.com", Language: lang}},
				} {
					if err := sender.Deliver(ctx, n, req); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
