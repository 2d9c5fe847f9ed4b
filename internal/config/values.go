package config

import (
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/esauth/esauth/internal/passhash"
)

// settingErr prefixes a message that does not name the setting itself (such
// as Elasticsearch's boolean message) so the user can tell which setting is
// wrong.
func settingErr(key, format string, args ...any) error {
	return fmt.Errorf("setting [%s]: %s", key, fmt.Sprintf(format, args...))
}

// parseBool accepts exactly "true" and "false", as Elasticsearch's
// Booleans.parseBoolean does: "yes", "on" and "True" are mistakes there too.
func parseBool(key, value string) (bool, error) {
	switch value {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, settingErr(key, "Failed to parse value [%s] as only [true] or [false] are allowed.", value)
}

func validateBool(key, value string) error {
	_, err := parseBool(key, value)
	return err
}

// validateSecurityEnabled accepts the setting Elasticsearch users copy into
// their files, but only when it keeps security on: esauth exists to enforce
// security, so there is no mode in which it could honour false.
func validateSecurityEnabled(key, value string) error {
	on, err := parseBool(key, value)
	if err != nil {
		return err
	}
	if !on {
		return settingErr(key, "esauth is a security server and cannot run with security disabled; remove the setting or set it to [true]")
	}
	return nil
}

// validateHashAlgorithm returns passhash's error unchanged: it already
// carries Elasticsearch's exact "Invalid algorithm: ..." text.
func validateHashAlgorithm(_, value string) error {
	_, err := passhash.ResolveStored(value)
	return err
}

// validateClusterName applies ClusterName.CLUSTER_NAME_SETTING's checks.
func validateClusterName(_, value string) error {
	if value == "" {
		return fmt.Errorf("[cluster.name] must not be empty")
	}
	if strings.Contains(value, ":") {
		return fmt.Errorf("[cluster.name] must not contain ':'")
	}
	return nil
}

// validatePathData rejects a list: Elasticsearch reads "a,b" as two data
// paths, and esauth keeps its store in exactly one.
func validatePathData(key, value string) error {
	if strings.Contains(value, ",") {
		return settingErr(key, "[%s] lists more than one path; esauth uses one data path", value)
	}
	return nil
}

// defaultNodeName mirrors Elasticsearch, whose start script passes the
// machine's hostname as the default node name.
func defaultNodeName() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		// Only reachable on a broken system; a fixed name keeps the server
		// startable, and node.name can always be set explicitly.
		return "localhost"
	}
	return h
}

// localHost is the special value Elasticsearch uses for the loopback
// address.
const localHost = "_local_"

// resolveHTTPHost turns a validated http.host value into an address to bind.
func resolveHTTPHost(value string) string {
	if value == localHost {
		return "127.0.0.1"
	}
	return value
}

// validateHTTPHost accepts _local_, an IP literal or a host name. Elasticsearch
// also accepts lists and other special values (_site_, _global_, interface
// names); esauth binds one address, so those are rejected rather than
// silently narrowed.
func validateHTTPHost(key, value string) error {
	if strings.Contains(value, ",") {
		return settingErr(key, "[%s] lists more than one host; esauth binds one address", value)
	}
	if value == localHost {
		return nil
	}
	if strings.HasPrefix(value, "_") && strings.HasSuffix(value, "_") {
		return settingErr(key, "unsupported value [%s]; esauth accepts [%s], an IP address or a host name", value, localHost)
	}
	if _, err := netip.ParseAddr(value); err == nil {
		return nil
	}
	if !IsHostName(value) {
		return settingErr(key, "[%s] is not an IP address or a host name", value)
	}
	return nil
}

// IsHostName checks RFC 1123 host name syntax, also allowing underscores
// because container and VM names often contain them and resolvers accept
// them.
func IsHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for label := range strings.SplitSeq(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_'
			if !ok {
				return false
			}
		}
	}
	return true
}

func validateHTTPPort(key, value string) error {
	_, _, err := parsePortRange(key, value)
	return err
}

// parsePortRange reads a port or a "low-high" range the way Elasticsearch's
// PortsRange does (tokens trimmed, Integer.parseInt), and returns both ends
// (equal for a single port). PortsRange also takes comma-separated lists;
// esauth rejects them because the server tries one contiguous range.
func parsePortRange(key, value string) (low, high int, err error) {
	notANumber := fmt.Errorf("Failed to parse value [%s] for setting [%s]", value, key)
	token := strings.TrimSpace(value)
	if strings.Contains(token, ",") {
		return 0, 0, settingErr(key, "[%s] lists more than one port or range; esauth accepts one port or one range such as [9200-9300]", value)
	}
	lowText, highText := token, token
	if i := strings.IndexByte(token, '-'); i >= 0 {
		lowText, highText = token[:i], token[i+1:]
	}
	low, err = strconv.Atoi(strings.TrimSpace(lowText))
	if err != nil {
		return 0, 0, notANumber
	}
	high, err = strconv.Atoi(strings.TrimSpace(highText))
	if err != nil {
		return 0, 0, notANumber
	}
	if high < low {
		// Elasticsearch's wording, odd as it reads.
		return 0, 0, settingErr(key, "Start port [%d] must be greater than end port [%d]", low, high)
	}
	if low < 0 || high > math.MaxUint16 {
		return 0, 0, fmt.Errorf("failed to parse value [%s] for setting [%s], must be <= [%d]", value, key, math.MaxUint16)
	}
	return low, high, nil
}

// maxContentLength is the upper bound Elasticsearch puts on
// http.max_content_length: Integer.MAX_VALUE bytes.
const maxContentLength = math.MaxInt32

func validateMaxContentLength(key, value string) error {
	_, err := parseBoundedByteSize(key, value, 0, maxContentLength)
	return err
}

// parseBoundedByteSize is Setting.parseByteSize: a byte size checked against
// bounds, with Elasticsearch's messages (the bounds rendered as
// ByteSizeValue.getStringRep renders them).
func parseBoundedByteSize(key, value string, minBytes, maxBytes int64) (int64, error) {
	n, err := parseByteSize(key, value)
	if err != nil {
		return 0, err
	}
	if n < minBytes {
		return 0, fmt.Errorf("failed to parse value [%s] for setting [%s], must be >= [%s]", value, key, byteStringRep(minBytes))
	}
	if n > maxBytes {
		return 0, fmt.Errorf("failed to parse value [%s] for setting [%s], must be <= [%s]", value, key, byteStringRep(maxBytes))
	}
	return n, nil
}

// byteStringRep renders a byte count given in bytes as getStringRep does.
func byteStringRep(n int64) string {
	if n <= 0 {
		return strconv.FormatInt(n, 10)
	}
	return strconv.FormatInt(n, 10) + "b"
}

// byteUnit is a ByteSizeValue suffix larger than a byte.
type byteUnit struct {
	suffix string
	bytes  int64
}

// byteUnits lists ByteSizeValue's suffixes in the order it tests them; the
// order matters because "b" must only be tried after "kb", "mb" and so on.
func byteUnits() [10]byteUnit {
	return [...]byteUnit{
		{"k", 1 << 10}, {"kb", 1 << 10},
		{"m", 1 << 20}, {"mb", 1 << 20},
		{"g", 1 << 30}, {"gb", 1 << 30},
		{"t", 1 << 40}, {"tb", 1 << 40},
		{"p", 1 << 50}, {"pb", 1 << 50},
	}
}

// parseByteSize is ByteSizeValue.parseBytesSizeValue: a unit is required
// except for 0 and -1, units are case-insensitive, and values with a unit
// larger than bytes may have up to two decimals (rounded up to whole bytes).
// -1 means "unbounded" to Elasticsearch; bounds checks reject it where it
// makes no sense.
func parseByteSize(key, value string) (int64, error) {
	switch value {
	case "0", "0b", "0B":
		return 0, nil
	case "1b", "1B":
		return 1, nil
	case "-1", "-1b", "-1B":
		return -1, nil
	}
	lower := javaTrim(strings.ToLower(value))
	for _, u := range byteUnits() {
		if strings.HasSuffix(lower, u.suffix) {
			return parseScaledBytes(key, value, javaTrim(strings.TrimSuffix(lower, u.suffix)), u.bytes)
		}
	}
	if strings.HasSuffix(lower, "b") {
		n, err := strconv.ParseInt(javaTrim(strings.TrimSuffix(lower, "b")), 10, 64)
		if err != nil {
			return 0, fmt.Errorf("failed to parse setting [%s] with value [%s]", key, value)
		}
		if n < -1 {
			return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a size in bytes", key, value)
		}
		return n, nil
	}
	return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a size in bytes: unit is missing or unrecognized", key, value)
}

// parseScaledBytes handles a number followed by a unit larger than a byte.
func parseScaledBytes(key, value, number string, unit int64) (int64, error) {
	if n, err := strconv.ParseInt(number, 10, 64); err == nil {
		if n < 0 || n > math.MaxInt64/unit {
			return 0, fmt.Errorf("failed to parse setting [%s] with value [%s] as a size in bytes", key, value)
		}
		return n * unit, nil
	}
	// Not a long: Elasticsearch retries as a BigDecimal.
	unscaled, scale, ok := parseJavaDecimal(number)
	if !ok || unscaled.Sign() < 0 {
		return 0, fmt.Errorf("failed to parse setting [%s] with value [%s]", key, value)
	}
	if scale > 2 {
		return 0, fmt.Errorf("failed to parse setting [%s] with more than two decimals in value [%s]", key, value)
	}
	beyond := fmt.Errorf("failed to parse setting [%s] with value beyond %d: [%s]", key, int64(math.MaxInt64), value)
	bytes := new(big.Int).Mul(unscaled, big.NewInt(unit))
	if scale < 0 {
		if bytes.Sign() == 0 {
			return 0, nil
		}
		// 10^19 already exceeds a long; refusing bigger exponents early
		// keeps "1e999999999kb" from allocating a huge number.
		if -scale > 19 {
			return 0, beyond
		}
		bytes.Mul(bytes, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-scale)), nil))
	} else if scale > 0 {
		// Round up, as Elasticsearch does, so 1.1kb is never less than asked.
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil)
		q, r := new(big.Int).QuoRem(bytes, div, new(big.Int))
		if r.Sign() != 0 {
			q.Add(q, big.NewInt(1))
		}
		bytes = q
	}
	if !bytes.IsInt64() {
		return 0, beyond
	}
	return bytes.Int64(), nil
}

// parseJavaDecimal parses the syntax of java.math.BigDecimal(String):
// [sign] digits [. digits] [e|E [sign] digits], with digits on at least one
// side of the point. It returns the unscaled value and the scale (digits
// after the point minus the exponent).
func parseJavaDecimal(s string) (unscaled *big.Int, scale int, ok bool) {
	mantissa, exponent := s, ""
	if i := strings.IndexAny(s, "eE"); i >= 0 {
		mantissa, exponent = s[:i], s[i+1:]
	}
	sign := ""
	if mantissa != "" && (mantissa[0] == '+' || mantissa[0] == '-') {
		sign, mantissa = mantissa[:1], mantissa[1:]
	}
	intPart, fracPart, _ := strings.Cut(mantissa, ".")
	if intPart+fracPart == "" || !allDigits(intPart) || !allDigits(fracPart) {
		return nil, 0, false
	}
	exp := 0
	if strings.ContainsAny(s, "eE") {
		e, err := strconv.Atoi(exponent)
		if err != nil {
			return nil, 0, false
		}
		exp = e
	}
	unscaled, ok = new(big.Int).SetString(sign+intPart+fracPart, 10)
	if !ok {
		return nil, 0, false
	}
	return unscaled, len(fracPart) - exp, true
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// javaTrim is String.trim: it strips every character up to and including
// the space, not just Unicode white space.
func javaTrim(s string) string {
	return strings.TrimFunc(s, func(r rune) bool { return r <= ' ' })
}
