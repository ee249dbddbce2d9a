package engine

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/compiler/bytecode"
	"github.com/automat-rules/automat/compiler/codegen"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/runtime/record"
	"github.com/automat-rules/automat/runtime/vm"
)

// Ruleset is a compiled ruleset ready to run: the program, its loaded VM
// form, the record schema and the version that runs and log entries refer
// to. It is immutable and shared by every goroutine of an engine.
type Ruleset struct {
	Prog   *bytecode.Program
	VM     *vm.Program
	Schema *record.Schema
	// Version is the hex SHA-256 of the encoded program: the same rules
	// compiled by the same compiler have the same version.
	Version string

	byID      map[string]int   // rule ID → index
	schedules []schedule       // distinct cron specs, in first-use order
	actions   []actionKind     // per Prog.Actions index
	machines  sync.Pool        // *vm.Machine
	typeNames map[string]int32 // record type → index
}

// schedule is one cron spec and the rules it triggers, in rule order.
type schedule struct {
	spec  string
	rules []int
}

// NewRuleset prepares a compiled program to run.
func NewRuleset(p *bytecode.Program) (*Ruleset, error) {
	vp, err := vm.Load(p)
	if err != nil {
		return nil, fmt.Errorf("loading the program: %w", err)
	}
	sum := sha256.Sum256(bytecode.Encode(p))
	rs := &Ruleset{
		Prog:      p,
		VM:        vp,
		Schema:    record.NewSchema(vp),
		Version:   hex.EncodeToString(sum[:]),
		byID:      make(map[string]int, len(p.Rules)),
		typeNames: make(map[string]int32, len(p.Records)),
	}
	rs.machines.New = func() any { return vm.New(vp) }
	for i := range p.Records {
		rs.typeNames[p.Records[i].Name] = int32(i)
	}
	for i := range p.Rules {
		r := &p.Rules[i]
		rs.byID[r.ID] = i
		for _, t := range r.Triggers {
			if t.Schedule == "" {
				continue
			}
			j := 0
			for j < len(rs.schedules) && rs.schedules[j].spec != t.Schedule {
				j++
			}
			if j == len(rs.schedules) {
				rs.schedules = append(rs.schedules, schedule{spec: t.Schedule})
			}
			rs.schedules[j].rules = append(rs.schedules[j].rules, i)
		}
	}
	rs.actions = make([]actionKind, len(p.Actions))
	for i, a := range p.Actions {
		rs.actions[i] = kindOf(a.Name)
	}
	return rs, nil
}

// Rule returns the index of the rule with the given ID or name, or -1.
func (rs *Ruleset) Rule(idOrName string) int {
	if i, ok := rs.byID[idOrName]; ok {
		return i
	}
	for i := range rs.Prog.Rules {
		if rs.Prog.Rules[i].Name == idOrName {
			return i
		}
	}
	return -1
}

// Schedules returns the distinct cron specs of the ruleset's `on
// schedule` triggers.
func (rs *Ruleset) Schedules() []string {
	out := make([]string, len(rs.schedules))
	for i, s := range rs.schedules {
		out[i] = s.spec
	}
	return out
}

// OutsideActions returns the distinct names of the outside actions the
// rules call (those a connector performs), sorted, so that a daemon can
// say at start which of them no connector is configured for.
func (rs *Ruleset) OutsideActions() []string {
	seen := make(map[string]bool)
	for _, r := range rs.Prog.Rules {
		for _, st := range r.Body {
			if (st.Kind == bytecode.StmtCall || st.Kind == bytecode.StmtLet) && rs.actions[st.Action] == external {
				seen[rs.Prog.Actions[st.Action].Name] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(seen))
}

func (rs *Ruleset) machine() *vm.Machine  { return rs.machines.Get().(*vm.Machine) }
func (rs *Ruleset) release(m *vm.Machine) { rs.machines.Put(m) }

// Load compiles the ruleset at paths: *.rules files and folders of them
// (checked together, as rulec check does), or a single artifact written by
// `rulec build`. Diagnostics are returned when the ruleset has errors (the
// error then says how many); warnings alone do not fail.
func Load(paths ...string) (*Ruleset, diag.List, error) {
	if len(paths) == 1 {
		if data, err := os.ReadFile(paths[0]); err == nil && bytes.HasPrefix(data, []byte(bytecode.Magic)) {
			p, err := bytecode.Decode(data)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", paths[0], err)
			}
			rs, err := NewRuleset(p)
			if err != nil {
				return nil, nil, fmt.Errorf("%s: %w", paths[0], err)
			}
			return rs, nil, nil
		}
	}
	srcs, err := compiler.Load(paths...)
	if err != nil {
		return nil, nil, err
	}
	if len(srcs) == 0 {
		return nil, nil, fmt.Errorf("no .rules files in %s", strings.Join(paths, ", "))
	}
	return compile(srcs, "the ruleset in "+strings.Join(paths, ", "))
}

// Compile compiles a ruleset from sources held in memory. Diagnostics are
// returned when the ruleset has errors (the error then says how many);
// warnings alone do not fail.
func Compile(srcs []compiler.Source) (*Ruleset, diag.List, error) {
	return compile(srcs, "the ruleset")
}

// compile is Compile; what names the ruleset in the error.
func compile(srcs []compiler.Source, what string) (*Ruleset, diag.List, error) {
	var diags diag.List
	pkg, _ := compiler.Check(srcs, compiler.Config{Error: func(d diag.Diagnostic) { diags = append(diags, d) }})
	diags.RemoveDuplicates()
	if diags.HasErrors() {
		n := 0
		for _, d := range diags {
			if d.Severity == diag.Error {
				n++
			}
		}
		return nil, diags, fmt.Errorf("%s has %d error(s)", what, n)
	}
	p, err := codegen.Compile(pkg)
	if err != nil {
		return nil, diags, err
	}
	rs, err := NewRuleset(p)
	return rs, diags, err
}
