package notify

import (
	"github.com/doorstep-post/doorstep/internal/request"
	"github.com/doorstep-post/doorstep/internal/store"
)

// Which messages each occasion sends. They are saved with the change that causes them, in
// its transaction; the customer side and the staff side both take them from here.

// ForSubmission are the messages a new request sends: its reference number by SMS and by
// e-mail.
func ForSubmission(r request.Request) []store.NewNotification {
	return []store.NewNotification{
		{Channel: "sms", Kind: string(KindSubmitted), Recipient: r.Mobile, Language: r.Language},
		{Channel: "email", Kind: string(KindSubmitted), Recipient: r.Email, Language: r.Language},
	}
}

// ForStatus are the messages a move to status to sends: an SMS for every change, and an
// e-mail too when the request is completed or cannot be served.
func ForStatus(r request.Request, to request.Status) []store.NewNotification {
	kind := map[request.Status]Kind{
		request.StatusInProgress:     KindStatusChanged,
		request.StatusCompleted:      KindCompleted,
		request.StatusNotServiceable: KindNotServiceable,
		request.StatusCancelled:      KindCancelled,
	}[to]
	if kind == "" {
		return nil
	}
	notes := []store.NewNotification{{Channel: "sms", Kind: string(kind), Recipient: r.Mobile, Language: r.Language, RequestStatus: to}}
	if (to == request.StatusCompleted || to == request.StatusNotServiceable) && r.Email != "" {
		notes = append(notes, store.NewNotification{Channel: "email", Kind: string(kind), Recipient: r.Email, Language: r.Language, RequestStatus: to})
	}
	return notes
}

// ForCode is the SMS that carries a one-time code to a mobile.
func ForCode(mobile string, lang request.Language, code string) store.NewNotification {
	return store.NewNotification{Channel: "sms", Kind: string(KindOTP), Recipient: mobile, Language: lang, Secret: code}
}
