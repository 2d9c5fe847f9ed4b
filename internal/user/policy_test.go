package user

import (
	"regexp"
	"testing"
)

func TestPasswordPolicy(t *testing.T) {
	p := PasswordPolicy{MinLength: 10, Pattern: regexp.MustCompile(`[0-9]`), PatternMessage: "passwords must contain a digit",
		ForbidUsername: true}
	tests := []struct{ user, pw, want string }{
		{"joe", "short1", "passwords must be at least [10] characters long"},
		{"joe", "no digits here", "passwords must contain a digit"},
		{"joe", "xxJOE-2024xx", "passwords must not contain the username"},
		{"joe", "correct horse 9", ""},
	}
	for _, tt := range tests {
		err := p.Check(tt.user, tt.pw)
		if (err == nil && tt.want != "") || (err != nil && err.Error() != tt.want) {
			t.Errorf("Check(%q, %q) = %v, want %q", tt.user, tt.pw, err, tt.want)
		}
	}
	if err := DefaultPolicy().Check("joe", "joe123"); err != nil {
		t.Errorf("the default policy is Elasticsearch's length rule only: %v", err)
	}
}
