package spell

import "testing"

func TestNearest(t *testing.T) {
	for _, tc := range []struct {
		x     string
		cands []string
		want  string
	}{
		{"Vyrizena", []string{"Nová", "Vyřízena", "Stornována"}, "Vyřízena"},
		{"vyrizena", []string{"Nová", "Vyřízena"}, "Vyřízena"},
		{"staus", []string{"id", "order", "status", "carrier"}, "status"},
		{"stauts", []string{"status", "state"}, "status"},
		{"status_change", []string{"created", "status_changed", "updated"}, "status_changed"},
		{"W trakcie realizaji", []string{"Nowe", "W trakcie realizacji"}, "W trakcie realizacji"},
		{"zrealizowane", []string{"Zrealizowane", "Anulowane"}, "Zrealizowane"},
		{"Wysłane", []string{"Wyslane"}, "Wyslane"},
		{"send_email", []string{"sms", "email", "notify"}, "email"},
		{"unpayed", []string{"paid", "unpaid", "partially_paid"}, "unpaid"},
		{"ordr", []string{"order", "shipment"}, "order"},
		{"xyz", []string{"order", "shipment"}, ""},
		{"completely_different", []string{"email"}, ""},
		{"id", []string{"ip"}, ""},
		{"order", []string{"order"}, ""},
	} {
		if got := Nearest(tc.x, tc.cands); got != tc.want {
			t.Errorf("Nearest(%q, %q) = %q, want %q", tc.x, tc.cands, got, tc.want)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Vyřízena": "vyrizena", "Łódź": "lodz", "W trakcie": "w_trakcie", "Příliš žluťoučký": "prilis_zlutoucky",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}
