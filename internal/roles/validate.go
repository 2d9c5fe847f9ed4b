package roles

import (
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf16"

	"github.com/esauth/esauth/internal/eserr"
	"github.com/esauth/esauth/internal/user"
)

// maxFileRoleNameLength is Validation.MAX_NAME_LENGTH, the limit the role
// parser and roles.yml apply; native roles are limited to
// user.MaxNameLength.
const maxFileRoleNameLength = user.MaxFileNameLength

// MaxDescriptionLength is Validation.Roles.MAX_DESCRIPTION_LENGTH.
const MaxDescriptionLength = 1000

// Validate reproduces PutRoleRequest.validate of Elasticsearch 8.15: the
// native role name rules (including the reserved names), then
// RoleDescriptorRequestValidator (cluster privileges, index privileges of
// indices and remote_indices, application names and privileges, metadata
// keys, description). Every failure is collected into one
// action_request_validation_exception, in Elasticsearch's order.
func (d Descriptor) Validate() error {
	var v eserr.Validator
	if err := user.ValidateRoleName(d.Name); err != nil {
		v.Add("%s", err.Error())
	} else if IsReserved(d.Name) {
		v.Add("Role [%s] is reserved and may not be used.", d.Name)
	}
	d.validateBody(&v, true)
	return v.Err()
}

// validateBody is RoleDescriptorRequestValidator without the name check.
// Files do not check metadata keys (Elasticsearch's file roles may carry
// "_" keys, as the reserved roles do).
func (d Descriptor) validateBody(v *eserr.Validator, metadataKeys bool) {
	for _, c := range d.Cluster {
		if msg := clusterPrivilegeError(c); msg != "" {
			v.Add("%s", msg)
		}
	}
	for _, ip := range d.Indices {
		if msg := indexPrivilegesError(ip.Privileges); msg != "" {
			v.Add("%s", msg)
		}
	}
	for _, rip := range d.RemoteIndices {
		for _, c := range rip.Clusters {
			if c == "" {
				v.Add("remote index cluster alias cannot be an empty string")
				break
			}
		}
		if msg := indexPrivilegesError(rip.Privileges); msg != "" {
			v.Add("%s", msg)
		}
	}
	for _, ap := range d.Applications {
		if msg := applicationNameError(ap.Application); msg != "" {
			v.Add("%s", msg)
		}
		for _, p := range ap.Privileges {
			if !graph.MatchString(p) {
				v.Add(`Application privilege names and actions must match the pattern ^\p{Graph}*$ (found '%s')`, p)
			}
		}
	}
	if metadataKeys && hasReservedKey(d.Metadata) {
		v.Add("role descriptor metadata keys may not start with [_]")
	}
	if msg := descriptionError(d.Description); msg != "" {
		v.Add("%s", msg)
	}
}

// clusterPrivilegeError is ClusterPrivilegeResolver.resolve's failure, or
// "" if the name is a predefined privilege or a cluster action pattern.
func clusterPrivilegeError(name string) string {
	name = strings.ToLower(name)
	if IsClusterAction(name) {
		return ""
	}
	if _, ok := LookupClusterPrivilege(name); ok {
		return ""
	}
	var names []string
	for _, p := range ClusterPrivilegeTable() {
		names = append(names, p.Name)
	}
	return "unknown cluster privilege [" + name + "]. a privilege must be either one of the predefined cluster privilege names [" +
		strings.Join(names, ",") + "] or a pattern over one of the available cluster actions"
}

// indexPrivilegesError is IndexPrivilege.get(Set.of(privileges))'s
// failure: Set.of rejects a repeated name, then the first unknown name is
// reported (Elasticsearch's set iteration order is unspecified; esauth
// reports the first in the given order).
func indexPrivilegesError(privileges []string) string {
	seen := make(map[string]bool, len(privileges))
	for _, p := range privileges {
		if seen[p] {
			return "duplicate element: " + p
		}
		seen[p] = true
	}
	for _, p := range privileges {
		p = strings.ToLower(p)
		if IsIndexAction(p) {
			continue
		}
		if _, ok := LookupIndexPrivilege(p); ok {
			continue
		}
		// Java prints the map's entries, name=[name].
		var entries []string
		for _, ip := range IndexPrivilegeTable() {
			entries = append(entries, ip.Name+"=["+ip.Name+"]")
		}
		return "unknown index privilege [" + p + "]. a privilege must be either one of the predefined fixed indices privileges [" +
			strings.Join(entries, ",") + "] or a pattern over one of the available index actions"
	}
	return ""
}

// Application name rules (ApplicationPrivilege).
var (
	validAppPrefix = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
	// Java's [\v\h]: vertical and horizontal whitespace.
	appWhitespace = regexp.MustCompile("[\n\x0B\f\r\u0085\u2028\u2029 \t\u00A0\u1680\u180E\u2000-\u200A\u202F\u205F\u3000]")
	// Java's \p{Graph} without UNICODE_CHARACTER_CLASS: visible ASCII.
	graph = regexp.MustCompile(`^[\x21-\x7E]*$`)
)

// invalidFilenameChars is Strings.INVALID_FILENAME_CHARS in the order a
// java.util.HashSet of those characters iterates them, which is how the
// message lists them.
const invalidFilenameChars = ` "*\<|,>/?`

// applicationNameError is validateApplicationNameOrWildcard's failure.
func applicationNameError(app string) string {
	if app == "" {
		return "Application names cannot be blank"
	}
	asterisk := strings.IndexByte(app, '*')
	if asterisk >= 0 {
		if app == "*" {
			return ""
		}
		if asterisk != len(app)-1 {
			return "Application name patterns only support trailing wildcards (found '" + app + "')"
		}
	}
	if appWhitespace.MatchString(app) {
		return "Application names may not contain whitespace (found '" + app + "')"
	}
	prefix, suffix, hasSuffix := cutAny(app, "_-")
	prefix = strings.TrimSuffix(prefix, "*")
	if !validAppPrefix.MatchString(prefix) {
		return "An application name prefix must match the pattern " + validAppPrefix.String() + " (found '" + prefix + "')"
	}
	if len(prefix) < 3 && asterisk < 0 {
		return "An application name prefix must be at least 3 characters long (found '" + prefix + "')"
	}
	if hasSuffix {
		suffix = strings.TrimSuffix(suffix, "*")
		if strings.ContainsAny(suffix, invalidFilenameChars) {
			return "An application name suffix may not contain any of the characters '" + invalidFilenameChars + "' (found '" + suffix + "')"
		}
	}
	return ""
}

// ApplicationNameError is ApplicationPrivilege.validateApplicationName's
// message, or "" for a valid name: with allowWildcard a role's application,
// which may end in '*'; without, a stored privilege's, which may not.
func ApplicationNameError(app string, allowWildcard bool) string {
	if !allowWildcard && app != "" && strings.Contains(app, "*") {
		return "Application names may not contain '*' (found '" + app + "')"
	}
	return applicationNameError(app)
}

// HasReservedMetadata is MetadataUtils.containsReservedMetadata: a
// top-level key starting with "_".
func HasReservedMetadata(metadata json.RawMessage) bool { return hasReservedKey(metadata) }

// cutAny splits s at the first of the separator bytes, like Java's
// split("[_-]", 2).
func cutAny(s, seps string) (before, after string, found bool) {
	if i := strings.IndexAny(s, seps); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// hasReservedKey is MetadataUtils.containsReservedMetadata: a top-level
// key starting with "_".
func hasReservedKey(metadata json.RawMessage) bool {
	if len(metadata) == 0 {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(metadata, &m) != nil {
		return false
	}
	for k := range m {
		if strings.HasPrefix(k, "_") {
			return true
		}
	}
	return false
}

// descriptionError is Validation.Roles.validateRoleDescription; the length
// is in Java chars (UTF-16 code units).
func descriptionError(desc string) string {
	if len(utf16.Encode([]rune(desc))) > MaxDescriptionLength {
		return fmt.Sprintf("Role description must be less than %d characters.", MaxDescriptionLength)
	}
	return ""
}

// validRoleName applies the name rules with a length limit: 1 to max
// printable ASCII characters, no leading or trailing space. user has the
// same rules for its own fixed limits.
func validRoleName(name string, max int) bool {
	if len(name) < 1 || len(name) > max || name[0] == ' ' || name[len(name)-1] == ' ' {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] > 0x7e {
			return false
		}
	}
	return true
}

// roleNameMessage is the invalid role name message for a length limit;
// it is user's message with the limit swapped, so the text has one source.
func roleNameMessage(max int) string {
	msg := user.ValidateRoleName("").Error()
	return strings.Replace(msg, fmt.Sprint(user.MaxNameLength), fmt.Sprint(max), 1)
}

// ReservedDeleteError is what deleting a reserved role fails with
// (TransportDeleteRoleAction), or nil.
func ReservedDeleteError(name string) error {
	if IsReserved(name) {
		return eserr.IllegalArgument("role [%s] is reserved and cannot be deleted", name)
	}
	return nil
}

// sortedKeys returns a map's keys in order.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// CheckClusterPrivilege rejects a name that is neither a predefined cluster
// privilege nor a cluster action pattern, as ClusterPrivilegeResolver.resolve
// does when _has_privileges asks about one.
func CheckClusterPrivilege(name string) error {
	if msg := clusterPrivilegeError(name); msg != "" {
		return eserr.IllegalArgument("%s", msg)
	}
	return nil
}
