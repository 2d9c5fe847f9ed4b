package main

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

const (
	elasticPassword = "bench-elastic-pw"
	benchUser       = "bench"
	benchPassword   = "bench-password"
)

func basic(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

var elasticAuth = basic("elastic", elasticPassword)

// node is a running esauth.
type node struct {
	*proc
	url string
	// startup is the time from exec to the first answered request.
	startup time.Duration
}

// startEsauth runs the built esauth on dataDir with extra settings
// (name=value) and waits for it to answer an authenticated GET /.
func (b *bench) startEsauth(ctx context.Context, name, dataDir string, settings ...string) (*node, error) {
	return b.startEsauthBinary(ctx, "esauth", name, dataDir, settings...)
}

// startEsauthBinary is startEsauth with another build of it: binary is
// its name in the run's directory.
func (b *bench) startEsauthBinary(ctx context.Context, binary, name, dataDir string, settings ...string) (*node, error) {
	return b.startEsauthEnv(ctx, binary, name, dataDir, nil, settings...)
}

// startEsauthEnv is startEsauthBinary with extra environment variables.
func (b *bench) startEsauthEnv(ctx context.Context, binary, name, dataDir string, env []string, settings ...string) (*node, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	args := []string{filepath.Join(b.tmp, binary),
		"-E", "path.data=" + dataDir, "-E", "path.logs=" + filepath.Join(dataDir, "logs"),
		"-E", "http.port=" + strconv.Itoa(port)}
	for _, s := range settings {
		args = append(args, "-E", s)
	}
	begin := time.Now()
	p, err := start(name, b.tmp, append([]string{"ELASTIC_PASSWORD=" + elasticPassword}, env...), args...)
	if err != nil {
		return nil, err
	}
	n := &node{proc: p, url: fmt.Sprintf("http://127.0.0.1:%d", port)}
	if err := waitHTTP(ctx, p, n.url+"/", elasticAuth, http.StatusOK, 2*time.Minute); err != nil {
		log, _ := os.ReadFile(p.log.Name())
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	n.startup = time.Since(begin)
	return n, nil
}

// call sends one request as elastic and returns the status and body.
func (n *node) call(ctx context.Context, method, path, body string) (int, string, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, n.url+path, rd)
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Authorization", elasticAuth)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	return resp.StatusCode, string(data), err
}

// mustCall is call that expects a 200.
func (n *node) mustCall(ctx context.Context, method, path, body string) error {
	status, resp, err := n.call(ctx, method, path, body)
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, path, status, resp)
	}
	return nil
}

// putUser creates a user with a password (hashed by the server).
func (n *node) putUser(ctx context.Context, name, password string) error {
	return n.mustCall(ctx, http.MethodPut, "/_security/user/"+name,
		fmt.Sprintf(`{"password":%q,"roles":["viewer"]}`, password))
}

// writeScript writes a Lua script for wrk into the run's directory.
func (b *bench) writeScript(name, text string) (string, error) {
	path := filepath.Join(b.tmp, name+".lua")
	return path, os.WriteFile(path, []byte(text), 0o644)
}

// repeat runs fn opt.runs times and collects its figures.
func (b *bench) repeat(fn func(i int) (float64, error)) ([]float64, error) {
	var out []float64
	for i := range b.opt.runs {
		v, err := fn(i)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}
