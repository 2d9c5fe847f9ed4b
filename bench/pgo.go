package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
)

// pgoProfile is esauth's profile for profile-guided optimisation: go
// build uses a default.pgo in the main package's directory by itself.
const pgoProfile = "cmd/esauth/default.pgo"

// hasPGO reports whether esauth has a profile to build with.
func (b *bench) hasPGO() bool {
	_, err := os.Stat(pgoProfile)
	return err == nil
}

// makeProfile writes pgoProfile (`go run ./bench -pgo -d 30s`, make pgo):
// esauth, built as bench/profiled (esauth's server writing a CPU profile)
// with the current profile if there is one, serves the auth section's
// load (cached GET /_security/_authenticate) in one process and the
// gateway section's (searches and 5 KB bulks through the gateway) in
// another, each for -d; the two profiles merged are the new one. Run it
// again when the hot path changes.
func makeProfile(ctx context.Context, b *bench) error {
	var flags []string
	if b.hasPGO() {
		flags = append(flags, "-pgo="+pgoProfile) // profile esauth as it is built
	}
	fmt.Println("building esauth with a CPU profile (bench/profiled)")
	if err := b.build(ctx, "esauth-profiled", "./bench/profiled", flags...); err != nil {
		return err
	}
	authProf, gwProf := filepath.Join(b.tmp, "auth.pprof"), filepath.Join(b.tmp, "gateway.pprof")

	fmt.Printf("profiling cached authentication for %s\n", b.opt.duration)
	es, err := b.startEsauthEnv(ctx, "esauth-profiled", "esauth-profile-auth", filepath.Join(b.tmp, "profile-auth-data"),
		[]string{"ESAUTH_CPUPROFILE=" + authProf})
	if err != nil {
		return err
	}
	if err := es.putUser(ctx, benchUser, benchPassword); err != nil {
		return err
	}
	auth := "Authorization: " + basic(benchUser, benchPassword)
	if _, err := okRPS(ctx, load{threads: 2, conns: 32, duration: b.opt.duration, headers: []string{auth}}, es.url+authPath); err != nil {
		return err
	}
	es.stop() // SIGTERM: it writes the profile as it shuts down

	fmt.Printf("profiling the gateway: searches for %s, 5 KB bulks for %s\n", b.opt.duration, b.opt.duration)
	up, err := b.startUpstream(ctx)
	if err != nil {
		return err
	}
	gw, err := b.startGatewayEnv(ctx, "esauth-profiled", "esauth-profile-gateway", up, []string{"ESAUTH_CPUPROFILE=" + gwProf})
	if err != nil {
		return err
	}
	if err := checkAnswer(ctx, http.MethodGet, gw.url+searchPath, "", searchAnswer); err != nil {
		return err
	}
	if _, err := okRPS(ctx, load{threads: 2, conns: 32, duration: b.opt.duration, headers: []string{auth}}, gw.url+searchPath); err != nil {
		return err
	}
	body, _ := bulkBody(5 << 10)
	script, err := b.bodyScript("bulk-5k", body)
	if err != nil {
		return err
	}
	if _, err := okRPS(ctx, load{threads: 2, conns: 32, duration: b.opt.duration, headers: []string{auth}, script: script}, gw.url+"/_bulk"); err != nil {
		return err
	}
	gw.stop()

	for _, p := range []string{authProf, gwProf} {
		if st, err := os.Stat(p); err != nil || st.Size() == 0 {
			return fmt.Errorf("no CPU profile in %s (see the esauth logs)", p)
		}
	}
	var out, stderr bytes.Buffer
	merge := exec.CommandContext(ctx, "go", "tool", "pprof", "-proto", authProf, gwProf)
	merge.Stdout, merge.Stderr = &out, &stderr
	if err := merge.Run(); err != nil {
		return fmt.Errorf("go tool pprof -proto: %v\n%s", err, stderr.Bytes())
	}
	if err := os.WriteFile(pgoProfile, out.Bytes(), 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d bytes); rebuild esauth to use it\n", pgoProfile, out.Len())
	return nil
}
