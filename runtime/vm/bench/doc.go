// Package bench compares the Automat VM with github.com/expr-lang/expr,
// cel.dev/cel-go and hand-written Go on the conditions of issue 4 (C1, C2,
// C3) and on one event against 10,000 rules (N). It holds only tests and
// benchmarks; the peers are test-only dependencies of this package, so
// nothing else in the module links them.
//
// Reproduce the table of docs/performance.md with:
//
//	go test ./runtime/vm/bench -run '^$' -bench . -benchmem -count 5 | tee bench.txt
//	go run ./runtime/vm/bench/report < bench.txt
package bench
