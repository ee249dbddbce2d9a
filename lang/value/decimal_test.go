package value

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"testing"
)

func TestParseDecimal(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"integer", "100", "100", nil},
		{"keeps scale", "99.90", "99.90", nil},
		{"negative", "-5", "-5", nil},
		{"plus sign", "+7.5", "7.5", nil},
		{"leading zeros", "007.50", "7.50", nil},
		{"zero", "0", "0", nil},
		{"negative zero", "-0.00", "0.00", nil},
		{"small", "0.05", "0.05", nil},
		{"exponent", "1e3", "1000", nil},
		{"exponent keeps fraction", "1.50e1", "15.0", nil},
		{"negative exponent", "25E-3", "0.025", nil},
		{"exponent plus", "2.5e+2", "250", nil},
		{"zero exponent", "0e9", "0", nil},
		{"max scale", "0.000000000000000001", "0.000000000000000001", nil},
		{"trailing zeros beyond max scale dropped", "1.0000000000000000000000", "1.000000000000000000", nil},
		{"max coefficient", "9223372036854775807", "9223372036854775807", nil},
		{"max negative", "-9223372036854775807", "-9223372036854775807", nil},
		{"big with fraction zeros", "9223372036854775807.000", "9223372036854775807", nil},

		{"empty", "", "", ErrSyntax},
		{"sign only", "-", "", ErrSyntax},
		{"dot only", ".", "", ErrSyntax},
		{"leading dot", ".5", "", ErrSyntax},
		{"trailing dot", "5.", "", ErrSyntax},
		{"comma", "99,90", "", ErrSyntax},
		{"space", " 1", "", ErrSyntax},
		{"trailing garbage", "1x", "", ErrSyntax},
		{"exponent without digits", "1e", "", ErrSyntax},
		{"double sign", "--1", "", ErrSyntax},
		{"hex", "0x10", "", ErrSyntax},
		{"infinity", "Inf", "", ErrSyntax},
		{"too many fractional digits", "0.0000000000000000001", "", ErrRange},
		{"coefficient too large", "9223372036854775808", "", ErrRange},
		{"min int64", "-9223372036854775808", "", ErrRange},
		{"huge exponent", "1e400", "", ErrRange},
		{"tiny exponent", "1e-400", "", ErrRange},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseDecimal(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ParseDecimal(%q) = %v, %v; want error %v", tt.in, d, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDecimal(%q): %v", tt.in, err)
			}
			if got := d.String(); got != tt.want {
				t.Errorf("ParseDecimal(%q) = %s, want %s", tt.in, got, tt.want)
			}
			b, err := ParseDecimalBytes([]byte(tt.in))
			if err != nil || b != d {
				t.Errorf("ParseDecimalBytes(%q) = %v, %v; want %v", tt.in, b, err, d)
			}
		})
	}
}

func TestParseErrorMessage(t *testing.T) {
	_, err := ParseDecimal("12,5")
	if got, want := err.Error(), `"12,5": not a decimal number`; got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

// dec is MustParseDecimal for short tables.
func dec(s string) Decimal { return MustParseDecimal(s) }

func TestArithmetic(t *testing.T) {
	type op func(a, b Decimal) (Decimal, error)
	ops := map[string]op{"+": Decimal.Add, "-": Decimal.Sub, "*": Decimal.Mul, "/": Decimal.Div}
	tests := []struct {
		a, op, b, want string
		err            error
	}{
		{"0.1", "+", "0.2", "0.3", nil},
		{"0.4", "-", "0.1", "0.3", nil},
		{"99.90", "+", "0.1", "100.00", nil},
		{"100", "-", "0.01", "99.99", nil},
		{"-5", "+", "5", "0", nil},
		{"1.005", "+", "-2", "-0.995", nil},
		{"99.90", "*", "3", "299.70", nil},
		{"0.1", "*", "0.2", "0.02", nil},
		{"-1.5", "*", "2", "-3.0", nil},
		{"-1.5", "*", "-1.5", "2.25", nil},
		{"12.34", "*", "0", "0.00", nil},
		{"10", "/", "4", "2.5", nil},
		{"99.90", "/", "2", "49.95", nil},
		{"100.00", "/", "4", "25.00", nil},
		{"1", "/", "3", "0.3333333333", nil},
		{"2", "/", "3", "0.6666666667", nil},
		{"-2", "/", "3", "-0.6666666667", nil},
		{"5", "/", "0.25", "20.00", nil},
		{"100", "/", "1.21", "82.6446280992", nil},
		{"0.00000000005", "/", "1", "0.00000000005", nil},
		{"1", "/", "0.00000000001", "100000000000.0000000", nil}, // keeps the places that fit
		// Half to even at the tenth digit.
		{"0.00000000005", "/", "10", "0.00000000000", nil}, // scale 11 is kept
		{"5", "/", "100000000000", "0", nil},
		{"15", "/", "100000000000", "0.0000000002", nil},
		{"25", "/", "100000000000", "0.0000000002", nil},
		{"35", "/", "100000000000", "0.0000000004", nil},
		{"1", "/", "0", "", ErrDivByZero},
		{"0", "/", "0", "", ErrDivByZero},
		{"9223372036854775807", "+", "1", "", ErrOverflow},
		{"-9223372036854775807", "-", "1", "", ErrOverflow},
		{"9223372036854775807", "-", "-1", "", ErrOverflow},
		{"9223372036854775807", "+", "0.1", "", ErrOverflow},
		{"9223372036854775807", "*", "2", "", ErrOverflow},
		{"9223372036854775807", "/", "0.5", "", ErrOverflow},
		{"4611686018427387904", "+", "4611686018427387903", "9223372036854775807", nil},
		// A product with too many digits keeps what fits, rounded.
		{"0.000000001", "*", "0.0000000015", "0.000000000000000002", nil},
		{"0.000000001", "*", "0.0000000025", "0.000000000000000002", nil},
		{"123456.123456789", "*", "987654.987654321", "121932056088.5652690", nil},
		// A big quotient keeps fewer places.
		{"1000000000000", "/", "3", "333333333333.3333333", nil},
	}
	for _, tt := range tests {
		name := tt.a + " " + tt.op + " " + tt.b
		t.Run(name, func(t *testing.T) {
			got, err := ops[tt.op](dec(tt.a), dec(tt.b))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("%s = %v, %v; want error %v", name, got, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if got.String() != tt.want {
				t.Errorf("%s = %s, want %s", name, got, tt.want)
			}
		})
	}
}

func TestCmp(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"99.90", "99.9", 0},
		{"100", "99.99", 1},
		{"100", "100.00", 0},
		{"-1", "1", -1},
		{"-1.5", "-1.49", -1},
		{"0", "-0.00", 0},
		{"0.000000000000000001", "0", 1},
		{"9223372036854775807", "922337203685477580.7", 1},
		{"-9223372036854775807", "-0.000000000000000001", -1},
		{"9223372036854775807", "9223372036854775806.999999999999999999", 1}, // needs 128 bits, but this one cannot be parsed
	}
	for _, tt := range tests {
		b, err := ParseDecimal(tt.b)
		if err != nil {
			continue // the last row's right side does not fit: skipped on purpose
		}
		a := dec(tt.a)
		if got := a.Cmp(b); got != tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := b.Cmp(a); got != -tt.want {
			t.Errorf("Cmp(%s, %s) = %d, want %d", tt.b, tt.a, got, -tt.want)
		}
		if a.Equal(b) != (tt.want == 0) {
			t.Errorf("Equal(%s, %s) = %v", tt.a, tt.b, a.Equal(b))
		}
	}
}

func TestRound(t *testing.T) {
	tests := []struct {
		in     string
		places int
		want   string
	}{
		{"2.5", 0, "2"}, {"3.5", 0, "4"}, {"-2.5", 0, "-2"}, {"-3.5", 0, "-4"},
		{"2.51", 0, "3"}, {"1.005", 2, "1.00"}, {"1.015", 2, "1.02"}, {"7", 2, "7"},
		{"0.000000000000000005", 17, "0.00000000000000000"}, {"9.999", 2, "10.00"},
	}
	for _, tt := range tests {
		if got := dec(tt.in).Round(tt.places).String(); got != tt.want {
			t.Errorf("Round(%s, %d) = %s, want %s", tt.in, tt.places, got, tt.want)
		}
	}
}

func TestNormalizeAndInt(t *testing.T) {
	for in, want := range map[string]string{"99.90": "99.9", "5.00": "5", "0.0": "0", "-10": "-10", "10.01": "10.01"} {
		if got := dec(in).Normalize().String(); got != want {
			t.Errorf("Normalize(%s) = %s, want %s", in, got, want)
		}
	}
	if n, ok := dec("42.000").Int64(); !ok || n != 42 {
		t.Errorf("Int64(42.000) = %d, %v", n, ok)
	}
	if _, ok := dec("42.5").Int64(); ok {
		t.Error("Int64(42.5) reported an integer")
	}
	if FromInt(math.MinInt64).Coef() != -math.MaxInt64 {
		t.Error("FromInt(MinInt64) not clamped")
	}
	if got := New(-5, 2).String(); got != "-0.05" {
		t.Errorf("New(-5, 2) = %s", got)
	}
	if got := dec("-3.50").Abs().String(); got != "3.50" {
		t.Errorf("Abs = %s", got)
	}
	if dec("-3").Sign() != -1 || dec("0.00").Sign() != 0 || !dec("0.00").IsZero() || dec("2").Sign() != 1 {
		t.Error("Sign/IsZero wrong")
	}
	if got := dec("99.90").Float64(); got != 99.9 {
		t.Errorf("Float64 = %v", got)
	}
}

func TestJSON(t *testing.T) {
	var v struct {
		A, B, C Decimal
		D       *Decimal
	}
	in := `{"A": 0.1, "B": "99.90", "C": 1e2, "D": null}`
	if err := json.Unmarshal([]byte(in), &v); err != nil {
		t.Fatal(err)
	}
	sum, _ := v.A.Add(dec("0.2"))
	if sum.String() != "0.3" || v.B.String() != "99.90" || v.C.String() != "100" || v.D != nil {
		t.Errorf("decoded %v %v %v %v", sum, v.B, v.C, v.D)
	}
	out, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(out), `{"A":"0.1","B":"99.90","C":"100","D":null}`; got != want {
		t.Errorf("Marshal = %s, want %s", got, want)
	}
	for _, bad := range []string{`{"A": "x"}`, `{"A": true}`, `{"A": "1e999"}`} {
		if err := json.Unmarshal([]byte(bad), &v); err == nil {
			t.Errorf("Unmarshal(%s) succeeded", bad)
		}
	}
}

func TestNoAllocs(t *testing.T) {
	a, b := dec("99.90"), dec("3")
	buf := make([]byte, 0, 32)
	var sink Decimal
	allocs := testing.AllocsPerRun(100, func() {
		x, _ := a.Add(b)
		x, _ = x.Mul(b)
		x, _ = x.Div(b)
		x, _ = x.Sub(a)
		_ = x.Cmp(a)
		_, _ = a.Div(dec("0")) // error path: a sentinel
		buf = x.Append(buf[:0])
		y, _ := ParseDecimalBytes([]byte("123.45"))
		sink = y
	})
	if allocs != 0 {
		t.Errorf("decimal operations allocate %v times per run, want 0", allocs)
	}
	_ = sink
}

// rat returns d as an exact big.Rat.
func rat(d Decimal) *big.Rat {
	r := new(big.Rat).SetInt64(d.coef)
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(d.scale)), nil)
	return r.Quo(r, new(big.Rat).SetInt(den))
}

func FuzzDecimal(f *testing.F) {
	for _, s := range []string{"0", "99.90", "-5", "0.1", "0.2", "1e3", "2.5E-2", "9223372036854775807", "-0.000000000000000001", "100.00", "3", "1.21"} {
		f.Add(s, "0.2")
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, x, y string) {
		a, err := ParseDecimal(x)
		if err != nil {
			// Whatever big.Rat accepts as a plain decimal we must accept
			// unless it is out of range.
			return
		}
		// Round trip: String parses back to the same value and scale.
		if back, err := ParseDecimal(a.String()); err != nil || back != a {
			t.Fatalf("round trip %q → %s → %v, %v", x, a, back, err)
		}
		// Parsing is exact.
		if want, ok := new(big.Rat).SetString(x); ok && rat(a).Cmp(want) != 0 {
			t.Fatalf("ParseDecimal(%q) = %s, want %s", x, a, want.FloatString(20))
		}
		b, err := ParseDecimal(y)
		if err != nil {
			return
		}
		checkArith(t, a, b)
	})
}

// FuzzArith checks the arithmetic on decimals built from any coefficient
// and scale, which reaches the overflow and rounding paths more often than
// parsed text does.
func FuzzArith(f *testing.F) {
	f.Add(int64(1), uint8(1), int64(2), uint8(1))
	f.Add(int64(math.MaxInt64), uint8(0), int64(3), uint8(18))
	f.Add(int64(-12345), uint8(2), int64(7), uint8(0))
	f.Add(int64(5), uint8(11), int64(-100000000000), uint8(0))
	f.Fuzz(func(t *testing.T, ca int64, sa uint8, cb int64, sb uint8) {
		if ca == math.MinInt64 || cb == math.MinInt64 {
			return
		}
		a, b := New(ca, int(sa%(MaxScale+1))), New(cb, int(sb%(MaxScale+1)))
		if back, err := ParseDecimal(a.String()); err != nil || back != a {
			t.Fatalf("round trip %v → %s → %v, %v", a, a, back, err)
		}
		checkArith(t, a, b)
	})
}

// checkArith compares Cmp, Add, Sub, Mul and Div on a and b with math/big.
func checkArith(t *testing.T, a, b Decimal) {
	t.Helper()
	ra, rb := rat(a), rat(b)
	if got, want := a.Cmp(b), ra.Cmp(rb); got != want {
		t.Fatalf("Cmp(%s, %s) = %d, want %d", a, b, got, want)
	}
	exact := func(name string, got Decimal, err error, want *big.Rat) {
		if err != nil {
			if !errors.Is(err, ErrOverflow) {
				t.Fatalf("%s %s %s: unexpected error %v", a, name, b, err)
			}
			return
		}
		if rat(got).Cmp(want) != 0 {
			t.Fatalf("%s %s %s = %s, want %s", a, name, b, got, want.FloatString(20))
		}
	}
	s, err := a.Add(b)
	exact("+", s, err, new(big.Rat).Add(ra, rb))
	if err == nil && s.Scale() != max(a.Scale(), b.Scale()) {
		t.Fatalf("%s + %s has scale %d", a, b, s.Scale())
	}
	d, err := a.Sub(b)
	exact("-", d, err, new(big.Rat).Sub(ra, rb))
	// Mul and Div overflow only when even the rounded integer part does
	// not fit: |x| ≥ MaxInt64 + 1/2.
	limit := new(big.Rat).Add(new(big.Rat).SetInt64(math.MaxInt64), big.NewRat(1, 2))
	overflowOK := func(op string, want *big.Rat) {
		if new(big.Rat).Abs(want).Cmp(limit) < 0 {
			t.Fatalf("%s %s %s: overflow, but %s fits", a, op, b, want.FloatString(5))
		}
	}
	p, err := a.Mul(b)
	prod := new(big.Rat).Mul(ra, rb)
	switch {
	case err != nil:
		if !errors.Is(err, ErrOverflow) {
			t.Fatalf("%s * %s: %v", a, b, err)
		}
		overflowOK("*", prod)
	case a.Scale()+b.Scale() <= MaxScale && p.Scale() == a.Scale()+b.Scale():
		exact("*", p, err, prod)
	default:
		// Rounded: within half a unit of the last kept place.
		checkRounded(t, "*", a, b, p, prod)
	}
	q, err := a.Div(b)
	switch {
	case b.IsZero():
		if !errors.Is(err, ErrDivByZero) {
			t.Fatalf("%s / 0 = %v, %v", a, q, err)
		}
	case err != nil:
		if !errors.Is(err, ErrOverflow) {
			t.Fatalf("%s / %s: %v", a, b, err)
		}
		overflowOK("/", new(big.Rat).Quo(ra, rb))
	default:
		checkRounded(t, "/", a, b, q, new(big.Rat).Quo(ra, rb))
		if q.Scale() < max(a.Scale(), b.Scale()) && abs64(q.coef) < pow10[17] {
			t.Fatalf("%s / %s = %s lost scale", a, b, q)
		}
	}
}

// checkRounded checks that got is want rounded half to even at got's
// scale.
func checkRounded(t *testing.T, op string, a, b, got Decimal, want *big.Rat) {
	t.Helper()
	unit := new(big.Rat).SetFrac(big.NewInt(1), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(got.scale)), nil))
	diff := new(big.Rat).Sub(want, rat(got))
	twice := new(big.Rat).Mul(diff.Abs(diff), big.NewRat(2, 1))
	switch twice.Cmp(unit) {
	case 1:
		t.Fatalf("%s %s %s = %s, want %s (off by more than half a unit)", a, op, b, got, want.FloatString(25))
	case 0:
		if got.coef%2 != 0 {
			t.Fatalf("%s %s %s = %s: a tie not rounded to even", a, op, b, got)
		}
	}
}
