package value

import (
	"errors"
	"math"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in   string
		want time.Duration
		err  error
	}{
		{"30s", 30 * time.Second, nil},
		{"15m", 15 * time.Minute, nil},
		{"2h", 2 * time.Hour, nil},
		{"3d", 3 * Day, nil},
		{"1w", Week, nil},
		{"1d12h", 36 * time.Hour, nil},
		{"1w2d3h4m5s", Week + 2*Day + 3*time.Hour + 4*time.Minute + 5*time.Second, nil},
		{"90m", 90 * time.Minute, nil},
		{"0s", 0, nil},
		{"12h1d", 36 * time.Hour, nil}, // the scanner accepts any order; so do we
		{"", 0, ErrSyntax},
		{"5", 0, ErrSyntax},
		{"d", 0, ErrSyntax},
		{"5x", 0, ErrSyntax},
		{"1.5d", 0, ErrSyntax},
		{"-1d", 0, ErrSyntax},
		{"1d 2h", 0, ErrSyntax},
		{"5ms", 0, ErrSyntax},
		{"1000000w", 0, ErrRange},
		{"99999999999999999999s", 0, ErrRange},
		{"15250w15250w", 0, ErrRange},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ParseDuration(%q) = %v, %v; want error %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want string
	}{
		{0, "0s"},
		{36 * time.Hour, "1d12h"},
		{Week + Day, "1w1d"},
		{-90 * time.Minute, "-1h30m"},
		{61 * time.Second, "1m1s"},
		{time.Minute + 500*time.Millisecond, "1m0.5s"},
		{1500 * time.Millisecond, "1.5s"},
		{time.Nanosecond, "0.000000001s"},
		{time.Duration(math.MinInt64), "-15250w1d23h47m16.854775808s"},
	}
	for _, tt := range tests {
		if got := FormatDuration(tt.in); got != tt.want {
			t.Errorf("FormatDuration(%v) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzDuration(f *testing.F) {
	for _, s := range []string{"30s", "1d12h", "1w2d3h4m5s", "0s", "90m"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDuration(s)
		if err != nil {
			return
		}
		back, err := ParseDuration(FormatDuration(d))
		if err != nil || back != d {
			t.Fatalf("%q → %v → %q → %v, %v", s, d, FormatDuration(d), back, err)
		}
	})
}
