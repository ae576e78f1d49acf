package loadtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/doorstep-post/doorstep/internal/postal"
)

// submission is one generated request body (the API's NewRequest) and what the answer to it
// should show.
type submission struct {
	Name     string `json:"name"`
	Address  string `json:"address"`
	Pincode  string `json:"pincode"`
	Email    string `json:"email"`
	Mobile   string `json:"mobile"` // as a person might type it
	Service  string `json:"service"`
	Details  string `json:"details,omitempty"`
	Language string `json:"language"`

	mobile10 string      // the mobile's 10 digits, for tracking by mobile
	area     postal.Area // the directory's answer for Pincode
}

// generator makes realistic, valid submissions: real pincodes, Indian names in English and
// Devanagari script, mobiles of 10 digits starting 6-9, addresses with house, street and
// locality. E-mail addresses are on the example.* domains reserved for such use.
type generator struct {
	dir      *postal.Directory
	pincodes []string
	services []string
}

var (
	firstNames = []string{"Asha", "Rahul", "Priya", "Amit", "Sunita", "Vikram", "Anjali", "Rajesh", "Kavita",
		"Suresh", "Meera", "Arjun", "Deepa", "Sanjay", "Pooja", "Ravi", "Lakshmi", "Mohan", "Fatima", "Imran",
		"Joseph", "Mary", "Gurpreet", "Harpreet", "Venkatesh", "Sreeja", "Anil", "Nandini", "Farhan", "Zoya",
		"Bhavna", "Kiran", "Sandeep", "Geeta", "Abdul", "Shabana", "Thomas", "Aruna", "Prakash", "Rekha"}
	lastNames = []string{"Sharma", "Verma", "Singh", "Kumar", "Patel", "Reddy", "Nair", "Iyer", "Das", "Gupta",
		"Khan", "D'Souza", "Banerjee", "Chatterjee", "Pillai", "Rao", "Yadav", "Mehta", "Joshi", "Kaur", "Naidu",
		"Sen", "Bose", "Menon", "Thomas", "Ali", "Mukherjee", "Devi", "Prasad", "Fernandes", "Sheikh", "Gowda"}
	firstNamesHi = []string{"आशा", "राहुल", "प्रिया", "अमित", "सुनीता", "विक्रम", "अंजलि", "राजेश", "कविता",
		"सुरेश", "मीरा", "अर्जुन", "दीपा", "संजय", "पूजा", "रवि", "लक्ष्मी", "मोहन", "गीता", "रामकिशन"}
	lastNamesHi = []string{"शर्मा", "वर्मा", "सिंह", "कुमार", "पटेल", "गुप्ता", "यादव", "मेहता", "जोशी", "देवी",
		"प्रसाद", "मिश्रा", "तिवारी", "पांडेय", "चौहान"}

	houses = []string{"%d", "H.No. %d", "House No. %d", "Flat %d, Sai Residency", "Plot %d", "Door No. %d/4",
		"H.No. 4-5-%d", "Qtr. No. %d, Railway Colony", "%d, Ground Floor"}
	streets = []string{"Gandhi Road", "MG Road", "Station Road", "Nehru Street", "Temple Street", "Main Bazaar Road",
		"2nd Cross, 4th Main", "Church Lane", "Shivaji Marg", "Rajaji Salai", "Subhash Chandra Bose Marg",
		"Mall Road", "Ring Road", "Canal Road", "Hospital Road"}
	localities = []string{"Sector 15", "Indira Nagar", "Shanti Colony", "Model Town", "Civil Lines", "Ward 7",
		"Ashok Vihar", "Kalyan Nagar", "Old Town", "Rampur Village", "Gandhi Nagar", "Housing Board Colony",
		"Lajpat Nagar", "Anna Nagar", "Salt Lake"}
	landmarks = []string{"Near Post Office", "Opp. Government School", "Behind Hanuman Temple",
		"Near Bus Stand", "Next to Panchayat Office", "Near Water Tank"}
	housesHi     = []string{"मकान नं. %d", "प्लॉट %d", "फ्लैट %d"}
	streetsHi    = []string{"गांधी मार्ग", "स्टेशन रोड", "नेहरू मार्ग", "मंदिर वाली गली", "बाज़ार रोड"}
	localitiesHi = []string{"शिवाजी नगर", "सेक्टर 15", "राम नगर", "पुरानी बस्ती", "इंदिरा कॉलोनी"}
	landmarksHi  = []string{"डाकघर के पास", "सरकारी स्कूल के सामने", "बस अड्डे के पास"}

	details = []string{"Need Rs. 2,000 cash at home.", "Please collect a parcel of about 2 kg.",
		"Premium for my PLI policy is due this month.", "Morning time preferred.", "Elderly person at home; please call before coming.",
		"Deposit in my Sukanya Samriddhi account.", "Balance enquiry and mini statement."}
	detailsHi = []string{"सुबह के समय आएँ।", "घर पर 5,000 रुपये नकद चाहिए।", "आने से पहले फ़ोन करें।"}

	emailDomains = []string{"example.com", "example.in", "example.org", "example.net"}
)

func pick[T any](rng *mrand.Rand, list []T) T { return list[rng.IntN(len(list))] }

// next makes one submission.
func (g *generator) next(rng *mrand.Rand) submission {
	pincode := pick(rng, g.pincodes)
	area, _ := g.dir.Lookup(pincode)
	hindi := rng.IntN(100) < 30
	s := submission{Pincode: pincode, Service: pick(rng, g.services), area: area, Language: "en"}

	if hindi {
		s.Name = pick(rng, firstNamesHi) + " " + pick(rng, lastNamesHi)
		s.Address = address(rng, housesHi, streetsHi, localitiesHi, landmarksHi, area.District)
		if rng.IntN(100) < 80 {
			s.Language = "hi"
		}
		s.Email = fmt.Sprintf("user%d@%s", 100+rng.IntN(900000), pick(rng, emailDomains))
	} else {
		first, last := pick(rng, firstNames), pick(rng, lastNames)
		switch rng.IntN(10) {
		case 0:
			s.Name = first[:1] + ". " + last // "R. Sharma"
		case 1:
			s.Name = first + " " + pick(rng, firstNames) + " " + last
		default:
			s.Name = first + " " + last
		}
		s.Address = address(rng, houses, streets, localities, landmarks, area.District)
		if rng.IntN(100) < 15 {
			s.Language = "hi"
		}
		local := strings.ToLower(strings.NewReplacer("'", "", ".", "", " ", ".").Replace(first + " " + last))
		s.Email = fmt.Sprintf("%s%d@%s", local, rng.IntN(1000), pick(rng, emailDomains))
	}
	if rng.IntN(2) == 0 {
		if s.Language == "hi" && rng.IntN(2) == 0 {
			s.Details = pick(rng, detailsHi)
		} else {
			s.Details = pick(rng, details)
		}
	}

	// 4 x 10^9 possible numbers: the 24-hour duplicate rule (same mobile, service and pincode)
	// almost never applies by chance.
	s.mobile10 = fmt.Sprintf("%d%09d", 6+rng.IntN(4), rng.IntN(1_000_000_000))
	switch rng.IntN(10) {
	case 0:
		s.Mobile = "+91 " + s.mobile10[:5] + " " + s.mobile10[5:]
	case 1:
		s.Mobile = "0" + s.mobile10
	default:
		s.Mobile = s.mobile10
	}
	return s
}

// address is "house, street, locality, District", sometimes with a landmark on a second line.
func address(rng *mrand.Rand, houses, streets, localities, landmarks []string, district string) string {
	a := fmt.Sprintf(pick(rng, houses), 1+rng.IntN(400)) + ", " + pick(rng, streets) + ", " + pick(rng, localities)
	if district != "" {
		a += ", " + titleCase(district)
	}
	if rng.IntN(3) == 0 {
		a += "\n" + pick(rng, landmarks)
	}
	return a
}

// titleCase turns the directory's "NORTH GOA" into "North Goa".
func titleCase(s string) string {
	words := strings.Fields(strings.ToLower(s))
	for i, w := range words {
		r, size := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[size:]
	}
	return strings.Join(words, " ")
}

// idempotencyKey is a random version 4 UUID. It comes from crypto/rand, not the seeded
// generator: a rerun with the same --seed must not replay earlier answers.
func idempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}
