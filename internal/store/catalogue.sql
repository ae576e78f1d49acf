-- The catalogue's first services, the same on every backend: the first migration of each
-- puts this statement where its marker line stands (store.Migrations).
-- The doorstep services of India Post's COVID-19 Service Request. Codes are stable: the API
-- and stored requests use them.
INSERT INTO services (code, name, name_hi, description, description_hi, sort_order) VALUES
('article_booking', 'Booking of Speed Post, registered or parcel articles', 'स्पीड पोस्ट, रजिस्टर्ड या पार्सल की बुकिंग',
 'A postman collects your article from your door and books it.', 'डाकिया आपके घर से वस्तु लेकर उसकी बुकिंग करेगा।', 10),
('article_delivery', 'Delivery of articles held at the post office', 'डाकघर में रखी डाक वस्तुओं की डिलीवरी',
 'Letters or parcels waiting for you at the post office are brought to your door.', 'डाकघर में आपके लिए रखे पत्र या पार्सल आपके घर पहुँचाए जाएँगे।', 20),
('emoney_order', 'e-Money Order', 'ई-मनी ऑर्डर',
 'Send a money order from your doorstep.', 'अपने घर से मनी ऑर्डर भेजें।', 30),
('aeps_cash', 'Cash withdrawal at the doorstep (AePS, up to Rs 10,000)', 'घर पर नकद निकासी (AePS, ₹10,000 तक)',
 'Withdraw up to Rs 10,000 from any Aadhaar-linked bank account through India Post Payments Bank.', 'इंडिया पोस्ट पेमेंट्स बैंक के माध्यम से किसी भी आधार-लिंक्ड बैंक खाते से ₹10,000 तक निकालें।', 40),
('ippb_other', 'Other India Post Payments Bank services', 'इंडिया पोस्ट पेमेंट्स बैंक की अन्य सेवाएँ',
 'Account opening, deposits, bill payments and other IPPB services.', 'खाता खोलना, जमा, बिल भुगतान और आईपीपीबी की अन्य सेवाएँ।', 50),
('pli_premium', 'Postal Life Insurance / Rural PLI premium', 'डाक जीवन बीमा / ग्रामीण डाक जीवन बीमा प्रीमियम',
 'Pay your PLI or RPLI premium at home.', 'अपना पीएलआई या आरपीएलआई प्रीमियम घर पर जमा करें।', 60),
('small_savings', 'Post Office small savings deposits', 'डाकघर लघु बचत योजनाओं में जमा',
 'Deposits into savings accounts, RD, PPF, Sukanya Samriddhi and other schemes.', 'बचत खाता, आरडी, पीपीएफ, सुकन्या समृद्धि और अन्य योजनाओं में जमा।', 70);
