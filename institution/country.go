package institution

import "strings"

// iso3166 holds the 249 officially assigned ISO 3166-1 alpha-2 codes.
// User-assigned and reserved codes (XK, EU, UN, ZZ…) are not countries
// here: an institution's country must be one everyone agrees on.
const iso3166 = "" +
	"AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ " +
	"BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ " +
	"CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ " +
	"DE DJ DK DM DO DZ " +
	"EC EE EG EH ER ES ET " +
	"FI FJ FK FM FO FR " +
	"GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY " +
	"HK HM HN HR HT HU " +
	"ID IE IL IM IN IO IQ IR IS IT " +
	"JE JM JO JP " +
	"KE KG KH KI KM KN KP KR KW KY KZ " +
	"LA LB LC LI LK LR LS LT LU LV LY " +
	"MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ " +
	"NA NC NE NF NG NI NL NO NP NR NU NZ " +
	"OM " +
	"PA PE PF PG PH PK PL PM PN PR PS PT PW PY " +
	"QA " +
	"RE RO RS RU RW " +
	"SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ " +
	"TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ " +
	"UA UG UM US UY UZ " +
	"VA VC VE VG VI VN VU " +
	"WF WS " +
	"YE YT " +
	"ZA ZM ZW"

var countries = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(iso3166) {
		m[c] = true
	}
	return m
}()

// ValidCountry reports whether code is an assigned ISO 3166-1 alpha-2 code
// (upper case, as stored).
func ValidCountry(code string) bool { return countries[code] }

// UserAssigned reports whether code is one of the ISO 3166-1 alpha-2
// codes reserved for user assignment (AA, QM–QZ, XA–XZ, ZZ), which no
// country will ever have: fictional institutions (the demo registry) use
// them, so that no invented institution is pinned on a real country.
// XK is excluded: it is widely used for Kosovo.
func UserAssigned(code string) bool {
	if len(code) != 2 || code == "XK" {
		return false
	}
	switch a, b := code[0], code[1]; {
	case code == "AA", code == "ZZ":
		return true
	case a == 'Q':
		return b >= 'M' && b <= 'Z'
	case a == 'X':
		return b >= 'A' && b <= 'Z'
	}
	return false
}

// Countries returns the number of known country codes (249).
func Countries() int { return len(countries) }
