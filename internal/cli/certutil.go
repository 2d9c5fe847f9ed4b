package cli

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/esauth/esauth/internal/config"
)

const certutilUsage = `Creates a certificate authority and an HTTPS certificate for the REST
listener, like elasticsearch-certutil http but without its questions

Usage: esauth certutil http [options]

Options
  --out DIR                where to write the files (default: certs in the
                           configuration directory)
  --dns NAME               another host name for the certificate
                           (repeatable, or comma-separated)
  --ip ADDRESS             another IP address for the certificate
                           (repeatable, or comma-separated)
  --days N                 how long the HTTPS certificate is valid
                           (default 365)
  --ca-days N              how long a new CA is valid (default 1826, five
                           years)
  --ca-cert FILE           sign with this existing CA certificate (PEM)
                           instead of creating a CA; needs --ca-key
  --ca-key FILE            the private key of --ca-cert (PEM, unencrypted)
  --force                  replace files that already exist
` + commonOptions + `
Writes ca.crt and ca.key (a new ECDSA P-256 CA; not with --ca-cert),
http.crt (the certificate followed by its CA) and http.key. Keys are
readable by their owner only. The certificate is for localhost, 127.0.0.1,
::1, this machine's host name, http.host, and the --dns and --ip values.
Clients trust ca.crt. A node serving HTTPS picks up rewritten files within
a few seconds, without a restart: renew with --force, or with --ca-cert
and --ca-key to keep the CA clients already trust.
`

// Validity defaults. A year keeps a lost server key's usefulness short,
// and renewing is one command without a restart; the CA lasts longer
// because every client has to be given it again when it changes.
const (
	defaultCertDays = 365
	defaultCADays   = 1826
)

// listFlag collects a repeatable option that also takes comma-separated
// values.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }

func (l *listFlag) Set(v string) error {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			*l = append(*l, s)
		}
	}
	return nil
}

// certOptions are certutil http's options, checked.
type certOptions struct {
	out             string
	dns             []string
	ips             []net.IP
	days, caDays    int
	caCert, caKey   string
	force           bool
	configFile      string
	pathConf        string // a path.conf given with -E, repeated in the printed command
	configDir, host string
	port            int
}

// Certutil is "esauth certutil".
func Certutil(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return run(ctx, stdin, stdout, stderr, certutilUsage, func(e *env) error {
		o, err := parseCertutil(args)
		if err != nil {
			return err
		}
		return certutilHTTP(e, o)
	})
}

func parseCertutil(args []string) (certOptions, error) {
	f := newFlags("certutil")
	var o certOptions
	var dns, ips listFlag
	f.stringVar(&o.out, "out")
	f.fs.Var(&dns, "dns", "")
	f.fs.Var(&ips, "ip", "")
	f.fs.IntVar(&o.days, "days", defaultCertDays, "")
	f.fs.IntVar(&o.caDays, "ca-days", defaultCADays, "")
	f.stringVar(&o.caCert, "ca-cert")
	f.stringVar(&o.caKey, "ca-key")
	f.boolVar(&o.force, "force")
	pos, err := f.parse(args)
	if err != nil {
		return o, err
	}
	switch {
	case len(pos) == 0:
		return o, fail(exitUsage, "Missing mode; esauth certutil has one mode: [http]")
	case pos[0] != "http":
		return o, fail(exitUsage, "Unknown mode [%s]; esauth certutil has one mode: [http]", pos[0])
	case len(pos) > 1:
		return o, fail(exitUsage, "Unexpected argument [%s]", pos[1])
	case o.days < 1 || o.caDays < 1:
		return o, fail(exitUsage, "--days and --ca-days must be at least 1")
	case o.caCert == "" && o.days > o.caDays:
		return o, fail(exitUsage, "--days [%d] must not exceed --ca-days [%d]: clients refuse a certificate that outlives its CA", o.days, o.caDays)
	case (o.caCert == "") != (o.caKey == ""):
		return o, fail(exitUsage, "--ca-cert and --ca-key must be given together")
	}
	for _, d := range dns {
		if !isDNSName(d) {
			return o, fail(exitUsage, "--dns [%s] is not a host name", d)
		}
	}
	o.dns = dns
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			return o, fail(exitUsage, "--ip [%s] is not an IP address", s)
		}
		o.ips = append(o.ips, ip)
	}
	cfg, err := f.settings()
	if err != nil {
		return o, err
	}
	o.configFile, o.configDir, o.host, o.port = f.file, cfg.ConfigDir, cfg.HTTPHost, cfg.HTTPPortLow
	for _, kv := range f.overrides {
		if v, ok := strings.CutPrefix(kv, "path.conf="); ok {
			o.pathConf = v
		}
	}
	if o.out == "" {
		o.out = filepath.Join(o.configDir, "certs")
	}
	return o, nil
}

// isDNSName accepts host names and wildcards ("*.example.com") as a
// certificate's DNS names may be.
func isDNSName(s string) bool {
	return config.IsHostName(strings.TrimPrefix(strings.TrimSuffix(s, "."), "*."))
}

// outFile is one file to write.
type outFile struct {
	name string
	data []byte
	perm fs.FileMode
	what string // shown in the summary
}

func certutilHTTP(e *env, o certOptions) error {
	var names []string
	if o.caCert == "" {
		names = append(names, "ca.crt", "ca.key")
	}
	names = append(names, "http.crt", "http.key")
	if !o.force {
		// Checked before anything is created, so a refusal changes nothing.
		for _, n := range names {
			p := filepath.Join(o.out, n)
			if _, err := os.Lstat(p); err == nil {
				return fail(exitCodeError, "Output file [%s] already exists; use --force to replace it", p)
			}
		}
	}
	ca, err := certAuthority(o)
	if err != nil {
		return err
	}
	dns, ips := subjectAltNames(o)
	leaf, leafKey, err := issueServerCert(ca, dns, ips, o.days)
	if err != nil {
		return err
	}
	var files []outFile
	if o.caCert == "" {
		keyPEM, err := encodeKey(ca.key)
		if err != nil {
			return err
		}
		files = append(files,
			outFile{"ca.crt", encodeCert(ca.cert), 0o644, "the CA certificate: clients trust it"},
			outFile{"ca.key", keyPEM, 0o600, "the CA's private key: keep it secret; it signs certificates (--ca-key)"})
	}
	keyPEM, err := encodeKey(leafKey)
	if err != nil {
		return err
	}
	files = append(files,
		// The CA follows the certificate so that clients pinning the CA's
		// fingerprint instead of trusting ca.crt find it in the chain.
		outFile{"http.crt", append(encodeCert(leaf), encodeCert(ca.cert)...), 0o644,
			fmt.Sprintf("the HTTPS certificate, valid until %s, for %s", leaf.NotAfter.UTC().Format(time.DateOnly), strings.Join(sanList(leaf), ", "))},
		outFile{"http.key", keyPEM, 0o600, "its private key"})
	if err := os.MkdirAll(o.out, 0o700); err != nil {
		return fail(exitIOError, "cannot create the directory [%s]: %v", o.out, err)
	}
	for _, f := range files {
		if err := writeFileAtomic(filepath.Join(o.out, f.name), f.data, f.perm); err != nil {
			return fail(exitIOError, "cannot write [%s]: %v", filepath.Join(o.out, f.name), err)
		}
	}
	printCertSummary(e.stdout, o, files, ca.cert)
	return nil
}

// authority is the CA that signs the HTTPS certificate.
type authority struct {
	cert *x509.Certificate
	key  crypto.Signer
}

// certAuthority loads --ca-cert and --ca-key, or creates a CA.
func certAuthority(o certOptions) (authority, error) {
	if o.caCert != "" {
		return loadAuthority(o.caCert, o.caKey)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return authority{}, err
	}
	host, _ := os.Hostname()
	name := "esauth HTTP CA"
	if host != "" {
		// Tells apart the CAs of several machines in a client's trust store.
		name += " (" + host + ")"
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour), // tolerate clocks a little behind
		NotAfter:              now.AddDate(0, 0, o.caDays),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true, // signs server certificates, not other CAs
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return authority{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return authority{cert: cert, key: key}, err
}

// loadAuthority reads an existing CA, checking that the key is the
// certificate's and that the certificate may sign.
func loadAuthority(certPath, keyPath string) (authority, error) {
	certPEM, err := os.ReadFile(certPath)
	if err != nil {
		return authority{}, fail(exitIOError, "cannot read --ca-cert [%s]: %v", certPath, err)
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return authority{}, fail(exitIOError, "cannot read --ca-key [%s]: %v", keyPath, err)
	}
	block, _ := pem.Decode(certPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return authority{}, fail(exitDataError, "--ca-cert [%s] does not start with a PEM certificate", certPath)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return authority{}, fail(exitDataError, "--ca-cert [%s]: %v", certPath, err)
	}
	if !cert.IsCA || cert.KeyUsage != 0 && cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return authority{}, fail(exitDataError, "--ca-cert [%s] is not a CA certificate", certPath)
	}
	key, err := parsePrivateKey(keyPEM)
	if err != nil {
		// Not err's text: a parser's message might quote the input.
		return authority{}, fail(exitDataError, "--ca-key [%s] is not an unencrypted PEM private key", keyPath)
	}
	pub, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(cert.PublicKey) {
		return authority{}, fail(exitDataError, "--ca-key [%s] is not the key of --ca-cert [%s]", keyPath, certPath)
	}
	return authority{cert: cert, key: key}, nil
}

// parsePrivateKey reads the first private key block in PKCS#8, SEC 1 or
// PKCS#1 form: what openssl and elasticsearch-certutil write.
func parsePrivateKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("no private key")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			continue // such as "EC PARAMETERS" before the key
		}
		if err != nil {
			return nil, err
		}
		signer, ok := key.(crypto.Signer)
		if !ok {
			return nil, errors.New("unsupported key type")
		}
		return signer, nil
	}
}

// subjectAltNames are the names the certificate covers: the loopback
// names (where curl and the clients' defaults point), this machine's name,
// http.host when it names one address, and the options'.
func subjectAltNames(o certOptions) ([]string, []net.IP) {
	dns := []string{"localhost"}
	ips := []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	addDNS := func(n string) {
		if isDNSName(n) && !slices.ContainsFunc(dns, func(d string) bool { return strings.EqualFold(d, n) }) {
			dns = append(dns, n)
		}
	}
	addIP := func(ip net.IP) {
		if !ip.IsUnspecified() && !slices.ContainsFunc(ips, ip.Equal) {
			ips = append(ips, ip)
		}
	}
	if h, err := os.Hostname(); err == nil {
		addDNS(h)
	}
	if ip := net.ParseIP(o.host); ip != nil {
		addIP(ip)
	} else if o.host != "" {
		addDNS(o.host)
	}
	for _, d := range o.dns {
		addDNS(d)
	}
	for _, ip := range o.ips {
		addIP(ip)
	}
	return dns, ips
}

// issueServerCert creates the HTTPS key pair signed by ca.
func issueServerCert(ca authority, dns []string, ips []net.IP, days int) (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	cn := dns[0]
	if len(dns) > 1 {
		cn = dns[1] // the machine's name, unless it has none usable
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: cn},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(0, 0, days),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	if tmpl.NotAfter.After(ca.cert.NotAfter) {
		return nil, nil, fail(exitUsage, "the certificate would outlive its CA, valid until %s; lower --days",
			ca.cert.NotAfter.UTC().Format(time.DateOnly))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// randomSerial is a 127-bit positive serial: RFC 5280 asks for unique
// serials, and random ones need no record of those already issued.
func randomSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127)) // never fails since Go 1.24
	return n.Add(n, big.NewInt(1))
}

func encodeCert(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func encodeKey(k crypto.Signer) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// sanList renders a certificate's names for the summary.
func sanList(c *x509.Certificate) []string {
	out := slices.Clone(c.DNSNames)
	for _, ip := range c.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// node reloading its certificate never reads a half-written one. The
// permissions are set before any byte is written.
func writeFileAtomic(path string, data []byte, perm fs.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing to remove
	if err := tmp.Chmod(perm); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// printCertSummary tells what was written and the exact settings that
// turn HTTPS on.
func printCertSummary(w io.Writer, o certOptions, files []outFile, ca *x509.Certificate) {
	fmt.Fprintf(w, "Wrote to %s:\n", o.out)
	for _, f := range files {
		fmt.Fprintf(w, "  %-9s %s\n", f.name, f.what)
	}
	sum := sha256.Sum256(ca.Raw)
	fmt.Fprintf(w, "\nCA certificate SHA-256 fingerprint: %x\n", sum)

	// The settings resolve relative paths against the configuration
	// directory, so the files are named from there when they are inside it.
	certPath, keyPath := filepath.Join(o.out, "http.crt"), filepath.Join(o.out, "http.key")
	if absConf, err := filepath.Abs(o.configDir); err == nil {
		if absOut, err := filepath.Abs(o.out); err == nil {
			if rel, err := filepath.Rel(absConf, absOut); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
				certPath, keyPath = filepath.Join(rel, "http.crt"), filepath.Join(rel, "http.key")
			} else {
				certPath, keyPath = filepath.Join(absOut, "http.crt"), filepath.Join(absOut, "http.key")
			}
		}
	}
	settings := [][2]string{
		{"xpack.security.http.ssl.enabled", "true"},
		{"xpack.security.http.ssl.certificate", certPath},
		{"xpack.security.http.ssl.key", keyPath},
	}
	fmt.Fprintf(w, "\nTo serve HTTPS, add these settings to the settings file:\n\n")
	for _, s := range settings {
		fmt.Fprintf(w, "  %s: %s\n", s[0], s[1])
	}
	cmd := []string{"esauth"}
	if o.configFile != "" {
		cmd = append(cmd, "--config", shellQuote(o.configFile))
	}
	if o.pathConf != "" {
		cmd = append(cmd, "-E", shellQuote("path.conf="+o.pathConf))
	}
	for _, s := range settings {
		cmd = append(cmd, "-E", shellQuote(s[0]+"="+s[1]))
	}
	host := "localhost"
	if ip := net.ParseIP(o.host); o.host != "" && o.host != "localhost" && (ip == nil || !ip.IsLoopback() && !ip.IsUnspecified()) {
		host = o.host
	}
	caPath := filepath.Join(o.out, "ca.crt")
	if o.caCert != "" {
		caPath = o.caCert
	}
	fmt.Fprintf(w, "\nor start the node with them:\n\n  %s\n\nThen connect with:\n\n  curl --cacert %s -u elastic https://%s/\n",
		strings.Join(cmd, " "), shellQuote(caPath), net.JoinHostPort(host, strconv.Itoa(o.port)))
}

// shellQuote quotes s for a POSIX shell when it needs it, so the printed
// command can be pasted as is.
func shellQuote(s string) string {
	if s != "" && strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./=:,+@%", r))
	}) < 0 {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
