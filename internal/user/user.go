package user

import (
	"encoding/json"
	"fmt"
)

// User is a native or built-in user as the API shows it. The password hash
// is deliberately absent: it lives only in the store's record type, so it
// cannot leak through an API response by accident.
type User struct {
	Username string          `json:"username"`
	Roles    []string        `json:"roles"`
	FullName *string         `json:"full_name"`
	Email    *string         `json:"email"`
	Metadata json.RawMessage `json:"metadata"`
	Enabled  bool            `json:"enabled"`
}

// EmptyMetadata is the metadata of a user that has none.
var EmptyMetadata = json.RawMessage(`{}`)

// MinPasswordLength is Elasticsearch's Validation.MIN_PASSWD_LENGTH.
const MinPasswordLength = 6

// MaxNameLength is the longest native user or role name (8.3+: the store
// document id "user-<name>" must fit in 512 bytes).
const MaxNameLength = 507

// MaxFileNameLength is the longest name the file realm accepts.
const MaxFileNameLength = 1024

// ValidatePassword applies Elasticsearch's length rule, which counts Java
// chars (UTF-16 code units), not bytes or runes.
func ValidatePassword(password string) error {
	return DefaultPolicy().Check("", password)
}

// ValidateUsername checks a native user name: 1 to MaxNameLength printable
// ASCII characters without a leading or trailing space.
func ValidateUsername(name string) error {
	return validateName("User", name, MaxNameLength)
}

// ValidateFileUsername checks a file-realm user name (longer limit).
func ValidateFileUsername(name string) error {
	return validateName("User", name, MaxFileNameLength)
}

// ValidateRoleName checks a role name with the same character rules.
func ValidateRoleName(name string) error {
	return validateName("Role", name, MaxNameLength)
}

func validateName(kind, name string, maxLen int) error {
	if !validName(name, maxLen) {
		return fmt.Errorf("%s names must be at least 1 and no more than %d characters. "+
			"They can contain alphanumeric characters (a-z, A-Z, 0-9), spaces, punctuation, "+
			"and printable symbols in the Basic Latin (ASCII) block. "+
			"Leading or trailing whitespace is not allowed.", kind, maxLen)
	}
	return nil
}

func validName(name string, maxLen int) bool {
	if len(name) < 1 || len(name) > maxLen || name[0] == ' ' || name[len(name)-1] == ' ' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return false
		}
	}
	return true
}
