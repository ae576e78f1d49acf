package notify

import (
	"strings"
	"unicode/utf8"
)

// The GSM 03.38 default alphabet (without the escape code) and its extension table, whose
// characters take two septets: the escape and the character.
const (
	gsmBasic     = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
	gsmExtension = "\f^{}\\[~]|€"
)

// Sizes of an SMS: a single message, and each part of a concatenated one (the rest of a part
// holds the concatenation header).
const (
	gsmSingle, gsmPart   = 160, 153 // septets
	ucs2Single, ucs2Part = 70, 67   // UTF-16 code units
)

// gsmSeptets is the number of septets a rune takes in GSM-7: 1, 2 or 0 when it has none.
func gsmSeptets(r rune) int {
	if r < rune(len(gsmSizes)) {
		return int(gsmSizes[r])
	}
	if r == '€' { // the only one beyond the table
		return 2
	}
	return 0
}

// gsmSizes is gsmSeptets for the runes below U+0400 (Latin and Greek), looked up rather than
// searched for: counting was a tenth of a message's rendering time.
var gsmSizes = func() (sizes [0x400]uint8) {
	for _, r := range gsmBasic {
		sizes[r] = 1
	}
	for _, r := range gsmExtension {
		if r < rune(len(sizes)) {
			sizes[r] = 2
		}
	}
	return sizes
}()

// ucs2Units is the number of UTF-16 code units a rune takes: 2 for a surrogate pair.
func ucs2Units(r rune) int {
	if r >= 0x10000 && r <= utf8.MaxRune {
		return 2
	}
	return 1
}

// Segments says how text travels as SMS: GSM-7 when every character is in the GSM 03.38
// alphabet or its extension table (whose characters count twice), in one message of up to
// 160 septets or parts of 153; otherwise UCS-2, in one message of up to 70 UTF-16 code units
// or parts of 67. As phones and gateways do, a character is never split between two parts:
// an extension character or a surrogate pair that does not fit starts the next part.
// An empty text is one (empty) message.
func Segments(text string) (encoding string, segments int) {
	gsm := true
	for _, r := range text {
		if gsmSeptets(r) == 0 {
			gsm = false
			break
		}
	}
	if gsm {
		return GSM7, count(text, gsmSeptets, gsmSingle, gsmPart)
	}
	return UCS2, count(text, ucs2Units, ucs2Single, ucs2Part)
}

// count packs the characters of text, each of size(r) units, into messages.
func count(text string, size func(rune) int, single, part int) int {
	total := 0
	for _, r := range text {
		total += size(r)
	}
	if total <= single {
		return 1
	}
	parts, used := 1, 0
	for _, r := range text {
		n := size(r)
		if used+n > part {
			parts, used = parts+1, 0
		}
		used += n
	}
	return parts
}

// gsmFold replaces typographic characters that have a plain GSM equivalent (curly quotes,
// dashes, the ellipsis, special spaces, the rupee sign) so that one such character, typed
// by a Division into its remarks, does not turn an English SMS into UCS-2 and more than
// double its cost. Text outside the GSM alphabet otherwise is left as it is.
var gsmFold = strings.NewReplacer(
	"\u2018", "'", "\u2019", "'", "\u201a", "'", "\u201b", "'", "\u2032", "'", "\u00b4", "'", "`", "'",
	"\u201c", `"`, "\u201d", `"`, "\u201e", `"`, "\u2033", `"`, "\u00ab", `"`, "\u00bb", `"`,
	"\u2010", "-", "\u2011", "-", "\u2012", "-", "\u2013", "-", "\u2014", "-", "\u2015", "-", "\u2212", "-",
	"\u2026", "...", "\u2022", "*", "\u00b7", ".",
	"\u00a0", " ", "\u2002", " ", "\u2003", " ", "\u2009", " ", "\u202f", " ", "\t", " ",
	"\u20b9", "Rs ",
)
