package parser

import (
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

func cpuTime() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func TestCPUTmp(t *testing.T) {
	if os.Getenv("CPUTMP") == "" {
		t.Skip()
	}
	src := generateRules(10000)
	runtime.GC()
	for i := 0; i < 3; i++ {
		c0, w0 := cpuTime(), time.Now()
		ParseFile("b.rules", src)
		t.Logf("cpu %v wall %v", cpuTime()-c0, time.Since(w0))
	}
}
