package user

import "unicode"

// PasswordScore rates a password from 0 to 4 for the web page's meter,
// on the server so that the meter and the policy never disagree:
//
//   - 0: the policy refuses it (valid is false);
//   - otherwise 1, plus one for 12 characters or more, one more for 16 or
//     more, and one for using at least three of the four classes (lower
//     case, upper case, digits, anything else), at most 4;
//   - a password of fewer than 5 distinct characters scores at most 1.
//
// Lengths are counted as the policy counts them (PasswordLength). There
// is no list of common passwords: the repository holds none.
func PasswordScore(password string, valid bool) int {
	if !valid {
		return 0
	}
	n := PasswordLength(password)
	score := 1
	if n >= 12 {
		score++
	}
	if n >= 16 {
		score++
	}
	var lower, upper, digit, other bool
	distinct := map[rune]bool{}
	for _, r := range password {
		distinct[r] = true
		switch {
		case unicode.IsLower(r):
			lower = true
		case unicode.IsUpper(r):
			upper = true
		case unicode.IsDigit(r):
			digit = true
		default:
			other = true
		}
	}
	classes := 0
	for _, b := range []bool{lower, upper, digit, other} {
		if b {
			classes++
		}
	}
	if classes >= 3 {
		score++
	}
	if len(distinct) < 5 {
		score = 1
	}
	return min(score, 4)
}
