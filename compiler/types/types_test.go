package types

import "testing"

func TestTypes(t *testing.T) {
	party := &Record{Name: "party"}
	paid := &Enum{Name: "payment_state", Values: []string{"paid", "unpaid"}}
	status := &Enum{Name: "order_status", Values: []string{"Nová", "Vyřízena"}, Phases: []string{"new_confirmed", "completed"}, Record: "order"}
	for _, tc := range []struct {
		t          Type
		str, descr string
	}{
		{Typ[Money], "money", "a money value"},
		{Typ[String], "string", "a string"},
		{NewOptional(Typ[String]), "string?", "an optional string"},
		{NewOptional(NewOptional(party)), "party?", "an optional record party"},
		{&List{Elem: party}, "list<party>", "a list<party>"},
		{paid, "payment_state", "a value of payment_state"},
		{status, "order_status", "a status of order"},
		{Typ[Null], "null", "null"},
	} {
		if got := tc.t.String(); got != tc.str {
			t.Errorf("String() = %q, want %q", got, tc.str)
		}
		if got := Describe(tc.t); got != tc.descr {
			t.Errorf("Describe(%s) = %q, want %q", tc.str, got, tc.descr)
		}
	}
	if NewOptional(Typ[Null]) != Typ[Null] || NewOptional(Typ[Invalid]) != Typ[Invalid] {
		t.Error("null and invalid must not become optional")
	}
	if !Identical(&List{Elem: NewOptional(party)}, &List{Elem: &Optional{Elem: party}}) || Identical(paid, status) {
		t.Error("Identical")
	}
	if !IsNumeric(NewOptional(Typ[Money])) || IsNumeric(Typ[Duration]) || !IsText(status) || IsText(party) {
		t.Error("IsNumeric / IsText")
	}
	if status.PhaseOf("Vyřízena") != "completed" || status.PhaseOf("x") != "" || paid.Index("unpaid") != 1 || !status.IsStatuses() || paid.IsStatuses() {
		t.Error("enum helpers")
	}
	if _, ok := BasicByName("list"); ok {
		t.Error("list is not a basic type")
	}
}
