package main

import (
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// load is one wrk run: its threads, connections and duration, extra
// headers and an optional Lua script.
type load struct {
	threads, conns int
	duration       time.Duration
	headers        []string
	script         string
}

// wrkResult is what a run measured.
type wrkResult struct {
	rps    float64
	non2xx int
	total  int
}

var (
	rpsRe    = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	non2xxRe = regexp.MustCompile(`Non-2xx or 3xx responses:\s+([0-9]+)`)
	totalRe  = regexp.MustCompile(`([0-9]+) requests in`)
)

// runWrk runs wrk against url and parses its summary.
func runWrk(ctx context.Context, l load, url string) (wrkResult, error) {
	args := []string{"-t", strconv.Itoa(l.threads), "-c", strconv.Itoa(l.conns),
		"-d", fmt.Sprintf("%ds", int(l.duration.Seconds())), "--timeout", "10s"}
	for _, h := range l.headers {
		args = append(args, "-H", h)
	}
	if l.script != "" {
		args = append(args, "-s", l.script)
	}
	args = append(args, url)
	ctx, cancel := context.WithTimeout(ctx, l.duration+30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "wrk", args...).CombinedOutput()
	if err != nil {
		return wrkResult{}, fmt.Errorf("wrk %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return parseWrk(string(out))
}

// parseWrk reads wrk's summary: requests per second, the count of
// non-2xx/3xx answers and the total.
func parseWrk(out string) (wrkResult, error) {
	m := rpsRe.FindStringSubmatch(out)
	if m == nil {
		return wrkResult{}, fmt.Errorf("no Requests/sec in wrk output:\n%s", out)
	}
	var r wrkResult
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	if m := non2xxRe.FindStringSubmatch(out); m != nil {
		r.non2xx, _ = strconv.Atoi(m[1])
	}
	if m := totalRe.FindStringSubmatch(out); m != nil {
		r.total, _ = strconv.Atoi(m[1])
	}
	return r, nil
}

// okRPS runs wrk and insists every answer was a success: a benchmark of
// 401s would measure the wrong thing.
func okRPS(ctx context.Context, l load, url string) (float64, error) {
	r, err := runWrk(ctx, l, url)
	if err != nil {
		return 0, err
	}
	if r.non2xx > 0 {
		return 0, fmt.Errorf("%s: %d of %d answers were not 2xx", url, r.non2xx, r.total)
	}
	if r.total == 0 {
		return 0, fmt.Errorf("%s: no request completed", url)
	}
	return r.rps, nil
}
