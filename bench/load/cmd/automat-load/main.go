// Command automat-load runs load.Run: automatd in-process on a real
// listener and store, clients sending events over HTTP; it prints the
// events per second accepted and processed end to end, and the request
// latency percentiles.
//
//	go run ./bench/load/cmd/automat-load -events 20000 -clients 8 -batch 1,10,100
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/automat-rules/automat/bench/load"
)

func main() {
	events := flag.Int("events", 10000, "events per run")
	clients := flag.Int("clients", 8, "clients sending at once")
	batches := flag.String("batch", "1,100", "events per request, one run per comma-separated value (1: single events)")
	storeURL := flag.String("store", "", "store URL (default: a new SQLite file per run)")
	workers := flag.Int("workers", 0, "inbox shards (default: the daemon's)")
	rate := flag.Float64("rate", 0, "events per second to send at (open loop; default: as fast as the daemon takes them)")
	cpuProfile := flag.String("cpuprofile", "", "write the daemon's CPU profile of all runs to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintf(os.Stderr, "automat-load: %v\n", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintf(os.Stderr, "automat-load: %v\n", err)
			os.Exit(1)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	for _, b := range strings.Split(*batches, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(b))
		if err != nil || n < 1 {
			fmt.Fprintf(os.Stderr, "automat-load: -batch %q: want positive numbers\n", *batches)
			os.Exit(2)
		}
		res, err := load.Run(context.Background(), load.Config{Store: *storeURL, Events: *events, Clients: *clients, Batch: n, Workers: *workers, Rate: *rate, Log: os.Stderr})
		if err != nil {
			fmt.Fprintf(os.Stderr, "automat-load: %v\n", err)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
		fmt.Println(res)
		if len(res.WindowP99) > 1 {
			fmt.Print("  p99 per 10 s of sending:")
			for _, p := range res.WindowP99 {
				fmt.Printf(" %v", p.Round(100*time.Microsecond))
			}
			fmt.Println()
		}
	}
}
