package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"
)

// bench holds a run's state and results.
type bench struct {
	opt               options
	tmp               string
	started, finished time.Time
	figures           []*figure
	targets           []*target
	notes             []string
	// maxRate holds the highest rates sections measured, for the latency
	// section to pace at half of them without measuring them again:
	// "auth" (cached _authenticate) and "gateway" (a search through
	// esauth's gateway).
	maxRate map[string]float64
}

// figure is one measured quantity over several runs.
type figure struct {
	Section string    `json:"section"`
	Name    string    `json:"name"`
	Unit    string    `json:"unit"`
	Runs    []float64 `json:"runs"`
	Min     float64   `json:"min"`
	Median  float64   `json:"median"`
	Max     float64   `json:"max"`
	// Ratio is the median over the section's baseline, when it has one.
	Ratio    float64 `json:"ratio,omitempty"`
	Baseline string  `json:"baseline,omitempty"`
}

// target is one of the speed targets and whether this run met it.
type target struct {
	Name string  `json:"name"`
	Want string  `json:"want"`
	Got  float64 `json:"got"`
	Unit string  `json:"unit"`
	Met  bool    `json:"met"`
	// Section, when set, lists the target under that section's figures
	// too.
	Section string `json:"section,omitempty"`
}

// add records a figure from its runs.
func (b *bench) add(section, name, unit string, runs []float64) *figure {
	f := &figure{Section: section, Name: name, Unit: unit, Runs: runs}
	s := slices.Clone(runs)
	slices.Sort(s)
	if len(s) > 0 {
		f.Min, f.Max = s[0], s[len(s)-1]
		f.Median = s[len(s)/2]
		if len(s)%2 == 0 {
			f.Median = (s[len(s)/2-1] + s[len(s)/2]) / 2
		}
	}
	b.figures = append(b.figures, f)
	fmt.Printf("  %-60s %12.1f %s (min %.1f, max %.1f)\n", name, f.Median, unit, f.Min, f.Max)
	return f
}

// ratio sets f's ratio to base.
func (f *figure) ratio(base *figure) *figure {
	if base != nil && base.Median > 0 {
		f.Ratio, f.Baseline = f.Median/base.Median, base.Name
	}
	return f
}

// atLeast and atMost record a target.
func (b *bench) atLeast(name string, got, want float64, unit string) *target {
	t := &target{Name: name, Want: fmt.Sprintf(">= %g", want), Got: got, Unit: unit, Met: got >= want}
	b.targets = append(b.targets, t)
	return t
}

func (b *bench) atMost(name string, got, want float64, unit string) *target {
	t := &target{Name: name, Want: fmt.Sprintf("< %g", want), Got: got, Unit: unit, Met: got < want}
	b.targets = append(b.targets, t)
	return t
}

func (b *bench) note(format string, args ...any) {
	b.notes = append(b.notes, fmt.Sprintf(format, args...))
}

// machine describes where the run happened.
type machine struct {
	Date     string            `json:"date"`
	CPUs     int               `json:"cpus"`
	CPU      string            `json:"cpu"`
	Memory   string            `json:"memory"`
	OS       string            `json:"os"`
	Go       string            `json:"go"`
	Versions map[string]string `json:"versions"`
	Command  string            `json:"command"`
	Load     string            `json:"load"`
}

func (b *bench) machine() machine {
	m := machine{
		Date:    b.started.UTC().Format("2006-01-02 15:04 MST"),
		CPUs:    runtime.NumCPU(),
		Go:      runtime.Version(),
		Command: strings.TrimSpace("make bench (go run ./bench "+strings.Join(os.Args[1:], " ")) + ")",
		Load: fmt.Sprintf("wrk, %d runs of %s per figure; wrk and the paced generator (bench/paced.go) run on the same cores as the servers",
			b.opt.runs, b.opt.duration),
		Versions: map[string]string{},
	}
	if out, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "model name"); ok {
				m.CPU = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	if out, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb float64
		if _, err := fmt.Sscanf(string(out), "MemTotal: %f kB", &kb); err == nil {
			m.Memory = fmt.Sprintf("%.1f GiB", kb/(1<<20))
		}
	}
	if out, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, line := range strings.Split(string(out), "\n") {
			if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
				m.OS = strings.Trim(v, `"`)
			}
		}
	}
	for tool, args := range map[string][]string{"wrk": {"-v"}, "caddy": {"version"}, "nginx": {"-v"}, "haproxy": {"-v"}} {
		out, _ := exec.Command(tool, args...).CombinedOutput()
		v := strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0])
		v = strings.TrimPrefix(v, "nginx version: ")
		if rest, ok := strings.CutPrefix(v, "HAProxy version "); ok {
			v, _, _ = strings.Cut(rest, " ") // before its date and address
		}
		if i := strings.Index(v, " Copyright"); i > 0 {
			v = v[:i] // wrk's banner
		}
		if !strings.HasPrefix(v, tool) {
			v = tool + " " + v
		}
		m.Versions[tool] = v
	}
	return m
}

func (b *bench) writeJSON(path string) error {
	out := struct {
		Machine machine   `json:"machine"`
		Figures []*figure `json:"figures"`
		Targets []*target `json:"targets"`
		Notes   []string  `json:"notes"`
	}{b.machine(), b.figures, b.targets, b.notes}
	data, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, append(data, '\n'), 0o644)
}

func (b *bench) writeMarkdown(path string) error {
	m := b.machine()
	var w strings.Builder
	fmt.Fprintf(&w, "# esauth performance\n\n")
	fmt.Fprintf(&w, "Written by the benchmark harness (`bench/`, started with `make bench`); do not edit by hand.\n")
	fmt.Fprintf(&w, "Every figure is the median of %d runs, with the minimum and maximum; ratios compare medians\n", b.opt.runs)
	fmt.Fprintf(&w, "measured in the same run, against the first row of their section. Absolute numbers change from\n")
	fmt.Fprintf(&w, "machine to machine; ratios travel better.\n\n")
	fmt.Fprintf(&w, "- Date: %s (run took %s)\n", m.Date, b.finished.Sub(b.started).Round(time.Second))
	fmt.Fprintf(&w, "- Machine: %d CPUs (%s), %s memory, %s, %s\n", m.CPUs, m.CPU, m.Memory, m.OS, m.Go)
	fmt.Fprintf(&w, "- Peers: %s; %s; %s; %s\n", m.Versions["caddy"], m.Versions["nginx"], m.Versions["haproxy"], m.Versions["wrk"])
	fmt.Fprintf(&w, "- Command: `%s`\n", m.Command)
	fmt.Fprintf(&w, "- Load: %s\n\n", m.Load)

	fmt.Fprintf(&w, "## Targets\n\n")
	writeTargets(&w, b.targets)
	var sections []string
	for _, f := range b.figures {
		if !slices.Contains(sections, f.Section) {
			sections = append(sections, f.Section)
		}
	}
	for _, section := range sections {
		fmt.Fprintf(&w, "\n## %s\n\n| figure | median | min | max | unit | ratio |\n|---|---|---|---|---|---|\n", section)
		for _, f := range b.figures {
			if f.Section != section {
				continue
			}
			ratio := ""
			if f.Baseline != "" {
				ratio = fmt.Sprintf("%.3f", f.Ratio)
			}
			fmt.Fprintf(&w, "| %s | %s | %s | %s | %s | %s |\n", f.Name, num(f.Median), num(f.Min), num(f.Max), f.Unit, ratio)
		}
		var own []*target
		for _, t := range b.targets {
			if t.Section == section {
				own = append(own, t)
			}
		}
		if len(own) > 0 {
			fmt.Fprintf(&w, "\n")
			writeTargets(&w, own)
		}
	}
	if len(b.notes) > 0 {
		fmt.Fprintf(&w, "\n## Notes\n\n")
		for _, n := range b.notes {
			fmt.Fprintf(&w, "- %s\n", n)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(w.String()), 0o644)
}

// writeTargets writes a table of targets.
func writeTargets(w *strings.Builder, targets []*target) {
	fmt.Fprintf(w, "| target | wanted | this run | met |\n|---|---|---|---|\n")
	for _, t := range targets {
		met := "yes"
		if !t.Met {
			met = "**no**"
		}
		fmt.Fprintf(w, "| %s | %s %s | %s %s | %s |\n", t.Name, t.Want, t.Unit, num(t.Got), t.Unit, met)
	}
}

// num formats a figure with precision that suits its size.
func num(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.3g", v)
	}
}
