package vm_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/automat-rules/automat/lang/value"
	"github.com/automat-rules/automat/runtime/vm"
)

// gen draws choices from fuzz input; when the input runs out it keeps
// answering 0.
type gen struct {
	b []byte
}

func (g *gen) next(n int) int {
	if len(g.b) == 0 {
		return 0
	}
	c := int(g.b[0])
	g.b = g.b[1:]
	return c % n
}

func (g *gen) pick(xs ...string) string { return xs[g.next(len(xs))] }

var (
	numbers  = []string{"0", "100", "150.00", "99.9", "-5", "0.1", "49.95", "1000000"}
	statuses = []string{`"Nová"`, `"processing"`, `"W trakcie realizacji"`, `"Vyřízena"`, `"Stornována"`}
	cmpOps   = []string{"=", "!=", "<", "<=", ">", ">="}
)

func (g *gen) itemCond() string {
	switch g.next(6) {
	case 0:
		return fmt.Sprintf("i.price * i.quantity %s %s", g.pick(cmpOps...), g.pick(numbers...))
	case 1:
		return "i.stock <= 0"
	case 2:
		return fmt.Sprintf("i.name %s %s", g.pick("contains", "not contains", "starts with"), g.pick(`"but"`, `"WO"`, `""`, `"ř"`))
	case 3:
		return fmt.Sprintf("i.ean %s", g.pick(`starts with "590"`, "is null", "is not empty", `in ["1", "5901234567890"]`))
	case 4:
		return fmt.Sprintf("i.price %s order.total / %s", g.pick(cmpOps...), g.pick("2", "3", "0.5"))
	}
	return "i.price / i.quantity > 10"
}

func (g *gen) atom() string {
	switch g.next(15) {
	case 0:
		return fmt.Sprintf("order.total %s %s", g.pick(cmpOps...), g.pick(numbers...))
	case 1:
		return fmt.Sprintf("order.status %s %s", g.pick("=", "!="), g.pick(statuses...))
	case 2:
		return fmt.Sprintf("order.status %s [%s, %s]", g.pick("in", "not in"), g.pick(statuses...), g.pick(statuses...))
	case 3:
		return fmt.Sprintf("order.paid %s %s", g.pick("=", "!="), g.pick("paid", "unpaid", "partially_paid"))
	case 4:
		return fmt.Sprintf("order.notes is %s", g.pick("null", "not null", "empty", "not empty"))
	case 5:
		return fmt.Sprintf("order.payer.email is %s", g.pick("null", "not null", "empty", "not empty"))
	case 6:
		return fmt.Sprintf("order.channel %s %s", g.pick("contains", "starts with", "not contains", "not starts with"), g.pick(`"sho"`, `"A"`, `""`, `"šo"`))
	case 7:
		return fmt.Sprintf("order.channel %s [%s]", g.pick("in", "not in"), g.pick(`"shoptet"`, `"shoptet", "allegro"`, `"a", "b", "c", "d", "e", "f", "g", "allegro"`))
	case 8:
		return fmt.Sprintf("%s(i in order.items where %s)", g.pick("any", "all", "none"), g.itemCond())
	case 9:
		return fmt.Sprintf("count(i in order.items where %s) %s %d", g.itemCond(), g.pick(cmpOps...), g.next(3))
	case 10:
		return fmt.Sprintf("order.created_at %s now - %s", g.pick("<", ">="), g.pick("1d", "3d", "12h"))
	case 11:
		return fmt.Sprintf("order.total / %s > %s", g.pick("0", "3", "0.7", "order.total"), g.pick(numbers...))
	case 12:
		return fmt.Sprintf("order.buyer.name %s %s", g.pick("matches", "not matches"), g.pick(`"^J"`, `"á"`, `"^$"`))
	case 13:
		return fmt.Sprintf("order.total + order.total * %s %s %s", g.pick("0.1", "-1", "3"), g.pick(cmpOps...), g.pick(numbers...))
	}
	return fmt.Sprintf("order.status %s order.channel", g.pick("=", "!="))
}

func (g *gen) cond(depth int) string {
	if depth <= 0 {
		return g.atom()
	}
	switch g.next(5) {
	case 0:
		return g.cond(depth-1) + " and " + g.cond(depth-1)
	case 1:
		return g.cond(depth-1) + " or " + g.cond(depth-1)
	case 2:
		return "not (" + g.cond(depth-1) + ")"
	case 3:
		return "(" + g.cond(depth-1) + ")"
	}
	return g.atom()
}

func (g *gen) order() string {
	var items []string
	for range g.next(4) {
		items = append(items, fmt.Sprintf(`{"name": %s, "code": "c", "ean": %s, "quantity": %s, "price": %s, "stock": %s}`,
			g.pick(`"Buty"`, `"butelka WODY"`, `"Kabát"`, `""`, `"ŘEPA"`),
			g.pick("null", `"5901234567890"`, `""`, `"123"`),
			g.pick("1", "2", "0", "0.5"),
			g.pick(numbers...),
			g.pick("0", "3", "-1")))
	}
	payer := g.pick("null", `{"name": "P", "email": null}`, `{"name": "P", "email": ""}`, `{"name": "P", "email": "a@b.cz"}`)
	return fmt.Sprintf(`{"id": "1", "number": "N1", "status": %s, "channel": %s, "total": %s, "paid": %s,
	  "notes": %s, "payer": %s, "buyer": {"name": %s}, "items": [%s],
	  "created_at": %s}`,
		g.pick(append(statuses, `"Reklamace"`)...),
		g.pick(`"shoptet"`, `"Allegro"`, `""`, `"ŠOP"`, `"processing"`),
		g.pick(append(numbers, "null")...),
		g.pick(`"paid"`, `"unpaid"`, `"partially_paid"`),
		g.pick("null", `""`, `"note"`),
		payer,
		g.pick(`"Jan Novák"`, `"Jana"`, `""`),
		strings.Join(items, ", "),
		g.pick(`"2026-11-20T10:00:00Z"`, `"2026-11-22T11:00:00Z"`, `"2020-01-01T00:00:00Z"`))
}

// FuzzVM compiles a generated condition, evaluates it and each of its
// clauses on a generated order in the VM and in the reference evaluator,
// and requires the same results. The only runtime errors allowed are
// division by zero and decimal overflow, and both sides must agree on
// them.
func FuzzVM(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14})
	f.Add([]byte("C1: status processing or paid and total"))
	f.Add([]byte{1, 8, 0, 0, 2, 3, 9, 9, 9, 9, 9, 200, 17, 33, 250, 11, 11, 11})
	f.Fuzz(func(t *testing.T, data []byte) {
		g := &gen{b: data}
		cond := g.cond(3)
		order := g.order()
		fx, err := tryCompile(rule(cond))
		if err != nil {
			t.Skip(err) // the generator can write conditions the checker rejects (always-false lints are warnings only)
		}
		rec, err := fx.schema.DecodeNamed("order", []byte(order))
		if err != nil {
			t.Fatalf("generated order does not decode: %v\n%s", err, order)
		}
		env := &vm.Env{Subject: rec, Now: now}
		fx.m.MaxSteps = 1 << 16
		got, verr := fx.m.Cond(context.Background(), 0, env)
		want, rerr := newRef(fx.pkg, rec, now).truth(fx.pkg.Rules[0].Decl.Cond)
		allowed := func(err error) bool {
			return err == nil || errors.Is(err, value.ErrDivByZero) || errors.Is(err, value.ErrOverflow)
		}
		if !allowed(verr) || !allowed(rerr) {
			t.Fatalf("%s\non %s\nunexpected error: VM %v, reference %v", cond, order, verr, rerr)
		}
		if (verr != nil) != (rerr != nil) {
			t.Fatalf("%s\non %s\nVM error %v, reference error %v", cond, order, verr, rerr)
		}
		if verr == nil && got != want {
			t.Fatalf("%s\non %s\nVM %v, reference %v", cond, order, got, want)
		}
		checkClauses(t, fx, rec)
	})
}

// TestGenerator guards FuzzVM's usefulness: most generated conditions
// must pass the checker, and each must agree with the reference.
func TestGenerator(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	ok := 0
	const n = 300
	for range n {
		data := make([]byte, 40)
		for i := range data {
			data[i] = byte(rng.IntN(256))
		}
		g := &gen{b: data}
		cond := g.cond(3)
		if _, err := tryCompile(rule(cond)); err == nil {
			ok++
		} else if testing.Verbose() {
			t.Logf("rejected: %s: %v", cond, err)
		}
	}
	if ok < n*8/10 {
		t.Errorf("only %d of %d generated conditions compile", ok, n)
	}
}
