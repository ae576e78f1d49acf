package portal

import (
	"fmt"

	"github.com/doorstep-post/doorstep/internal/request"
)

// Every text a customer sees is keyed by its English wording. Templates call {{t "text"}};
// handlers use the message constants below through translate. English needs no table: the
// key is the text. To add Hindi, add request.Hindi to languages, give it a table in
// translations and decide in Portal.language how a visitor picks it; no handler changes.
//
// Messages written by the request and intake packages (a field's validation message, a
// status label) go through translate as well, so a table can translate the fixed ones. Those
// with a value inside (for example a count of characters) need message codes from those
// packages before they can be translated.

// languages are the languages pages are rendered in; templates are parsed once for each.
var languages = []request.Language{request.English}

// translations maps a language to {English text: translated text}. A missing entry shows
// the English text.
var translations = map[request.Language]map[string]string{
	request.English: nil,
}

// translate returns key in lang, with args filled in by fmt.Sprintf if there are any.
func translate(lang request.Language, key string, args ...any) string {
	text := key
	if tr, ok := translations[lang][key]; ok && tr != "" {
		text = tr
	}
	if len(args) > 0 {
		return fmt.Sprintf(text, args...)
	}
	return text
}

// msgTooManyCodes: the mobile had its three codes this hour.
const msgTooManyCodes = "We have sent 3 codes to this mobile in the last hour. Please use the last code you received, or try again later."

// Page titles.
const (
	titleForm         = "Request a doorstep service"
	titleFormError    = "Error: Request a doorstep service"
	titleRequest      = "Request %s"
	titleRequestError = "Error: Request %s"
	titleTrack        = "Track a request"
	titleTrackError   = "Error: Track a request"
	titleNotFound     = "Page not found"
	titleNoRequest    = "Request not found"
	titleNotAllowed   = "Method not allowed"
	titleServerError  = "Sorry, something went wrong"
)

// Messages shown by handlers.
const (
	msgFormExpired = "This form had expired or was incomplete, so nothing was sent. " +
		"Please check your details and send the form again."
	msgFormUnreadable = "We could not read the form, so nothing was sent. Please fill it in and send it again."
	msgFormTooLarge   = "The form was too large to send. Please shorten the address or the details and send it again."
	msgFormChanged    = "This form was sent once already and then changed, so we did not send it again. " +
		"If you want a new request with these details, check them and send the form again."
	msgNotSaved = "Something went wrong on our side and your request was not saved. " +
		"Please try again in a few minutes."
	msgServerError = "Something went wrong on our side. Please try again in a few minutes."

	msgPageNotFound    = "If you typed the web address, please check that it is correct."
	msgNoSuchRequest   = "We have no request with reference %s."
	msgBadReferenceURL = "This web address does not contain a valid reference number. " +
		"Please check it, or track your request with your reference number or mobile number."
	msgNotAllowed = "This page cannot be used that way."

	msgTrackReferenceFormat = "A reference number looks like DS-7KQ4M-9XP3C and a mobile number has 10 digits, like 98765 43210."
	msgTrackReferenceCheck  = "This reference number has a typing mistake; please check each character."
	msgTrackNoRequest       = "We have no request with reference %s. Please check the number in your SMS or e-mail."
	msgTrackNoMobile        = "We have no requests made with the mobile number ending in %s."
	msgTrackTooLong         = "That is too long for a reference number or a mobile number."

	msgCannotCancel = "This request can no longer be cancelled: its status is %s."
	msgCancelRaced  = "The post office changed this request while you were cancelling it, so it was not cancelled. " +
		"Please check its status below, and cancel it again if you still want to."
)
