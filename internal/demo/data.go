package demo

// The made-up people, places and words of the demo. Localities are those of real pincodes of
// the two Divisions (each is checked against the directory before use); names are common in
// Bengaluru; e-mail addresses are on the example.* domains reserved for such use.

// localities names the area of each pincode the demo uses, by Division.
var localities = map[string]map[string]string{
	"Bengaluru East Division": {
		"560005": "Frazer Town", "560007": "Agram", "560008": "HAL II Stage", "560016": "Ramamurthy Nagar",
		"560017": "Vimanapura", "560024": "Hebbal", "560025": "Richmond Town", "560032": "R T Nagar",
		"560033": "Maruthi Sevanagar", "560036": "K R Puram", "560037": "Marathahalli", "560038": "Indiranagar",
		"560043": "Banaswadi", "560045": "Nagawara", "560047": "Austin Town", "560048": "Mahadevapura",
		"560064": "Yelahanka", "560066": "Whitefield", "560067": "Kadugodi", "560071": "Domlur",
		"560075": "New Thippasandra", "560077": "Kothanur", "560084": "St Thomas Town", "560087": "Varthur",
		"560092": "Sahakaranagar", "560093": "C V Raman Nagar", "560094": "Sanjaynagar", "560103": "Bellandur",
	},
	"Bengaluru South Division": {
		"560004": "Basavanagudi", "560011": "Jayanagar", "560018": "Chamarajpet", "560027": "Wilson Garden",
		"560030": "Adugodi", "560034": "Koramangala", "560035": "Carmelaram", "560041": "Jayanagar East",
		"560050": "Banashankari", "560053": "Chickpet", "560056": "Jnanabharathi", "560060": "Kengeri",
		"560061": "Subramanyapura", "560062": "Konanakunte", "560068": "Bommanahalli", "560070": "Banashankari II Stage",
		"560076": "Bannerghatta Road", "560078": "J P Nagar", "560085": "Banashankari III Stage", "560095": "Koramangala VI Block",
		"560098": "Rajarajeshwari Nagar", "560100": "Electronic City", "560102": "HSR Layout", "560111": "Kumaraswamy Layout",
	},
}

// postmen of each Division, to whom requests are assigned.
var postmen = map[string][]string{
	"Bengaluru East Division":  {"Manjunath K", "Ravi Kumar S", "Shivanna B", "Mohammed Rafiq", "Lokesh N", "Sunitha M"},
	"Bengaluru South Division": {"Nagaraju H", "Venkatesh R", "Kavitha G", "Prakash M", "Syed Imran", "Chandrashekar T"},
}

var (
	// people are given names and surnames that go together, by how common they are in
	// Bengaluru: a "Fathima Hegde" would look made up.
	people = []struct {
		weight          int
		given, surnames []string
	}{
		{50, []string{"Manjunath", "Lakshmi", "Shivakumar", "Savitha", "Ravi", "Nagaraj", "Kavya", "Suresh", "Prakash",
			"Geetha", "Ramesh", "Shwetha", "Anil", "Deepa", "Mohan", "Pooja", "Raghavendra", "Asha", "Vinay", "Basavaraj",
			"Rekha", "Girish", "Bhavya", "Chandrashekar", "Padma", "Harish", "Divya", "Keerthi", "Yashodha", "Naveen",
			"Shobha", "Pradeep", "Hema", "Nandini", "Sharada", "Srinivas", "Anitha"},
			[]string{"Gowda", "Shetty", "Rao", "Hegde", "Nayak", "Murthy", "Patil", "Naik", "Bhat", "Kulkarni", "Prasad",
				"Acharya", "Swamy", "Shastry", "Raju", "Babu", "Reddy"}},
		{12, []string{"Venkatesh", "Lakshmi", "Srinivasan", "Meenakshi", "Ramesh", "Priya", "Karthik", "Janaki", "Suresh", "Vidya"},
			[]string{"Iyer", "Iyengar", "Menon", "Nair", "Pillai", "Reddy", "Naidu"}},
		{15, []string{"Mohammed", "Ayesha", "Syed", "Fathima", "Imran", "Sameera", "Abdul", "Rizwana", "Irfan", "Nazia"},
			[]string{"Khan", "Pasha", "Ahmed", "Sheikh", "Shariff", "Baig"}},
		{8, []string{"Joseph", "Mary", "Anthony", "Stella", "Francis", "Priya", "Vincent", "Lavina"},
			[]string{"D'Souza", "Fernandes", "Pinto", "Lobo", "Rodrigues", "Mathew"}},
	}
	// Customers who chose Hindi messages, some with their name in Devanagari, and the start
	// of their e-mail address.
	hindiNames = []struct{ name, email string }{
		{"राकेश शर्मा", "rakesh.sharma"}, {"सुनीता देवी", "sunita.devi"}, {"अमित कुमार", "amit.kumar"},
		{"प्रिया गुप्ता", "priya.gupta"}, {"रामकिशन यादव", "ramkishan.yadav"}, {"मीना अग्रवाल", "meena.agarwal"},
		{"संजय मिश्रा", "sanjay.mishra"}, {"कविता जैन", "kavita.jain"}, {"Anjali Verma", "anjali.verma"},
		{"Manoj Tiwari", "manoj.tiwari"}, {"Vikas Pandey", "vikas.pandey"}, {"Neha Srivastava", "neha.srivastava"},
		{"Dinesh Chauhan", "dinesh.chauhan"}, {"Seema Jain", "seema.jain"},
	}

	houses      = []string{"No. %d", "#%d", "Flat %d, Sai Krupa Apartments", "Flat %d, Nandi Enclave", "House No. %d", "%d, First Floor", "Door No. %d/1"}
	streets     = []string{"3rd Cross, 5th Main", "8th Main Road", "1st A Cross", "Temple Street", "Church Road", "12th Cross, 2nd Stage", "Old Airport Road", "Ring Road", "4th Block, 9th Main", "Ganesha Temple Road", "Water Tank Road", "Service Road"}
	landmarks   = []string{"Near Ganesha Temple", "Opp. BBMP School", "Behind Government Hospital", "Near Bus Stop", "Next to Nandini Milk Booth", "Near Ration Shop"}
	mailDomains = []string{"example.com", "example.net", "example.org"}
)

// details are what customers of each service typically add.
var details = map[string][]string{
	"aeps_cash": {"Need Rs 5,000 cash; Aadhaar is linked to my Canara Bank account.", "My mother is 82 and cannot go to the bank. Rs 3,000 please.",
		"Withdrawal of Rs 10,000 for hospital expenses.", "Please come after 11 am."},
	"article_booking": {"Two Speed Post parcels to Mumbai, about 1.5 kg each.", "Registered letter with documents to Hubballi.",
		"Parcel of books to Chennai, packed and ready.", "Speed Post to Delhi, passport documents."},
	"article_delivery": {"Intimation slip left on Monday; I was at work.", "Parcel from Amazon held at the post office.",
		"Registered letter from the Income Tax department held at the post office."},
	"emoney_order": {"Rs 2,500 to my son in Mysuru.", "Monthly money order of Rs 4,000 to my parents in Davanagere."},
	"ippb_other":   {"Open an IPPB savings account.", "Link Aadhaar to my IPPB account.", "Update mobile number in IPPB account."},
	"pli_premium":  {"Quarterly premium of my PLI policy.", "RPLI premium due this month; policy papers ready."},
	"small_savings": {"RD instalment for this month.", "Sukanya Samriddhi deposit for my daughter.", "Open a new Senior Citizens Savings Scheme account.",
		"Deposit in my PPF account."},
}

// serviceWeights say how often each service is asked for: cash at home and booking most.
var serviceWeights = map[string]int{
	"aeps_cash": 30, "article_booking": 20, "small_savings": 12, "pli_premium": 12,
	"emoney_order": 10, "article_delivery": 10, "ippb_other": 6,
}
