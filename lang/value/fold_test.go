package value

import (
	"strings"
	"testing"
)

func TestContainsFold(t *testing.T) {
	tests := []struct {
		s, needle string
		contains  bool
		prefix    bool
	}{
		{"Buty sportowe", "but", true, true},
		{"Butelka wody", "but", true, true},
		{"Zimní BOTY", "boty", true, false},
		{"Kabát", "but", false, false},
		{"Vyřízena", "VYŘÍZENA", true, true},
		{"Připraveno k odběru", "ODBĚR", true, false},
		{"ŻÓŁW", "żółw", true, true},
		{"\u212Aelvin", "kel", true, true}, // Kelvin sign folds to k
		{"maſs", "mass", true, true},       // long s folds to s
		{"ΣΊΣΥΦΟΣ", "σίσυφος", true, true}, // final sigma
		{"abc", "", true, true},
		{"", "a", false, false},
		{"aaab", "aab", true, false},
		{"straße", "STRASSE", false, false}, // simple folding: ß is not ss
		{"x\xffy", "\xff", true, false},     // invalid bytes compare as U+FFFD
	}
	for _, tt := range tests {
		if got := ContainsFold(tt.s, Fold(tt.needle)); got != tt.contains {
			t.Errorf("ContainsFold(%q, %q) = %v, want %v", tt.s, tt.needle, got, tt.contains)
		}
		if got := HasPrefixFold(tt.s, Fold(tt.needle)); got != tt.prefix {
			t.Errorf("HasPrefixFold(%q, %q) = %v, want %v", tt.s, tt.needle, got, tt.prefix)
		}
	}
	if Fold("Buty") != "BUTY" {
		t.Errorf("Fold(Buty) = %q", Fold("Buty"))
	}
}

func TestFoldNoAllocs(t *testing.T) {
	needle := Fold("ODBĚR")
	allocs := testing.AllocsPerRun(100, func() {
		_ = ContainsFold("Připraveno k odběru", needle)
		_ = HasPrefixFold("Připraveno k odběru", needle)
	})
	if allocs != 0 {
		t.Errorf("ContainsFold allocates %v times, want 0", allocs)
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"Buty sportowe", "but", "Vyřízena", "\u212Aelvin", "ΣΊΣΥΦΟΣ", "x\xffy"} {
		f.Add(s, "but")
		f.Add(s, s[:len(s)/2])
	}
	f.Fuzz(func(t *testing.T, s, n string) {
		fs, fn := Fold(s), Fold(n)
		if got, want := ContainsFold(s, fn), strings.Contains(fs, fn); got != want {
			t.Fatalf("ContainsFold(%q, %q) = %v, want %v", s, n, got, want)
		}
		if got, want := HasPrefixFold(s, fn), strings.HasPrefix(fs, fn); got != want {
			t.Fatalf("HasPrefixFold(%q, %q) = %v, want %v", s, n, got, want)
		}
		if ContainsFold(s, n) != ContainsFold(s, fn) || HasPrefixFold(s, n) != HasPrefixFold(s, fn) {
			t.Fatalf("folding the needle in advance changes the result for %q, %q", s, n)
		}
		if Fold(fs) != fs {
			t.Fatalf("Fold not idempotent on %q", s)
		}
	})
}
