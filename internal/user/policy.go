package user

import (
	"fmt"
	"regexp"
	"strings"
	"unicode/utf16"
)

// PasswordPolicy is esauth's opt-in password policy (beyond Elasticsearch,
// whose only rule is the minimum length). It applies to clear-text
// passwords; a password_hash cannot be checked and bypasses it.
type PasswordPolicy struct {
	MinLength int            // in Java chars, like Elasticsearch; 6 by default
	Pattern   *regexp.Regexp // nil: no pattern required
	// PatternMessage explains the pattern to users when it is not matched.
	PatternMessage string
	// ForbidUsername rejects passwords equal to or containing the username
	// (case-insensitive).
	ForbidUsername bool
}

// DefaultPolicy is Elasticsearch's rule alone.
func DefaultPolicy() PasswordPolicy { return PasswordPolicy{MinLength: MinPasswordLength} }

// Check returns the first rule password breaks, or nil.
func (p PasswordPolicy) Check(username, password string) error {
	if len(utf16.Encode([]rune(password))) < p.MinLength {
		return fmt.Errorf("passwords must be at least [%d] characters long", p.MinLength)
	}
	if p.Pattern != nil && !p.Pattern.MatchString(password) {
		return fmt.Errorf("%s", p.PatternMessage)
	}
	if p.ForbidUsername && username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		return fmt.Errorf("passwords must not contain the username")
	}
	return nil
}
