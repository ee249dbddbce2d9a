// Command report turns the output of the bench package's benchmarks
// (several runs, -count 5) into the Markdown table of
// docs/performance.md: the median ns/op, B/op and allocs/op of each
// implementation per case, and the VM's ratios to the fastest peer and to
// hand-written Go.
//
//	go test ./runtime/vm/bench -run '^$' -bench . -benchmem -count 5 | go run ./runtime/vm/bench/report
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

func main() {
	if err := report(os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
}

// line matches "BenchmarkConditions/C1/vm-2  123  45.6 ns/op  0 B/op  0 allocs/op".
var line = regexp.MustCompile(`^Benchmark(?:Conditions/)?(\w+)/(\w+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op\s+(\d+) B/op\s+(\d+) allocs/op`)

type sample struct{ ns, bytes, allocs []float64 }

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func report(r io.Reader, w io.Writer) error {
	data := make(map[string]map[string]*sample) // case → impl → samples
	var cases []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		m := line.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		c, impl := m[1], m[2]
		if data[c] == nil {
			data[c] = make(map[string]*sample)
			cases = append(cases, c)
		}
		s := data[c][impl]
		if s == nil {
			s = new(sample)
			data[c][impl] = s
		}
		ns, _ := strconv.ParseFloat(m[3], 64)
		b, _ := strconv.ParseFloat(m[4], 64)
		a, _ := strconv.ParseFloat(m[5], 64)
		s.ns, s.bytes, s.allocs = append(s.ns, ns), append(s.bytes, b), append(s.allocs, a)
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(cases) == 0 {
		return fmt.Errorf("no benchmark results on input")
	}
	impls := []string{"vm", "expr", "cel", "go"}
	titles := map[string]string{"vm": "Automat VM", "expr": "expr v1.17.8", "cel": "cel-go v0.33.2", "go": "hand-written Go"}
	var b strings.Builder
	b.WriteString("| case |")
	for _, i := range impls {
		fmt.Fprintf(&b, " %s |", titles[i])
	}
	b.WriteString(" VM ÷ fastest peer | VM ÷ Go |\n|---|")
	for range impls {
		b.WriteString("---|")
	}
	b.WriteString("---|---|\n")
	for _, c := range cases {
		fmt.Fprintf(&b, "| %s |", c)
		for _, i := range impls {
			s := data[c][i]
			if s == nil {
				b.WriteString(" — |")
				continue
			}
			fmt.Fprintf(&b, " %s ns · %.0f B · %.0f allocs |", ns(median(s.ns)), median(s.bytes), median(s.allocs))
		}
		vm := data[c]["vm"]
		peer := 0.0
		for _, i := range []string{"expr", "cel"} {
			if s := data[c][i]; s != nil && (peer == 0 || median(s.ns) < peer) {
				peer = median(s.ns)
			}
		}
		switch {
		case vm == nil || peer == 0:
			b.WriteString(" — |")
		default:
			fmt.Fprintf(&b, " %s |", ratio(median(vm.ns)/peer))
		}
		if g := data[c]["go"]; vm != nil && g != nil {
			fmt.Fprintf(&b, " %s |\n", ratio(median(vm.ns)/median(g.ns)))
		} else {
			b.WriteString(" — |\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// ns renders a duration in ns with thousands separators ("4,740,000").
func ns(x float64) string {
	s := strconv.FormatFloat(x, 'f', 0, 64)
	if x < 100 {
		s = strconv.FormatFloat(x, 'f', 1, 64)
	}
	int, frac, _ := strings.Cut(s, ".")
	var out []byte
	for i := range int {
		if i > 0 && (len(int)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, int[i])
	}
	if frac != "" {
		return string(out) + "." + frac
	}
	return string(out)
}

// ratio renders VM time ÷ other time, and how many times faster the VM
// is when it is.
func ratio(r float64) string {
	s := fmt.Sprintf("%.2f×", r)
	if r < 0.1 {
		s = fmt.Sprintf("%.4f×", r)
	}
	if r < 1 {
		s += fmt.Sprintf(" (%.1f× faster)", 1/r)
	}
	return s
}
