package user

import (
	"errors"
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
	if problems := p.Problems(username, password); len(problems) > 0 {
		return errors.New(problems[0])
	}
	return nil
}

// Problems returns the message of every rule password breaks, in the
// order Check tries them: the first is the one put user and change
// password report.
func (p PasswordPolicy) Problems(username, password string) []string {
	var out []string
	if PasswordLength(password) < p.MinLength {
		out = append(out, fmt.Sprintf("passwords must be at least [%d] characters long", p.MinLength))
	}
	if p.Pattern != nil && !p.Pattern.MatchString(password) {
		out = append(out, p.PatternMessage)
	}
	if p.ForbidUsername && username != "" && strings.Contains(strings.ToLower(password), strings.ToLower(username)) {
		out = append(out, "passwords must not contain the username")
	}
	return out
}

// PasswordLength is a password's length as Elasticsearch counts it, in
// Java chars (UTF-16 code units).
func PasswordLength(password string) int { return len(utf16.Encode([]rune(password))) }
