// Command report turns the raw results of bench/run into RESULTS.md: the
// medians of every benchmark, the ratios against each peer and floor
// (computed here, from the same run), and whether each target was met.
//
// Medians and their 95% confidence intervals are computed the way benchstat
// computes them (golang.org/x/perf/benchmath, assuming nothing about the
// distribution); benchstat's own tables are appended verbatim.
//
// Usage:
//
//	report -raw DIR -cmd 'COMMAND' -commit REV [-date DATE] [-notes FILE] [-out FILE]
//
// DIR holds calls.txt and gen.txt (go test -bench and genbench output),
// benchstat.txt, and profiles/*.txt (pprof -top excerpts, each starting
// with a line that names what was profiled). -notes appends a hand-written
// analysis (bench/NOTES.md) after the generated tables: the why of the
// misses, which numbers alone do not say.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	goruntime "runtime"
	"slices"
	"strings"
	"time"

	"golang.org/x/perf/benchfmt"
	"golang.org/x/perf/benchmath"
)

func main() {
	raw := flag.String("raw", "", "directory of raw results")
	cmd := flag.String("cmd", "", "the exact command that produced them")
	commit := flag.String("commit", "", "the commit measured, with -dirty when the tree had changes")
	out := flag.String("out", "RESULTS.md", "file to write")
	date := flag.String("date", time.Now().UTC().Format("2006-01-02 15:04 MST"), "when the benchmarks ran")
	notes := flag.String("notes", "", "a Markdown file of analysis to append, if it exists")
	flag.Parse()
	if *raw == "" {
		fmt.Fprintln(os.Stderr, "report: -raw is required")
		os.Exit(2)
	}
	r := &report{raw: *raw, stats: map[string]map[string]*stat{}}
	for _, f := range []string{"calls.txt", "gen.txt"} {
		if err := r.read(filepath.Join(*raw, f)); err != nil {
			fmt.Fprintln(os.Stderr, "report:", err)
			os.Exit(1)
		}
	}
	var b bytes.Buffer
	r.write(&b, *cmd, *commit, *date)
	if n, err := os.ReadFile(*notes); err == nil {
		b.WriteString("\n")
		b.Write(n)
	}
	if err := os.WriteFile(*out, b.Bytes(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// stat is the summary of one benchmark's runs in one unit.
type stat struct {
	benchmath.Summary
	n int
}

// report holds every benchmark's summaries: name (without -GOMAXPROCS)
// -> unit -> summary.
type report struct {
	raw   string
	stats map[string]map[string]*stat
}

// read adds the results of one file of benchmark output.
func (r *report) read(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	values := map[string]map[string][]float64{}
	rd := benchfmt.NewReader(f, path)
	for rd.Scan() {
		res, ok := rd.Result().(*benchfmt.Result)
		if !ok {
			continue
		}
		name := strings.TrimPrefix(stripProcs(res.Name.String()), "Benchmark")
		if values[name] == nil {
			values[name] = map[string][]float64{}
		}
		for _, v := range res.Values {
			// The reader turns ns/op into sec/op; the tables speak
			// the units go test wrote.
			unit, val := v.Unit, v.Value
			if v.OrigUnit != "" {
				unit, val = v.OrigUnit, v.OrigValue
			}
			values[name][unit] = append(values[name][unit], val)
		}
	}
	if err := rd.Err(); err != nil {
		return err
	}
	for name, units := range values {
		r.stats[name] = map[string]*stat{}
		for unit, vs := range units {
			s := benchmath.NewSample(vs, &benchmath.DefaultThresholds)
			r.stats[name][unit] = &stat{Summary: benchmath.AssumeNothing.Summary(s, 0.95), n: len(vs)}
		}
	}
	return nil
}

// stripProcs drops the -GOMAXPROCS suffix go test adds to names.
func stripProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	for _, c := range name[i+1:] {
		if c < '0' || c > '9' {
			return name
		}
	}
	return name[:i]
}

// get returns the median of name in unit, and whether it was measured.
func (r *report) get(name, unit string) (float64, bool) {
	s, ok := r.stats[name][unit]
	if !ok {
		return math.NaN(), false
	}
	return s.Center, true
}

// spread is the half-width of name's confidence interval in unit, in
// percent of its median, as benchstat prints it.
func (r *report) spread(name, unit string) string {
	s, ok := r.stats[name][unit]
	if !ok || s.Center == 0 {
		return ""
	}
	w := math.Max(s.Hi-s.Center, s.Center-s.Lo) / s.Center * 100
	if math.IsInf(w, 0) || math.IsNaN(w) {
		return "±∞"
	}
	return fmt.Sprintf("±%.0f%%", w)
}

var callCases = []string{
	"direct", "direct-timeout",
	"resilgen-breaker", "resilgen-breaker-retry", "resilgen-breaker-retry-timeout",
	"gobreaker",
	"failsafe-breaker", "failsafe-breaker-retry", "failsafe-breaker-retry-timeout",
	"resilgen-breaker-open", "gobreaker-open", "failsafe-breaker-open",
	"resilgen-breaker-rate", "failsafe-breaker-rate", "resilgen-breaker-hedge",
}

// peerOf names, for each resilgen case, the peer its overhead is compared
// with: gobreaker for the closed breaker with or without a retry that never
// fires (issue 15's bar), and otherwise the peer doing the same work.
var peerOf = map[string]string{
	"resilgen-breaker":               "gobreaker",
	"resilgen-breaker-retry":         "gobreaker",
	"resilgen-breaker-retry-timeout": "failsafe-breaker-retry-timeout",
	"resilgen-breaker-open":          "gobreaker-open",
	"resilgen-breaker-rate":          "failsafe-breaker-rate",
}

// observerCases are resilgen-breaker-retry with an observer adapter; each
// is compared with resilgen-breaker-retry, which has none.
var observerCases = []struct{ name, what string }{
	{"resilgen-breaker-retry-otel", "otelobserver, SDK MeterProvider (ManualReader), no span in ctx"},
	{"resilgen-breaker-retry-slog", "slogobserver, logger at Info (the healthy path logs nothing)"},
}

// storeOp is a store benchmark and the floor it is compared with.
type storeOp struct{ op, floor string }

var storeOps = []storeOp{
	{"idem-hit", "floor-get"},
	{"idem-miss", "floor-put"},
	{"journal-append", "floor-append"},
}

// storeRows are the rows of st in the stores table: every operation
// against its floor, and for PostgreSQL the miss again against the two
// statements it needs (floor-put2).
func storeRows(st string) []storeOp {
	if st != "pg" {
		return storeOps
	}
	return append(storeOps[:len(storeOps):len(storeOps)], storeOp{"idem-miss", "floor-put2"})
}

var genTools = []string{"resilgen", "mockgen", "moq", "load"}

// sizes returns the N of every generation benchmark, ascending.
func (r *report) sizes() []int {
	var ns []int
	for name := range r.stats {
		var n int
		var tool string
		if _, err := fmt.Sscanf(strings.ReplaceAll(name, "/", " "), "Gen N=%d %s", &n, &tool); err == nil && !slices.Contains(ns, n) {
			ns = append(ns, n)
		}
	}
	slices.Sort(ns)
	return ns
}

func (r *report) write(w *bytes.Buffer, cmd, commit, date string) {
	fmt.Fprintf(w, "# resilgen benchmarks\n\n")
	fmt.Fprintf(w, "Written by `bench/run` (bench/cmd/report); do not edit by hand, run it again.\n\n")
	fmt.Fprintf(w, "- date: %s\n", date)
	fmt.Fprintf(w, "- command: `%s`\n", cmd)
	fmt.Fprintf(w, "- commit: %s\n", commit)
	fmt.Fprintf(w, "- machine: %d CPUs (nproc), %s, %s/%s, %s\n", goruntime.NumCPU(), cpuModel(), goruntime.GOOS, goruntime.GOARCH, goruntime.Version())
	if b, err := os.ReadFile(filepath.Join(r.raw, "loadavg")); err == nil {
		// Other work on the machine is the main source of noise: say
		// how busy it was.
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		fmt.Fprintf(w, "- load average (1, 5, 15 min) at the start and at the end of the run: %s\n", strings.Join(lines, " → "))
	}
	fmt.Fprintf(w, "- every figure is the median of the runs shown (n); ± is the 95%% confidence interval of the median, as benchstat computes it. ")
	fmt.Fprintf(w, "Ratios are of medians from this one run, not absolute claims: the machine is shared and noisy, so compare ratios, and rerun before trusting a difference of a few percent.\n\n")

	r.writeTargets(w)
	r.writeCalls(w)
	r.writeObservers(w)
	r.writeRateLimit(w)
	r.writeFleet(w)
	r.writeStores(w)
	r.writeGen(w)
	r.writeProfiles(w)
	if b, err := os.ReadFile(filepath.Join(r.raw, "benchstat.txt")); err == nil {
		fmt.Fprintf(w, "## benchstat\n\n<details><summary>benchstat of the raw results</summary>\n\n```\n%s```\n\n</details>\n", b)
	}
}

func (r *report) writeCalls(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Call overhead\n\n")
	fmt.Fprintf(w, "One call of `Get(ctx, key, n, opts...) (int, error)` through each wrapper, always through the interface, with no call options (as most calls pass none; none of the cases allocates for them). ")
	fmt.Fprintf(w, "direct calls the dependency; direct-timeout calls it inside a hand-written `context.WithTimeout(ctx, time.Second)`, cancelled when it returns: the floor of a per-attempt timeout. ")
	fmt.Fprintf(w, "seq: one goroutine; par: `b.RunParallel` on one shared wrapper (ns/op is wall time per call over all goroutines). ")
	fmt.Fprintf(w, "Overhead is the median minus direct's median. \"vs peer\" is resilgen's overhead over the peer's: gobreaker's for the breaker alone and for breaker+retry (a retry that never fires should cost nothing, issue 15), gobreaker's rejection for the open breaker, failsafe-go's for breaker+retry+timeout and the rate mode.\n\n")
	fmt.Fprintf(w, "| case | seq ns/op | seq B/op | seq allocs/op | seq overhead | seq vs peer | par ns/op | par allocs/op | par overhead | par vs peer |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|\n")
	for _, c := range callCases {
		fmt.Fprintf(w, "| %s ", c)
		for _, mode := range []string{"seq", "par"} {
			name := "Call/" + mode + "/" + c
			ns, ok := r.get(name, "ns/op")
			if !ok {
				if mode == "seq" {
					fmt.Fprintf(w, "| — | — | — | — | — ")
				} else {
					fmt.Fprintf(w, "| — | — | — | — ")
				}
				continue
			}
			direct, _ := r.get("Call/"+mode+"/direct", "ns/op")
			fmt.Fprintf(w, "| %.1f %s (n=%d) ", ns, r.spread(name, "ns/op"), r.stats[name]["ns/op"].n)
			if mode == "seq" {
				bop, _ := r.get(name, "B/op")
				fmt.Fprintf(w, "| %g ", bop)
			}
			allocs, _ := r.get(name, "allocs/op")
			fmt.Fprintf(w, "| %g ", allocs)
			if c == "direct" {
				fmt.Fprintf(w, "| — | — ")
				continue
			}
			fmt.Fprintf(w, "| %.1f ", ns-direct)
			if p, ok := peerOf[c]; ok {
				pns, ok := r.get("Call/"+mode+"/"+p, "ns/op")
				if ok && pns-direct > 0 {
					fmt.Fprintf(w, "| %.2fx %s ", (ns-direct)/(pns-direct), p)
					continue
				}
			}
			fmt.Fprintf(w, "| — ")
		}
		fmt.Fprintf(w, "|\n")
	}
	fmt.Fprintln(w)
}

// writeObservers states what an observer adapter adds to a call: no
// target, the cost a user pays for telemetry.
func (r *report) writeObservers(w *bytes.Buffer) {
	const base = "resilgen-breaker-retry"
	fmt.Fprintf(w, "## Observers\n\n")
	fmt.Fprintf(w, "The %s wrapper of the call-overhead table with `runtime.WithObserver(...)`, on the happy path (each call reports one attempt and one call event). ", base)
	fmt.Fprintf(w, "No target: this states what the telemetry costs. \"vs none\" is the ratio of ns/op to %s's (no observer) from the same run; \"added\" is the difference.\n\n", base)
	fmt.Fprintf(w, "| observer | setup | seq ns/op | seq allocs/op | seq added | seq vs none | par ns/op | par allocs/op | par added | par vs none |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|\n")
	rows := append([]struct{ name, what string }{{base, "none"}}, observerCases...)
	for _, c := range rows {
		fmt.Fprintf(w, "| %s | %s ", c.name, c.what)
		for _, mode := range []string{"seq", "par"} {
			name := "Call/" + mode + "/" + c.name
			ns, ok := r.get(name, "ns/op")
			if !ok {
				fmt.Fprintf(w, "| — | — | — | — ")
				continue
			}
			allocs, _ := r.get(name, "allocs/op")
			fmt.Fprintf(w, "| %.1f %s (n=%d) | %g ", ns, r.spread(name, "ns/op"), r.stats[name]["ns/op"].n, allocs)
			if c.name == base {
				fmt.Fprintf(w, "| — | — ")
				continue
			}
			none, _ := r.get("Call/"+mode+"/"+base, "ns/op")
			fmt.Fprintf(w, "| %.1f | %s ", ns-none, ratio(ns, none))
		}
		fmt.Fprintf(w, "|\n")
	}
	fmt.Fprintln(w)
}

func (r *report) writeStores(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Stores\n\n")
	fmt.Fprintf(w, "Through generated wrappers: `idem-hit` is a call whose key is recorded, `idem-miss` a call with a new key (claim, call, record), `journal-append` a checkpointed call in a workflow (a new step). ")
	fmt.Fprintf(w, "Floors are the same storage doing the least it can with the same bytes: memory, a map under a mutex; bolt, one bare bbolt `View` get / `Update` put of the bytes boltstore wrote for the same call, on a file opened with boltstore's options; pg, one bare `SELECT` by key / `INSERT` of the row pgstore wrote, into a copy of its table (`LIKE ... INCLUDING ALL`). ")
	fmt.Fprintf(w, "pg's miss has a second floor, floor-put2: the two statements a miss needs as two bare autocommit round trips, the `INSERT` of the claim row (not done, no result) and then the `UPDATE` pgstore's Complete runs to finish it with the same result and expiry. ")
	fmt.Fprintf(w, "PostgreSQL is a throwaway local server (bench/run starts it through scripts/test.sh), default settings: the floors commit synchronously; pgstore commits its claims asynchronously (its package doc says why) and its results synchronously.\n\n")
	fmt.Fprintf(w, "| store | benchmark | ns/op | B/op | allocs/op | floor | floor ns/op | ratio |\n|---|---|---|---|---|---|---|---|\n")
	for _, st := range []string{"memory", "bolt", "pg"} {
		for _, o := range storeRows(st) {
			name, floor := "Store/"+st+"/"+o.op, "Store/"+st+"/"+o.floor
			ns, ok := r.get(name, "ns/op")
			if !ok {
				fmt.Fprintf(w, "| %s | %s | not measured | | | %s | | |\n", st, o.op, o.floor)
				continue
			}
			bop, _ := r.get(name, "B/op")
			allocs, _ := r.get(name, "allocs/op")
			fns, _ := r.get(floor, "ns/op")
			fmt.Fprintf(w, "| %s | %s | %s %s (n=%d) | %g | %g | %s | %s %s | %.2fx |\n", st, o.op, dur(ns), r.spread(name, "ns/op"),
				r.stats[name]["ns/op"].n, bop, allocs, o.floor, dur(fns), r.spread(floor, "ns/op"), ns/fns)
		}
	}
	fmt.Fprintln(w)
}

func (r *report) writeGen(w *bytes.Buffer) {
	fmt.Fprintf(w, "## Generation\n\n")
	fmt.Fprintf(w, "A synthetic package of N interfaces x 8 methods (bench/cmd/genbench), each tool run as a whole process after an untimed warm-up, round-robin: resilgen (built binary), mockgen in package mode, moq, and the floor, a bare `packages.Load` with NeedName|NeedTypes|NeedTypesInfo|NeedSyntax|NeedFiles (bench/cmd/loadfloor). Wall time, median of the runs.\n\n")
	fmt.Fprintf(w, "| N | resilgen | mockgen | moq | bare load | resilgen / mockgen | resilgen / load | moq / mockgen | lines written (resilgen, mockgen, moq) |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, n := range r.sizes() {
		p := fmt.Sprintf("Gen/N=%d/", n)
		fmt.Fprintf(w, "| %d ", n)
		for _, t := range genTools {
			ns, ok := r.get(p+t, "ns/op")
			if !ok {
				fmt.Fprintf(w, "| failed or not run ")
				continue
			}
			fmt.Fprintf(w, "| %s %s (n=%d) ", secs(ns), r.spread(p+t, "ns/op"), r.stats[p+t]["ns/op"].n)
		}
		ours, _ := r.get(p+"resilgen", "ns/op")
		mock, _ := r.get(p+"mockgen", "ns/op")
		moq, _ := r.get(p+"moq", "ns/op")
		load, _ := r.get(p+"load", "ns/op")
		var lines []string
		for _, t := range genTools[:3] {
			l, _ := r.get(p+t, "out-lines")
			lines = append(lines, fmt.Sprintf("%g", l))
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", ratio(ours, mock), ratio(ours, load), ratio(moq, mock), strings.Join(lines, ", "))
	}
	fmt.Fprintln(w)
}

// writeProfiles embeds the pprof -top excerpts bench/run collected for the
// benchmarks whose targets are most often missed.
func (r *report) writeProfiles(w *bytes.Buffer) {
	files, _ := filepath.Glob(filepath.Join(r.raw, "profiles", "*.txt"))
	if len(files) == 0 {
		return
	}
	fmt.Fprintf(w, "## Profiles\n\n")
	fmt.Fprintf(w, "CPU profiles taken by bench/run after the timed runs, to say where the time of a missed target goes (`go tool pprof -top`, cumulative, first lines).\n\n")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		title, body, _ := strings.Cut(string(b), "\n")
		fmt.Fprintf(w, "<details><summary>%s</summary>\n\n```\n%s```\n\n</details>\n\n", title, body)
	}
}

func ratio(a, b float64) string {
	if math.IsNaN(a) || math.IsNaN(b) || b == 0 {
		return "—"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// secs prints nanoseconds as seconds.
func secs(ns float64) string {
	if math.IsNaN(ns) {
		return "—"
	}
	return fmt.Sprintf("%.3f s", ns/1e9)
}

// dur prints nanoseconds in the unit that suits them.
func dur(ns float64) string {
	if math.IsNaN(ns) {
		return "—"
	}
	return time.Duration(ns).Round(time.Duration(math.Max(1, math.Pow(10, math.Floor(math.Log10(ns))-2)))).String()
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}
