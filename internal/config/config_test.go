package config

import (
	"errors"
	"flag"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/esauth/esauth/internal/passhash"
)

// writeFile writes an elasticsearch.yml into a fresh temporary directory
// and returns its path.
func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "elasticsearch.yml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// envOf returns an env lookup backed by m, so tests never depend on the
// real environment.
func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// loadYAML loads content as the settings file (none when content is "").
func loadYAML(t *testing.T, content string, overrides []string, env map[string]string) (*Settings, error) {
	t.Helper()
	file := ""
	if content != "" {
		file = writeFile(t, content)
	}
	return Load(file, overrides, envOf(env))
}

func TestLoadSources(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		overrides []string
		env       map[string]string
		want      map[string]string // key → Get
		set       []string          // keys IsSet must report
	}{
		{
			name: "flat keys",
			yaml: "cluster.name: flat\nhttp.port: 9300\nxpack.security.authc.reserved_realm.enabled: false\n",
			want: map[string]string{"cluster.name": "flat", "http.port": "9300", KeyReservedRealmEnabled: "false"},
			set:  []string{"cluster.name", "http.port", KeyReservedRealmEnabled},
		},
		{
			name: "nested maps",
			yaml: "cluster:\n  name: nested\nhttp:\n  port: 9400\n  max_content_length: 1kb\nxpack:\n  security:\n    authc:\n      password_hashing:\n        algorithm: pbkdf2\n",
			want: map[string]string{"cluster.name": "nested", "http.port": "9400", KeyMaxContentLength: "1kb", KeyPasswordHashing: "pbkdf2"},
			set:  []string{"cluster.name", "http.port", KeyMaxContentLength, KeyPasswordHashing},
		},
		{
			name: "mixed flat and nested",
			yaml: "http:\n  port: 9500\n  host: 0.0.0.0\nxpack.security:\n  enabled: true\n  authc.reserved_realm.enabled: false\npath.data: /var/lib/esauth\n",
			want: map[string]string{"http.port": "9500", "http.host": "0.0.0.0", KeySecurityEnabled: "true", KeyReservedRealmEnabled: "false", "path.data": "/var/lib/esauth"},
			set:  []string{"http.port", "http.host", KeySecurityEnabled, KeyReservedRealmEnabled, "path.data"},
		},
		{
			name: "inline flow map",
			yaml: "http: {port: 9201, host: localhost}\n",
			want: map[string]string{"http.port": "9201", "http.host": "localhost"},
		},
		{
			name: "list value becomes comma separated",
			yaml: "node.name: [a, b, 3]\npath.logs:\n  - one\n  - two\n",
			want: map[string]string{"node.name": "a,b,3", "path.logs": "one,two"},
		},
		{
			name: "null value sets nothing",
			yaml: "http.port:\ncluster.name: ~\n",
			want: map[string]string{"http.port": "9200", "cluster.name": "elasticsearch"},
		},
		{
			name: "empty value falls back to the default as in Elasticsearch",
			yaml: "cluster.name: \"\"\n",
			want: map[string]string{"cluster.name": "elasticsearch"},
		},
		{
			name: "comments only",
			yaml: "# nothing here\n",
			want: map[string]string{"cluster.name": "elasticsearch"},
		},
		{
			name: "quoted values keep their text",
			yaml: "cluster.name: 'yes'\nnode.name: \"0x10\"\npath.logs: 1.50\n",
			want: map[string]string{"cluster.name": "yes", "node.name": "0x10", "path.logs": "1.50"},
		},
		{
			name: "env placeholders",
			yaml: "cluster.name: ${CLUSTER}\nnode.name: node-${N}-${N}\npath.data: ${DATA:/srv/data}\npath.logs: ${NESTED_${WHICH}}\n",
			env:  map[string]string{"CLUSTER": "from-env", "N": "7", "WHICH": "LOGS", "NESTED_LOGS": "/logs"},
			want: map[string]string{"cluster.name": "from-env", "node.name": "node-7-7", "path.data": "/srv/data", "path.logs": "/logs"},
		},
		{
			name: "placeholder default is ignored when the variable is set",
			yaml: "path.data: ${DATA:/srv/data}\n",
			env:  map[string]string{"DATA": "/mnt"},
			want: map[string]string{"path.data": "/mnt"},
		},
		{
			name: "placeholder expanding to empty removes the setting",
			yaml: "cluster.name: ${EMPTY}\n",
			env:  map[string]string{"EMPTY": ""},
			want: map[string]string{"cluster.name": "elasticsearch"},
		},
		{
			name: "unterminated placeholder is kept as text",
			yaml: "node.name: a${b\n",
			want: map[string]string{"node.name": "a${b"},
		},
		{
			name:      "-E overrides the file",
			yaml:      "cluster.name: file\nhttp.port: 9300\n",
			overrides: []string{"cluster.name=cli", "node.name=a=b"},
			want:      map[string]string{"cluster.name": "cli", "http.port": "9300", "node.name": "a=b"},
			set:       []string{"cluster.name", "http.port", "node.name"},
		},
		{
			name:      "-E overrides a null in the file",
			yaml:      "http.port:\n",
			overrides: []string{"http.port=9999"},
			want:      map[string]string{"http.port": "9999"},
		},
		{
			name:      "-E values get placeholders too",
			overrides: []string{"cluster.name=${C}"},
			env:       map[string]string{"C": "c1"},
			want:      map[string]string{"cluster.name": "c1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := loadYAML(t, tt.yaml, tt.overrides, tt.env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			got := map[string]string{}
			for k := range tt.want {
				got[k] = s.Get(k)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Get mismatch (-want +got):\n%s", diff)
			}
			for _, k := range tt.set {
				if !s.IsSet(k) {
					t.Errorf("IsSet(%q) = false, want true", k)
				}
			}
		})
	}
}

func TestLoadErrors(t *testing.T) {
	const unknownSuffix = " please check that any required plugins are installed, or check the breaking changes documentation for removed settings"
	tests := []struct {
		name      string
		yaml      string
		overrides []string
		env       map[string]string
		want      string
	}{
		{
			name: "unknown setting in the file",
			yaml: "foo.bar: 1\n",
			want: "unknown setting [foo.bar]" + unknownSuffix,
		},
		{
			name: "unknown nested setting",
			yaml: "http:\n  nope: 1\n",
			want: "unknown setting [http.nope]" + unknownSuffix,
		},
		{
			name:      "unknown setting from -E",
			overrides: []string{"foo.bar=1"},
			want:      "unknown setting [foo.bar]" + unknownSuffix,
		},
		{
			name: "unknown setting with a null value is still unknown",
			yaml: "foo.bar:\n",
			want: "unknown setting [foo.bar]" + unknownSuffix,
		},
		{
			name: "near miss gets Elasticsearch's suggestion",
			yaml: "http.prot: 9200\n",
			want: "unknown setting [http.prot] did you mean [http.port]?",
		},
		{
			name: "a setting used as a group is unknown",
			yaml: "cluster.name:\n  x: 1\n",
			want: "unknown setting [cluster.name.x] did you mean [cluster.name]?",
		},
		{
			name: "first error in key order",
			yaml: "zzz: 1\naaa: 1\n",
			want: "unknown setting [aaa]" + unknownSuffix,
		},
		{
			name: "duplicate flat and nested",
			yaml: "http.port: 9200\nhttp:\n  port: 9300\n",
			want: "duplicate settings key [http.port] found at line number [3], column number [9], previous value [9200], current value [9300]",
		},
		{
			name: "duplicate flat keys",
			yaml: "cluster.name: a\ncluster.name: b\n",
			want: "duplicate settings key [cluster.name] found at line number [2], column number [15], previous value [a], current value [b]",
		},
		{
			name: "duplicate with a null",
			yaml: "cluster.name:\ncluster:\n  name: b\n",
			want: "duplicate settings key [cluster.name] found at line number [3], column number [9], previous value [null], current value [b]",
		},
		{
			name: "duplicate map key",
			yaml: "http:\n  port: 9200\nhttp:\n  host: 0.0.0.0\n",
			want: "duplicate settings key [http] found at line number [3], column number [1]",
		},
		{
			name: "second YAML document",
			yaml: "http.port: 9200\n---\nhttp.host: x\n",
			want: "malformed, expected end of settings but encountered additional content starting at line number: [2], column number: [1]",
		},
		{
			name: "missing environment variable",
			yaml: "cluster.name: ${NOPE}\n",
			want: "Could not resolve placeholder 'NOPE'",
		},
		{
			name:      "missing environment variable in -E",
			overrides: []string{"node.name=x-${NOPE2}"},
			want:      "Could not resolve placeholder 'NOPE2'",
		},
		{
			name: "circular placeholder",
			yaml: "cluster.name: ${LOOP}\n",
			env:  map[string]string{"LOOP": "a${LOOP}"},
			want: "Circular placeholder reference 'LOOP' in property definitions",
		},
		{
			name:      "-E without =",
			overrides: []string{"http.port"},
			want:      "value [http.port] must be in the form [key=value]",
		},
		{
			name:      "-E without a name",
			overrides: []string{"=9200"},
			want:      "value [=9200] must be in the form [key=value]",
		},
		{
			name:      "-E with an empty value",
			overrides: []string{"http.port="},
			want:      "setting [http.port] must not be empty",
		},
		{
			name:      "-E given twice",
			overrides: []string{"http.port=1", "http.port=2"},
			want:      "setting [http.port] already set, saw [1] and [2]",
		},
		{
			name:      "-E errors come before the file's",
			yaml:      "foo: 1\n",
			overrides: []string{"bad"},
			want:      "value [bad] must be in the form [key=value]",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadYAML(t, tt.yaml, tt.overrides, tt.env)
			if err == nil {
				t.Fatalf("Load succeeded, want error %q", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestFileErrors(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // after "Failed to load settings from [<path>]: "
	}{
		{"not a map", "just text\n", "expected a map of settings at line number [1], column number [1]"},
		{"map inside a list", "path.data: [a, {b: c}]\n", "only value lists are allowed in serialized settings (setting [path.data], line number [1], column number [16])"},
		{"null inside a list", "path.data: [a, ~]\n", "only value lists are allowed in serialized settings (setting [path.data], line number [1], column number [16])"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.yaml)
			_, err := Load(path, nil, envOf(nil))
			want := "Failed to load settings from [" + path + "]: " + tt.want
			if err == nil || err.Error() != want {
				t.Fatalf("error:\n got %v\nwant %q", err, want)
			}
		})
	}

	t.Run("syntax error", func(t *testing.T) {
		path := writeFile(t, "http.port: [9200\n")
		_, err := Load(path, nil, envOf(nil))
		prefix := "Failed to load settings from [" + path + "]: yaml: "
		if err == nil || !strings.HasPrefix(err.Error(), prefix) {
			t.Fatalf("error = %v, want prefix %q", err, prefix)
		}
	})

	t.Run("missing file", func(t *testing.T) {
		_, err := Load(filepath.Join(t.TempDir(), "nope.yml"), nil, envOf(nil))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("error = %v, want one wrapping fs.ErrNotExist", err)
		}
	})
}

func TestSettingValues(t *testing.T) {
	tests := []struct {
		key, value string
		want       string // "" means the value is accepted
	}{
		{"http.host", "127.0.0.1", ""},
		{"http.host", "_local_", ""},
		{"http.host", "0.0.0.0", ""},
		{"http.host", "::1", ""},
		{"http.host", "fe80::1%eth0", ""},
		{"http.host", "localhost", ""},
		{"http.host", "es-01.example.com.", ""},
		{"http.host", "my_container", ""},
		{"http.host", "_site_", "setting [http.host]: unsupported value [_site_]; esauth accepts [_local_], an IP address or a host name"},
		{"http.host", "_local:ipv6_", "setting [http.host]: unsupported value [_local:ipv6_]; esauth accepts [_local_], an IP address or a host name"},
		{"http.host", "a,b", "setting [http.host]: [a,b] lists more than one host; esauth binds one address"},
		{"http.host", "bad host", "setting [http.host]: [bad host] is not an IP address or a host name"},
		{"http.host", "-bad.example", "setting [http.host]: [-bad.example] is not an IP address or a host name"},

		{"http.port", "0", ""},
		{"http.port", "9200", ""},
		{"http.port", "65535", ""},
		{"http.port", "9200-9300", ""},
		{"http.port", " 9200 - 9300 ", ""},
		{"http.port", "abc", "Failed to parse value [abc] for setting [http.port]"},
		{"http.port", "-1", "Failed to parse value [-1] for setting [http.port]"},
		{"http.port", "9200-", "Failed to parse value [9200-] for setting [http.port]"},
		{"http.port", "65536", "failed to parse value [65536] for setting [http.port], must be <= [65535]"},
		{"http.port", "9300-9200", "setting [http.port]: Start port [9300] must be greater than end port [9200]"},
		{"http.port", "9200,9300", "setting [http.port]: [9200,9300] lists more than one port or range; esauth accepts one port or one range such as [9200-9300]"},

		{"path.data", "data", ""},
		{"path.data", "/var/lib/esauth", ""},
		{"path.data", "a,b", "setting [path.data]: [a,b] lists more than one path; esauth uses one data path"},
		{"path.logs", "/var/log/esauth", ""},

		{"cluster.name", "prod", ""},
		{"cluster.name", "a:b", "[cluster.name] must not contain ':'"},
		{"node.name", "node-1", ""},

		{KeyPasswordHashing, "bcrypt", ""},
		{KeyPasswordHashing, "PBKDF2_STRETCH", ""},

		{KeyReservedRealmEnabled, "true", ""},
		{KeyReservedRealmEnabled, "false", ""},
		{KeyReservedRealmEnabled, "yes", "setting [xpack.security.authc.reserved_realm.enabled]: Failed to parse value [yes] as only [true] or [false] are allowed."},
		{KeyReservedRealmEnabled, "True", "setting [xpack.security.authc.reserved_realm.enabled]: Failed to parse value [True] as only [true] or [false] are allowed."},

		{KeySecurityEnabled, "true", ""},
		{KeySecurityEnabled, "false", "setting [xpack.security.enabled]: esauth is a security server and cannot run with security disabled; remove the setting or set it to [true]"},
		{KeySecurityEnabled, "no", "setting [xpack.security.enabled]: Failed to parse value [no] as only [true] or [false] are allowed."},

		{KeyMaxContentLength, "100mb", ""},
		{KeyMaxContentLength, "0", ""},
		{KeyMaxContentLength, "1b", ""},
		{KeyMaxContentLength, "10KB", ""},
		{KeyMaxContentLength, "1gb", ""},
		{KeyMaxContentLength, "1.5mb", ""},
		{KeyMaxContentLength, "2147483647b", ""},
		{KeyMaxContentLength, "1024", "failed to parse setting [http.max_content_length] with value [1024] as a size in bytes: unit is missing or unrecognized"},
		{KeyMaxContentLength, "abc", "failed to parse setting [http.max_content_length] with value [abc] as a size in bytes: unit is missing or unrecognized"},
		{KeyMaxContentLength, "xmb", "failed to parse setting [http.max_content_length] with value [xmb]"},
		{KeyMaxContentLength, "1.234mb", "failed to parse setting [http.max_content_length] with more than two decimals in value [1.234mb]"},
		{KeyMaxContentLength, "-1", "failed to parse value [-1] for setting [http.max_content_length], must be >= [0]"},
		{KeyMaxContentLength, "2gb", "failed to parse value [2gb] for setting [http.max_content_length], must be <= [2147483647b]"},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			// Through the file and through -E: both must judge alike.
			for _, via := range []string{"file", "-E"} {
				var err error
				if via == "file" {
					_, err = loadYAML(t, tt.key+": '"+tt.value+"'\n", nil, nil)
				} else {
					_, err = loadYAML(t, "", []string{tt.key + "=" + tt.value}, nil)
				}
				switch {
				case tt.want == "" && err != nil:
					t.Errorf("via %s: unexpected error %v", via, err)
				case tt.want != "" && err == nil:
					t.Errorf("via %s: accepted, want error %q", via, tt.want)
				case tt.want != "" && err.Error() != tt.want:
					t.Errorf("via %s: error:\n got %q\nwant %q", via, err.Error(), tt.want)
				}
			}
		})
	}
}

func TestHashingErrorIsPasshash(t *testing.T) {
	_, want := passhash.ResolveStored("md5")
	if want == nil {
		t.Fatal("passhash accepted md5")
	}
	_, err := Load("", []string{KeyPasswordHashing + "=md5"}, envOf(nil))
	if err == nil {
		t.Fatal("Load accepted md5")
	}
	if err.Error() != want.Error() {
		t.Errorf("error:\n got %q\nwant %q", err.Error(), want.Error())
	}
	if !strings.HasPrefix(err.Error(), "Invalid algorithm: md5. Valid values for password hashing are [") {
		t.Errorf("error %q is not Elasticsearch's wording", err.Error())
	}
}

func TestDefaults(t *testing.T) {
	s, err := Load("", nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	host, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	wantGet := map[string]string{
		"http.host":               "127.0.0.1",
		"http.port":               "9200",
		"path.data":               "data",
		"path.logs":               "logs",
		"cluster.name":            "elasticsearch",
		"node.name":               host,
		KeyPasswordHashing:        "bcrypt",
		KeyReservedRealmEnabled:   "true",
		KeyMaxContentLength:       "100mb",
		KeySecurityEnabled:        "true",
		"not.a.setting.at.all":    "",
		"http.port.not.a.setting": "",
	}
	gotGet := map[string]string{}
	for k := range wantGet {
		gotGet[k] = s.Get(k)
		if s.IsSet(k) {
			t.Errorf("IsSet(%q) = true with nothing given", k)
		}
	}
	if diff := cmp.Diff(wantGet, gotGet); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}

	c, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	bcrypt, err := passhash.ResolveStored("bcrypt")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		HTTPHost:             "127.0.0.1",
		HTTPPortLow:          9200,
		HTTPPortHigh:         9200,
		PathData:             "data",
		PathLogs:             "logs",
		ClusterName:          "elasticsearch",
		NodeName:             host,
		PasswordHasher:       bcrypt,
		ReservedRealmEnabled: true,
		MaxContentLength:     100 << 20,
		FailedCacheTTL:       time.Minute,
		ConfigDir:            "config",
	}
	if diff := cmp.Diff(want, c, cmp.AllowUnexported(passhash.Hasher{}), ignoreRealms); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
}

func TestConfig(t *testing.T) {
	path := writeFile(t, `
http:
  host: _local_
  port: 9300-9400
  max_content_length: 1.5kb
path:
  data: /srv/esauth/data
  logs: rel/logs
cluster.name: prod
node.name: n1
xpack.security.authc:
  password_hashing.algorithm: pbkdf2_stretch
  reserved_realm.enabled: false
`)
	s, err := Load(path, nil, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	c, err := s.Config()
	if err != nil {
		t.Fatal(err)
	}
	hasher, err := passhash.ResolveStored("pbkdf2_stretch")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		HTTPHost:             "127.0.0.1",
		HTTPPortLow:          9300,
		HTTPPortHigh:         9400,
		PathData:             "/srv/esauth/data",
		PathLogs:             "rel/logs",
		ClusterName:          "prod",
		NodeName:             "n1",
		PasswordHasher:       hasher,
		ReservedRealmEnabled: false,
		MaxContentLength:     1536,
		FailedCacheTTL:       time.Minute,
		ConfigDir:            filepath.Dir(path),
	}
	if diff := cmp.Diff(want, c, cmp.AllowUnexported(passhash.Hasher{}), ignoreRealms); diff != "" {
		t.Errorf("Config (-want +got):\n%s", diff)
	}
}

func TestConfigDir(t *testing.T) {
	dir := t.TempDir()
	sub := filepath.Join(dir, "etc", "esauth")
	if err := os.MkdirAll(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(sub, "elasticsearch.yml")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, want string }{
		{"", "config"},
		{file, sub},
	}
	for _, tt := range tests {
		s, err := Load(tt.file, nil, envOf(nil))
		if err != nil {
			t.Fatal(err)
		}
		c, err := s.Config()
		if err != nil {
			t.Fatal(err)
		}
		if c.ConfigDir != tt.want {
			t.Errorf("Load(%q).ConfigDir = %q, want %q", tt.file, c.ConfigDir, tt.want)
		}
	}
}

func TestConfigNotFromLoad(t *testing.T) {
	var s Settings
	if _, err := s.Config(); err == nil {
		t.Error("zero Settings gave a Config")
	}
}

func TestNilEnvUsesProcessEnvironment(t *testing.T) {
	t.Setenv("ESAUTH_CONFIG_TEST_NAME", "from-process")
	s, err := Load("", []string{"cluster.name=${ESAUTH_CONFIG_TEST_NAME}"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Get("cluster.name"); got != "from-process" {
		t.Errorf("cluster.name = %q, want from-process", got)
	}
}

func TestOverridesFlag(t *testing.T) {
	var o Overrides
	fs := flag.NewFlagSet("esauth", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Var(&o, "E", "configure a setting")
	if err := fs.Parse([]string{"-E", "http.port=9300", "-E=cluster.name=a=b", "rest"}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(Overrides{"http.port=9300", "cluster.name=a=b"}, o); diff != "" {
		t.Errorf("overrides (-want +got):\n%s", diff)
	}
	if got := o.String(); got != "http.port=9300 cluster.name=a=b" {
		t.Errorf("String() = %q", got)
	}
	s, err := Load("", o, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if s.Get("http.port") != "9300" || s.Get("cluster.name") != "a=b" {
		t.Errorf("got http.port=%q cluster.name=%q", s.Get("http.port"), s.Get("cluster.name"))
	}

	err = fs.Parse([]string{"-E", "http.port"})
	want := `invalid value "http.port" for flag -E: value [http.port] must be in the form [key=value]`
	if err == nil || err.Error() != want {
		t.Errorf("bad -E: error %v, want %q", err, want)
	}
	var nilO *Overrides
	if nilO.String() != "" {
		t.Error("nil Overrides String() not empty")
	}
}

// TestPatternedSettings exercises <name> segments with a table of made-up
// settings, since no real patterned setting is registered yet.
func TestPatternedSettings(t *testing.T) {
	table := []setting{
		{key: "realms.<type>.<name>.order", def: "0", validate: func(key, v string) error {
			if v == "bad" {
				return settingErr(key, "bad order [%s]", v)
			}
			return nil
		}},
		{key: "realms.<type>.<name>.enabled", def: "true", validate: validateBool},
		{key: "realms.native.special", def: "x"},
	}
	path := writeFile(t, `
realms:
  native:
    native1: {order: 1}
    native2.order: 2
    special: y
  file.file1:
    order: 0
    enabled: false
`)
	s, err := load(table, path, []string{"realms.ldap.corp.order=3"}, envOf(nil))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"realms.file.file1.order", "realms.ldap.corp.order", "realms.native.native1.order", "realms.native.native2.order"},
		s.Matching("realms.<type>.<name>.order")); diff != "" {
		t.Errorf("Matching order (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"realms.native.native1.order", "realms.native.native2.order"},
		s.Matching("realms.native.<name>.order")); diff != "" {
		t.Errorf("Matching native (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"file", "ldap", "native"}, s.Groups("realms")); diff != "" {
		t.Errorf("Groups(realms) (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"native1", "native2", "special"}, s.Groups("realms.native.")); diff != "" {
		t.Errorf("Groups(realms.native.) (-want +got):\n%s", diff)
	}
	if got := s.Groups("nothing"); got != nil {
		t.Errorf("Groups(nothing) = %v, want nil", got)
	}
	gets := map[string]string{
		"realms.native.native1.order":   "1",
		"realms.native.native1.enabled": "true", // pattern default
		"realms.file.file1.enabled":     "false",
		"realms.native.special":         "y", // exact row wins over patterns
		"realms.native.order":           "",  // too few segments: unknown
	}
	for k, want := range gets {
		if got := s.Get(k); got != want {
			t.Errorf("Get(%q) = %q, want %q", k, got, want)
		}
	}

	errs := []struct{ override, want string }{
		{"realms.native.n.order=bad", "setting [realms.native.n.order]: bad order [bad]"},
		{"realms.native.n.enabled=on", "setting [realms.native.n.enabled]: Failed to parse value [on] as only [true] or [false] are allowed."},
		{"realms.native.order=1", "unknown setting [realms.native.order] please check that any required plugins are installed, or check the breaking changes documentation for removed settings"},
		{"realms.native..order=1", "unknown setting [realms.native..order] please check that any required plugins are installed, or check the breaking changes documentation for removed settings"},
	}
	for _, e := range errs {
		_, err := load(table, "", []string{e.override}, envOf(nil))
		if err == nil || err.Error() != e.want {
			t.Errorf("-E %s: error %v, want %q", e.override, err, e.want)
		}
	}
}

func TestBuiltinTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range builtinSettings() {
		if seen[r.key] {
			t.Errorf("setting %q registered twice", r.key)
		}
		seen[r.key] = true
		if r.isPattern() && r.defFunc != nil {
			t.Errorf("patterned setting %q has a computed default", r.key)
		}
		// Every default must pass its own validation.
		def := r.def
		if r.defFunc != nil {
			def = r.defFunc()
		}
		if r.validate != nil {
			if err := r.validate(r.key, def); err != nil {
				t.Errorf("default of %q fails validation: %v", r.key, err)
			}
		}
	}
}

func TestUnknownSuggestions(t *testing.T) {
	table := []setting{{key: "abc.defg"}, {key: "abc.defh"}, {key: "mnop.qrst"}, {key: "zzz.<x>"}}
	tests := []struct{ key, want string }{
		{"abc.defx", "unknown setting [abc.defx] did you mean any of [abc.defg, abc.defh]?"},
		{"mnop.qrsx", "unknown setting [mnop.qrsx] did you mean [mnop.qrst]?"},
		{"zzz", "unknown setting [zzz] please check that any required plugins are installed, or check the breaking changes documentation for removed settings"},
	}
	for _, tt := range tests {
		if got := unknownSettingError(table, tt.key).Error(); got != tt.want {
			t.Errorf("unknown %q:\n got %q\nwant %q", tt.key, got, tt.want)
		}
	}
}

func TestParseByteSize(t *testing.T) {
	const k = "s"
	tests := []struct {
		in   string
		want int64
		err  string
	}{
		{in: "0", want: 0},
		{in: "0B", want: 0},
		{in: "-1", want: -1},
		{in: "-1B", want: -1},
		{in: "1b", want: 1},
		{in: "512b", want: 512},
		{in: "512B", want: 512},
		{in: " 512 b ", want: 512},
		{in: "1k", want: 1024},
		{in: "1kb", want: 1024},
		{in: "1KB", want: 1024},
		{in: "1Kb", want: 1024},
		{in: "2m", want: 2 << 20},
		{in: "2mb", want: 2 << 20},
		{in: "3g", want: 3 << 30},
		{in: "3GB", want: 3 << 30},
		{in: "1t", want: 1 << 40},
		{in: "1tb", want: 1 << 40},
		{in: "1p", want: 1 << 50},
		{in: "1pb", want: 1 << 50},
		{in: "1.1kb", want: 1127}, // 1126.4 rounded up
		{in: "0.5kb", want: 512},
		{in: ".5kb", want: 512},
		{in: "1e3kb", want: 1024000},
		{in: "1.5e1kb", want: 15360},
		{in: "+2kb", want: 2048},
		{in: "100", err: "failed to parse setting [s] with value [100] as a size in bytes: unit is missing or unrecognized"},
		{in: "1", err: "failed to parse setting [s] with value [1] as a size in bytes: unit is missing or unrecognized"},
		{in: "", err: "failed to parse setting [s] with value [] as a size in bytes: unit is missing or unrecognized"},
		{in: "12x", err: "failed to parse setting [s] with value [12x] as a size in bytes: unit is missing or unrecognized"},
		{in: "b", err: "failed to parse setting [s] with value [b]"},
		{in: "1.5b", err: "failed to parse setting [s] with value [1.5b]"},
		{in: "-2b", err: "failed to parse setting [s] with value [-2b] as a size in bytes"},
		{in: "-1kb", err: "failed to parse setting [s] with value [-1kb] as a size in bytes"},
		{in: "-1.5kb", err: "failed to parse setting [s] with value [-1.5kb]"},
		{in: "1.555kb", err: "failed to parse setting [s] with more than two decimals in value [1.555kb]"},
		{in: "1e-3kb", err: "failed to parse setting [s] with more than two decimals in value [1e-3kb]"},
		{in: "1ekb", err: "failed to parse setting [s] with value [1ekb]"},
		{in: "1.2.3kb", err: "failed to parse setting [s] with value [1.2.3kb]"},
		{in: "9000000pb", err: "failed to parse setting [s] with value [9000000pb] as a size in bytes"},
		{in: "99999999999999999999kb", err: "failed to parse setting [s] with value beyond 9223372036854775807: [99999999999999999999kb]"},
		{in: "1e999999kb", err: "failed to parse setting [s] with value beyond 9223372036854775807: [1e999999kb]"},
	}
	for _, tt := range tests {
		got, err := parseByteSize(k, tt.in)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("parseByteSize(%q) = %d, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseByteSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
}

func TestYAMLAliases(t *testing.T) {
	s, err := loadYAML(t, "cluster.name: &n shared\nnode.name: *n\n", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := s.Get("node.name"); got != "shared" {
		t.Errorf("node.name = %q, want shared", got)
	}
}

// ignoreRealms leaves the realm chain and anonymous access to realms_test.go.
var ignoreRealms = cmpopts.IgnoreFields(Config{}, "Realms", "Anonymous", "Store", "PasswordPolicy", "MaxConcurrentHashes", "Audit", "Lockout", "TrustedProxies", "APIKey", "ServiceAccount", "Token")
