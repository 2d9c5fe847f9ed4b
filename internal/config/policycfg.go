package config

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/esauth/esauth/internal/user"
)

const policyPrefix = "esauth.password_policy."

// keyMaxConcurrentHashes caps concurrent slow password verifications.
const keyMaxConcurrentHashes = "esauth.security.authc.max_concurrent_hashes"

// keyFailedCacheTTL is how long a failed attempt is remembered so that its
// repetition skips the slow hash; 0 turns that off.
const keyFailedCacheTTL = "esauth.security.authc.failed_cache.ttl"

// policySettings are esauth's own (Elasticsearch has only the length rule).
func policySettings() []setting {
	return []setting{
		{key: keyMaxConcurrentHashes, def: "0", validate: validateNonNegative},
		{key: keyFailedCacheTTL, def: "1m", validate: validateTimeValue},
		{key: policyPrefix + "min_length", def: "6", validate: validateMinLength},
		{key: policyPrefix + "regex", validate: validateRegex},
		{key: policyPrefix + "regex_message"},
		{key: policyPrefix + "forbid_username", def: "false", validate: validateBool},
	}
}

func validateMinLength(key, value string) error {
	n, err := strconv.Atoi(value)
	if err != nil || n < user.MinPasswordLength {
		return fmt.Errorf("setting [%s]: [%s] must be a whole number of at least %d (Elasticsearch's own minimum)", key, value, user.MinPasswordLength)
	}
	return nil
}

func validateNonNegative(key, value string) error {
	if n, err := strconv.Atoi(value); err != nil || n < 0 {
		return fmt.Errorf("setting [%s]: [%s] must be a whole number of at least 0", key, value)
	}
	return nil
}

func validateRegex(key, value string) error {
	if _, err := regexp.Compile(value); err != nil {
		return fmt.Errorf("setting [%s]: %v", key, err)
	}
	return nil
}

func (s *Settings) passwordPolicy() (user.PasswordPolicy, error) {
	p := user.DefaultPolicy()
	p.MinLength, _ = strconv.Atoi(s.Get(policyPrefix + "min_length"))
	if re := s.Get(policyPrefix + "regex"); re != "" {
		p.Pattern = regexp.MustCompile(re) // validated at load
		p.PatternMessage = s.Get(policyPrefix + "regex_message")
		if p.PatternMessage == "" {
			p.PatternMessage = "passwords must match the pattern [" + re + "]"
		}
	}
	var err error
	p.ForbidUsername, err = parseBool(policyPrefix+"forbid_username", s.Get(policyPrefix+"forbid_username"))
	return p, err
}
