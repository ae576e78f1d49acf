package demo

import "github.com/doorstep-post/doorstep/internal/request"

// The made-up people and places of demo data for all of India (Fill). Names go with the
// state of the customer's pincode, as a postman there would meet them: a "Gurpreet Kaur" in
// Ludhiana, a "Subrata Ghosh" in Howrah. Some customers everywhere have Muslim names.

// namePool is the given names and surnames common in some states.
type namePool struct {
	given, surnames []string
}

var (
	hindiBelt = namePool{
		[]string{"Ramesh", "Suresh", "Sunita", "Anita", "Rajesh", "Pooja", "Amit", "Neha", "Rakesh", "Kavita", "Sanjay", "Priya",
			"Manoj", "Rekha", "Vinod", "Seema", "Ajay", "Geeta", "Deepak", "Mamta", "Ravi", "Savita", "Vikas", "Anjali", "Mukesh", "Usha",
			"Ram Prasad", "Shanti", "Dinesh", "Kiran"},
		[]string{"Sharma", "Verma", "Yadav", "Singh", "Kumar", "Gupta", "Mishra", "Tiwari", "Pandey", "Chauhan", "Jain", "Agarwal",
			"Srivastava", "Meena", "Rathore", "Saxena", "Prasad", "Chaudhary", "Dubey", "Thakur"},
	}
	punjabi = namePool{
		[]string{"Gurpreet", "Harpreet", "Manpreet", "Jaspreet", "Simran", "Amrit", "Baljit", "Kulwinder", "Navdeep", "Rajinder", "Paramjit", "Sukhwinder"},
		[]string{"Singh", "Kaur", "Gill", "Sandhu", "Sidhu", "Dhillon", "Grewal", "Brar", "Bajwa"},
	}
	marathi = namePool{
		[]string{"Sachin", "Pravin", "Sunil", "Vaishali", "Swati", "Mahesh", "Ganesh", "Snehal", "Rupali", "Nitin", "Sagar", "Ashwini", "Sunanda", "Vijay"},
		[]string{"Patil", "Jadhav", "Pawar", "Shinde", "Kulkarni", "Deshmukh", "Joshi", "More", "Gaikwad", "Chavan", "Kamble", "Deshpande"},
	}
	gujarati = namePool{
		[]string{"Hitesh", "Jignesh", "Bhavesh", "Nilesh", "Hetal", "Komal", "Dipika", "Mehul", "Kiran", "Paresh", "Jayshree", "Rakesh"},
		[]string{"Patel", "Shah", "Desai", "Mehta", "Parmar", "Chauhan", "Joshi", "Trivedi", "Solanki", "Modi"},
	}
	bengali = namePool{
		[]string{"Subrata", "Soumya", "Arijit", "Rina", "Mousumi", "Debashis", "Sudipta", "Tanmoy", "Moumita", "Partha", "Sima", "Ananya"},
		[]string{"Das", "Ghosh", "Roy", "Chatterjee", "Banerjee", "Mukherjee", "Sen", "Bose", "Dutta", "Mondal", "Saha", "Paul"},
	}
	odia = namePool{
		[]string{"Pradeep", "Sasmita", "Bijay", "Manas", "Sanjukta", "Debasis", "Lipika", "Sarat", "Jyotsna", "Prakash"},
		[]string{"Mohanty", "Behera", "Sahoo", "Nayak", "Panda", "Das", "Mishra", "Pradhan", "Swain", "Rout"},
	}
	assamese = namePool{
		[]string{"Bhaskar", "Pranjal", "Dipika", "Jyoti", "Nabajit", "Rupam", "Bornali", "Hemanta", "Mridul", "Pallavi"},
		[]string{"Bora", "Gogoi", "Saikia", "Baruah", "Kalita", "Das", "Deka", "Hazarika", "Borah", "Nath"},
	}
	hills = namePool{
		[]string{"Lalthanzuala", "Zothanpuii", "Kevin", "Esther", "Wanbha", "Ibomcha", "Bidyarani", "Temjen", "Akala", "Dawa", "Pema"},
		[]string{"Lyngdoh", "Marak", "Sangma", "Singsit", "Ao", "Jamir", "Pachuau", "Ralte", "Bhutia", "Lepcha", "Tamang"},
	}
	kannada = namePool{
		[]string{"Manjunath", "Lakshmi", "Shivakumar", "Savitha", "Nagaraj", "Kavya", "Raghavendra", "Basavaraj", "Rekha", "Girish", "Bhavya", "Shobha"},
		[]string{"Gowda", "Shetty", "Rao", "Hegde", "Nayak", "Murthy", "Patil", "Bhat", "Kulkarni", "Prasad", "Swamy"},
	}
	tamil = namePool{
		[]string{"Murugan", "Selvi", "Karthik", "Lakshmi", "Senthil", "Kavitha", "Saravanan", "Meena", "Arun", "Priya", "Revathi", "Ganesan"},
		[]string{"Kumar", "Subramanian", "Raman", "Krishnan", "Natarajan", "Pillai", "Mani", "Rajan", "Velu", "Sundaram"},
	}
	malayali = namePool{
		[]string{"Anoop", "Divya", "Sreeja", "Rajeev", "Bindu", "Shaji", "Jisha", "Vinod", "Thomas", "Mary", "Suresh", "Anjana"},
		[]string{"Nair", "Menon", "Pillai", "Kurian", "Varghese", "Thomas", "Joseph", "Kutty", "Panicker", "Mathew"},
	}
	telugu = namePool{
		[]string{"Srinivas", "Lakshmi", "Venkatesh", "Padma", "Ravi", "Swathi", "Naresh", "Sravani", "Kiran", "Madhavi", "Suresh", "Anusha"},
		[]string{"Reddy", "Rao", "Naidu", "Chowdary", "Goud", "Varma", "Raju", "Babu", "Yadav", "Sastry"},
	}
	// muslimNames are met in every state, about one customer in seven.
	muslimNames = namePool{
		[]string{"Mohammed", "Ayesha", "Imran", "Fathima", "Abdul", "Nazia", "Salim", "Shabana", "Irfan", "Rubina", "Asif", "Farhana"},
		[]string{"Khan", "Ahmed", "Sheikh", "Ansari", "Qureshi", "Siddiqui", "Hussain", "Pathan", "Shaikh", "Mirza"},
	}
)

// poolOf is the names of each state as the directory spells it; a state it lacks (or none)
// takes hindiBelt.
var poolOf = map[string]*namePool{
	"PUNJAB": &punjabi, "CHANDIGARH": &punjabi,
	"MAHARASHTRA": &marathi, "GOA": &marathi,
	"GUJARAT": &gujarati, "THE DADRA AND NAGAR HAVELI AND DAMAN AND DIU": &gujarati,
	"WEST BENGAL": &bengali, "TRIPURA": &bengali, "ANDAMAN AND NICOBAR ISLANDS": &bengali,
	"ODISHA": &odia,
	"ASSAM":  &assamese, "ARUNACHAL PRADESH": &assamese,
	"MEGHALAYA": &hills, "MIZORAM": &hills, "NAGALAND": &hills, "MANIPUR": &hills, "SIKKIM": &hills,
	"KARNATAKA":  &kannada,
	"TAMIL NADU": &tamil, "PUDUCHERRY": &tamil,
	"KERALA": &malayali, "LAKSHADWEEP": &malayali,
	"ANDHRA PRADESH": &telugu, "TELANGANA": &telugu,
}

// hindiStates are where a customer chooses Hindi messages about one time in three;
// elsewhere one in thirty.
var hindiStates = map[string]bool{
	"UTTAR PRADESH": true, "BIHAR": true, "MADHYA PRADESH": true, "RAJASTHAN": true, "DELHI": true, "HARYANA": true,
	"UTTARAKHAND": true, "HIMACHAL PRADESH": true, "JHARKHAND": true, "CHHATTISGARH": true, "CHANDIGARH": true,
}

// metroCities are the eight X-class cities of the Government's house rent allowance
// classification. A pincode there serves about twice the people of the average one (Delhi
// has some 170,000 a pincode, India 73,000), and city people ask for doorstep service more
// often, online: a metro Division's pincodes weigh metroWeight times an ordinary one's.
var metroCities = []string{"Delhi", "Mumbai", "Kolkata", "Chennai", "Bengaluru", "Hyderabad", "Secunderabad", "Ahmedabad", "Pune"}

const metroWeight = 4

var (
	nationalHouses  = []string{"House No. %d", "H.No. %d", "Flat %d, Shanti Apartments", "Plot No. %d", "Door No. %d", "%d", "Quarter No. %d"}
	nationalStreets = []string{"Gandhi Road", "Station Road", "M G Road", "Nehru Nagar", "Main Bazaar", "Civil Lines", "Shivaji Nagar",
		"Ward No. 7", "Subhash Chowk", "Old Bus Stand Road", "Rajiv Colony", "Ambedkar Nagar", "Sector 4", "Temple Street",
		"Indira Colony", "Court Road", "Patel Nagar", "Hospital Road"}
	nationalLandmarks = []string{"Near Panchayat Office", "Opp. Government School", "Behind Primary Health Centre", "Near Bus Stand",
		"Next to Post Office", "Near Water Tank", "Near Hanuman Temple", "Near Masjid"}
)

// nationalOutcomes are where requests end up in a Division's normal work, had they all the
// time they need: most are served; a few linger open for weeks (the overdue ones).
var nationalOutcomes = []outcome{
	{request.StatusCompleted, 74},
	{request.StatusNotServiceable, 10},
	{request.StatusCancelled, 10},
	{request.StatusInProgress, 4},
	{request.StatusSubmitted, 2},
}
