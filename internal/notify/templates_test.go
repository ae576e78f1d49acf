package notify

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/postal"
	"github.com/doorstep-post/doorstep/internal/request"
)

// The service catalogue (internal/store/*/migrations): names in English and Hindi.
var services = []request.Service{
	{Code: "article_booking", Name: "Booking of Speed Post, registered or parcel articles", NameHi: "स्पीड पोस्ट, रजिस्टर्ड या पार्सल की बुकिंग"},
	{Code: "article_delivery", Name: "Delivery of articles held at the post office", NameHi: "डाकघर में रखी डाक वस्तुओं की डिलीवरी"},
	{Code: "emoney_order", Name: "e-Money Order", NameHi: "ई-मनी ऑर्डर"},
	{Code: "aeps_cash", Name: "Cash withdrawal at the doorstep (AePS, up to Rs 10,000)", NameHi: "घर पर नकद निकासी (AePS, ₹10,000 तक)"},
	{Code: "ippb_other", Name: "Other India Post Payments Bank services", NameHi: "इंडिया पोस्ट पेमेंट्स बैंक की अन्य सेवाएँ"},
	{Code: "pli_premium", Name: "Postal Life Insurance / Rural PLI premium", NameHi: "डाक जीवन बीमा / ग्रामीण डाक जीवन बीमा प्रीमियम"},
	{Code: "small_savings", Name: "Post Office small savings deposits", NameHi: "डाकघर लघु बचत योजनाओं में जमा"},
}

var allStatuses = []request.Status{request.StatusSubmitted, request.StatusInProgress, request.StatusCompleted,
	request.StatusNotServiceable, request.StatusCancelled}

func loadTemplates(t *testing.T) *Templates {
	t.Helper()
	tpl, err := LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func hasDevanagari(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Devanagari, r) {
			return true
		}
	}
	return false
}

func sampleData() Data {
	return Data{
		Reference: "DS7KQ4M9XP3C",
		Service:   services[0],
		Division:  "New Delhi GPO Division",
		Status:    request.StatusInProgress,
		Remarks:   "Postman will visit on Friday",
		At:        time.Date(2026, 11, 26, 20, 15, 0, 0, time.UTC), // 27 Nov in IST
		TrackURL:  "https://doorstep.indiapost.gov.in/track",
		Code:      "482913",
	}
}

func TestEverySMS(t *testing.T) {
	tpl := loadTemplates(t)
	d := sampleData()
	for _, kind := range Kinds {
		for _, lang := range Languages {
			m, err := tpl.SMS(kind, lang, d)
			if err != nil {
				t.Errorf("%s/%s: %v", kind, lang, err)
				continue
			}
			want := "DS-7KQ4M-9XP3C"
			if kind == KindOTP {
				want = "482913"
			}
			if !strings.Contains(m.Text, want) {
				t.Errorf("%s/%s lacks %s: %q", kind, lang, want, m.Text)
			}
			if m.Kind != kind || m.Language != lang || m.ID != "" || m.To != "" {
				t.Errorf("%s/%s: %+v", kind, lang, m)
			}
			if hasDevanagari(m.Text) != (lang == request.Hindi) {
				t.Errorf("%s/%s: Devanagari = %v: %q", kind, lang, hasDevanagari(m.Text), m.Text)
			}
			if lang == request.English && m.Encoding != GSM7 {
				t.Errorf("%s/%s is %s: %q", kind, lang, m.Encoding, m.Text)
			}
			if strings.Contains(m.Text, "  ") || strings.ContainsAny(m.Text, "\n\t") || m.Text != strings.TrimSpace(m.Text) {
				t.Errorf("%s/%s has stray whitespace: %q", kind, lang, m.Text)
			}
			if enc, seg := Segments(m.Text); enc != m.Encoding || seg != m.Segments {
				t.Errorf("%s/%s: encoding %s, %d segments; Segments says %s, %d", kind, lang, m.Encoding, m.Segments, enc, seg)
			}
		}
	}
	otp, _ := tpl.SMS(KindOTP, request.English, Data{Code: "482913"})
	if otp.Text != "482913 is your Doorstep verification code. It expires in 10 minutes. Do not share it." {
		t.Errorf("OTP = %q", otp.Text)
	}
	completed, _ := tpl.SMS(KindCompleted, request.English, d)
	if !strings.Contains(completed.Text, "was completed on 27 Nov 2026") || !strings.Contains(completed.Text, d.Remarks) {
		t.Errorf("completed = %q", completed.Text)
	}
	hiStatus, _ := tpl.SMS(KindStatusChanged, request.Hindi, d)
	if !strings.Contains(hiStatus.Text, "कार्य प्रगति पर") {
		t.Errorf("Hindi status label missing: %q", hiStatus.Text)
	}
	noRemarks := d
	noRemarks.Remarks = ""
	for _, kind := range []Kind{KindStatusChanged, KindCompleted, KindNotServiceable, KindCancelled} {
		for _, lang := range Languages {
			m, err := tpl.SMS(kind, lang, noRemarks)
			if err != nil || strings.Contains(m.Text, ":  ") || strings.HasSuffix(m.Text, ":") {
				t.Errorf("%s/%s without remarks: %q, %v", kind, lang, m.Text, err)
			}
		}
	}
}

// TestSMSWorstCase renders every SMS with the longest data it can meet and checks that it
// takes at most two parts. The texts are logged: go test -v -run SMSWorstCase.
func TestSMSWorstCase(t *testing.T) {
	tpl := loadTemplates(t)
	dir, err := postal.Load()
	if err != nil {
		t.Fatal(err)
	}
	division := ""
	for _, d := range dir.Divisions() {
		if utf8.RuneCountInString(d.Name) > utf8.RuneCountInString(division) {
			division = d.Name
		}
	}
	t.Logf("longest Division: %q (%d characters)", division, utf8.RuneCountInString(division))
	remarks := map[string]string{
		"English remarks":                "Customer not at home on 2 visits; call before the next visit",
		"Hindi remarks":                  "ग्राहक दो बार घर पर नहीं मिले, अगली बार आने से पहले फोन करें",
		"remarks with [extension] chars": "Pay {fees} at [counter] ~ 5 | ask for ^ the €5 form, no \\ fe",
		"long remarks":                   strings.Repeat("The Division writes far more than an SMS can carry. ", 5),
	}
	for name, r := range remarks {
		if name != "long remarks" && utf8.RuneCountInString(r) != 60 {
			t.Fatalf("%s are %d characters, want 60", name, utf8.RuneCountInString(r))
		}
	}
	for _, kind := range Kinds {
		for _, lang := range Languages {
			worst := SMS{}
			for _, svc := range services {
				for _, status := range allStatuses {
					for name, r := range remarks {
						m, err := tpl.SMS(kind, lang, Data{
							Reference: "DS7KQ4M9XP3C", Service: svc, Division: division, Status: status,
							Remarks: r, At: time.Date(2026, 11, 27, 12, 0, 0, 0, request.IST),
							TrackURL: "https://doorstep.indiapost.gov.in/track", Code: "482913",
						})
						if err != nil {
							t.Fatal(err)
						}
						if m.Segments > 2 {
							t.Errorf("%s/%s with %s is %d %s segments (%d characters): %q", kind, lang, name, m.Segments, m.Encoding, utf8.RuneCountInString(m.Text), m.Text)
						}
						if units(m) > units(worst) {
							worst = m
						}
					}
				}
			}
			t.Logf("%s/%s worst case: %d %s units, %d segment(s): %s", kind, lang, units(worst), worst.Encoding, worst.Segments, worst.Text)
		}
	}
}

// units is the size of an SMS in its encoding's units.
func units(m SMS) int {
	n := 0
	for _, r := range m.Text {
		if m.Encoding == GSM7 {
			n += gsmSeptets(r)
		} else {
			n += ucs2Units(r)
		}
	}
	return n
}

func TestSMSRemarksAreCutAndFolded(t *testing.T) {
	tpl := loadTemplates(t)
	d := sampleData()
	d.Remarks = "Parcel \u201cfragile\u201d \u2013 collected\n\nat 10\u00a0am. " + strings.Repeat("x", 100)
	m, err := tpl.SMS(KindCancelled, request.English, d)
	if err != nil {
		t.Fatal(err)
	}
	if m.Encoding != GSM7 || !strings.HasSuffix(m.Text, `Remarks: Parcel "fragile" - collected at 10 am...`) {
		t.Errorf("SMS = %q (%s)", m.Text, m.Encoding)
	}
	d.Remarks = strings.Repeat("x", 100)
	m, _ = tpl.SMS(KindCancelled, request.English, d)
	if want := "Remarks: " + strings.Repeat("x", SMSRemarksMax-3) + "..."; !strings.HasSuffix(m.Text, want) {
		t.Errorf("SMS = %q, want it to end with %q", m.Text, want)
	}
}

// Remarks in Devanagari make an English SMS UCS-2 (67 units a part instead of 153 septets):
// they are cut further so that the SMS still takes two parts.
func TestSMSRemarksInAnotherScript(t *testing.T) {
	tpl := loadTemplates(t)
	d := sampleData()
	d.Division = "Gautam Buddha Nagar Division office"
	d.Remarks = "ग्राहक दो बार घर पर नहीं मिले, अगली बार आने से पहले फोन करें"
	m, err := tpl.SMS(KindCompleted, request.English, d)
	if err != nil {
		t.Fatal(err)
	}
	if m.Encoding != UCS2 || m.Segments != 2 || !strings.HasSuffix(m.Text, ": ग्राहक दो...") {
		t.Errorf("SMS = %q: %s, %d segments", m.Text, m.Encoding, m.Segments)
	}
	t.Logf("%d units: %s", units(m), m.Text)
}

func TestEveryEmail(t *testing.T) {
	tpl := loadTemplates(t)
	d := sampleData()
	d.Remarks = "Collected by <b>x</b> & \"sealed\""
	for _, kind := range Kinds {
		want := kind == KindSubmitted || kind == KindCompleted || kind == KindNotServiceable
		if tpl.HasEmail(kind) != want {
			t.Errorf("HasEmail(%s) = %v", kind, !want)
		}
		for _, lang := range Languages {
			m, err := tpl.Email(kind, lang, d)
			if !want {
				if !errors.Is(err, ErrNoTemplate) {
					t.Errorf("Email(%s, %s): error %v, want ErrNoTemplate", kind, lang, err)
				}
				continue
			}
			if err != nil {
				t.Errorf("%s/%s: %v", kind, lang, err)
				continue
			}
			for part, s := range map[string]string{"subject": m.Subject, "text": m.Text, "html": m.HTML} {
				if !strings.Contains(s, "DS-7KQ4M-9XP3C") {
					t.Errorf("%s/%s %s lacks the reference: %q", kind, lang, part, s)
				}
				if hasDevanagari(s) != (lang == request.Hindi) {
					t.Errorf("%s/%s %s: Devanagari = %v", kind, lang, part, hasDevanagari(s))
				}
			}
			if strings.ContainsAny(m.Subject, "\r\n") {
				t.Errorf("%s/%s subject has a line break: %q", kind, lang, m.Subject)
			}
			if !strings.Contains(m.HTML, `<html lang="`+string(lang)+`">`) || !strings.Contains(m.HTML, "<title>"+htmlEscape(m.Subject)+"</title>") {
				t.Errorf("%s/%s HTML head: %s", kind, lang, m.HTML)
			}
			if kind == KindSubmitted {
				if !strings.Contains(m.Text, d.TrackURL) || !strings.Contains(m.HTML, `href="`+d.TrackURL+`"`) || !strings.Contains(m.Text, d.Division) {
					t.Errorf("%s/%s lacks the tracking URL or Division:\n%s\n%s", kind, lang, m.Text, m.HTML)
				}
				continue
			}
			if !strings.Contains(m.Text, d.Remarks) {
				t.Errorf("%s/%s text lacks the remarks as written:\n%s", kind, lang, m.Text)
			}
			if strings.Contains(m.HTML, "<b>x</b>") || !strings.Contains(m.HTML, "Collected by &lt;b&gt;x&lt;/b&gt; &amp; &#34;sealed&#34;") {
				t.Errorf("%s/%s HTML does not escape the remarks:\n%s", kind, lang, m.HTML)
			}
			if !strings.Contains(m.Text, "27 Nov 2026") && kind == KindCompleted {
				t.Errorf("%s/%s lacks the date:\n%s", kind, lang, m.Text)
			}
		}
	}
	hi, _ := tpl.Email(KindSubmitted, request.Hindi, d)
	if hi.Subject != "आपका Doorstep अनुरोध DS-7KQ4M-9XP3C दर्ज हो गया है" || !strings.Contains(hi.Text, "स्पीड पोस्ट, रजिस्टर्ड या पार्सल की बुकिंग") {
		t.Errorf("Hindi e-mail: %q\n%s", hi.Subject, hi.Text)
	}
	// The layout around the content speaks the e-mail's language too.
	en, _ := tpl.Email(KindSubmitted, request.English, d)
	if !strings.Contains(hi.HTML, "भारतीय डाक") || !strings.Contains(hi.HTML, "यह एक स्वचालित संदेश है") || strings.Contains(hi.HTML, "India Post") {
		t.Errorf("Hindi e-mail's layout:\n%s", hi.HTML)
	}
	if !strings.Contains(en.HTML, "India Post") || !strings.Contains(en.HTML, "This is an automated message") {
		t.Errorf("English e-mail's layout:\n%s", en.HTML)
	}
}

func htmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestHTMLRefusesScriptURL(t *testing.T) {
	tpl := loadTemplates(t)
	d := sampleData()
	d.TrackURL = "javascript:alert(1)"
	m, err := tpl.Email(KindSubmitted, request.English, d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, `href="javascript:`) {
		t.Errorf("script URL in a link:\n%s", m.HTML)
	}
}

func TestMissingData(t *testing.T) {
	tpl := loadTemplates(t)
	cases := []struct {
		kind Kind
		d    Data
		want string
	}{
		{KindSubmitted, Data{Reference: "DS7KQ4M9XP3C"}, "Service and Division and TrackURL"},
		{KindStatusChanged, Data{}, "Reference and Status"},
		{KindCompleted, Data{Reference: "DS7KQ4M9XP3C"}, "At"},
		{KindOTP, Data{Reference: "DS7KQ4M9XP3C"}, "Code"},
	}
	for _, c := range cases {
		_, err := tpl.SMS(c.kind, request.English, c.d)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SMS(%s) with %+v: error %v, want one naming %s", c.kind, c.d, err, c.want)
		}
	}
	if _, err := tpl.SMS(KindSubmitted, "ta", sampleData()); !errors.Is(err, ErrNoTemplate) {
		t.Errorf("SMS in Tamil: %v, want ErrNoTemplate", err)
	}
}

func TestDatesAreIST(t *testing.T) {
	tpl := loadTemplates(t)
	d := sampleData()
	d.At = time.Date(2026, 3, 4, 18, 31, 0, 0, time.UTC) // 5 Mar 00:01 in IST
	for _, lang := range Languages {
		m, err := tpl.SMS(KindCompleted, lang, d)
		if err != nil || !strings.Contains(m.Text, " 5 Mar 2026") {
			t.Errorf("%s: %q, %v", lang, m.Text, err)
		}
	}
}
