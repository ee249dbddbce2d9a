// Package bytecode is the only contract between the Automat compiler and
// its virtual machine: the instruction set ([Opcode], [Instr]), the
// compiled ruleset ([Program]: record layouts, constants, code, rules, the
// rule index, the pc → source table), the artifact format that `rulec
// build` writes and `automatd` loads ([Encode], [Decode]), and the
// disassembler behind `rulec disasm` ([Program.Disassemble]).
//
// The code generator (compiler/codegen) produces a Program from a checked
// compiler.Package; the VM (runtime/vm) loads it and never sees syntax
// trees or checker types.
//
// # Machine model
//
// A Program's code is one contiguous slice of fixed-width [Instr]s holding
// every rule's fragments: a condition, the expression of `once per`, one
// fragment per action argument, per `wait until` condition and per clause
// shown by `rulec explain`. A fragment is entered at its first pc and ends
// with [OpReturn], [OpRetTrue] or [OpRetFalse].
//
// The VM has an operand stack of values, sized once from
// [Program.MaxStack], and an array of locals sized from
// [Program.MaxLocals]: quantifier iterators, `count` accumulators and the
// values of `let` names. The subject record of the evaluation and the
// evaluation time `now` are registers.
//
// Values are typed statically: the compiler knows every operand's
// [Kind], and each instruction is specialised for it, so the VM never
// looks up a name, never converts a value and never allocates while
// evaluating a condition. A value may be null; null flows through field
// reads (a path through a null record is null) and arithmetic (the result
// is null), and the predicates treat it as SPEC §1.4 says (see [Pred]).
//
// Conditions compile to jumping code: `and`, `or` and `not` become
// branches, so a condition never materialises an intermediate boolean
// unless it is used as a value. The common leaf "subject field compared
// with a constant" is one instruction ([OpTestField]).
package bytecode

import "fmt"

// This file defines the opcodes, their operands and stack effects.

// Opcode is an instruction's operation.
type Opcode uint8

// The opcodes. The comment of each gives its stack picture, "before OpX
// after", top of stack on the right, and the operands it reads: A (uint16:
// a record slot, a local or a count), B (uint32: a constant, set, regexp or
// record type), C (int32: a jump target pc) and Flag (a predicate, see
// [Flag]). Opcodes from [OpConst] on have operands.
const (
	OpNop Opcode = iota //   - OpNop -

	OpPop       //         x OpPop -
	OpNull      //         - OpNull null
	OpTrue      //         - OpTrue true
	OpFalse     //         - OpFalse false
	OpNow       //         - OpNow time: the evaluation time
	OpSubject   //         - OpSubject record: the subject record
	OpNot       //         b OpNot !b (null counts as false)
	OpNeg       //         n OpNeg -n (number; null stays null)
	OpAdd       //       x y OpAdd x+y (numbers; null if either is null)
	OpSub       //       x y OpSub x-y
	OpMul       //       x y OpMul x*y
	OpDiv       //       x y OpDiv x/y (error on division by zero)
	OpNegDur    //         d OpNegDur -d
	OpAddDur    //       d e OpAddDur d+e (durations)
	OpSubDur    //       d e OpSubDur d-e
	OpAddTime   //       t d OpAddTime t+d (time plus duration)
	OpSubTime   //       t d OpSubTime t-d (time minus duration)
	OpDiffTime  //       t u OpDiffTime t-u (a duration)
	OpMulDur    //       d n OpMulDur d*n (duration times number, to the nanosecond)
	OpDivDur    //       d n OpDivDur d/n (duration divided by number)
	OpDurRatio  //       d e OpDurRatio d/e (a number)
	OpReturn    //         x OpReturn -: ends the fragment with result x
	OpRetTrue   //         - OpRetTrue -: ends a condition, true
	OpRetFalse  //         - OpRetFalse -: ends a condition, false
	OpLen       //         x OpLen n: length of a string (characters) or list; null stays null
	OpHTML      //         x OpHTML s: the text of x, HTML-escaped (values interpolated into an e-mail's HTML part)
	opNoOperand // sentinel: opcodes below have no operand

	OpConst        //        - OpConst k                 B: constant
	OpField        //        r OpField r.f               A: slot, B: record type of r (null r → null)
	OpSubjField    //        - OpSubjField subject.f      A: slot, B: subject record type
	OpLocal        //        - OpLocal v                 A: local
	OpLocalField   //        - OpLocalField local.f       A: local, B: slot, C: record type
	OpSetLocal     //        v OpSetLocal -              A: local
	OpIncLocal     //        - OpIncLocal -              A: local (a count, +1)
	OpJump         //        - OpJump -                  C: target
	OpJumpIfTrue   //        b OpJumpIfTrue -            C: target, taken when b is true
	OpJumpIfFalse  //       b OpJumpIfFalse -           C: target, taken when b is false or null
	OpPred         //        x OpPred b                  Flag: predicate, B: its constant operand
	OpTest         //        x OpTest -                  Flag: predicate and sense, B: operand, C: target
	OpTestField    //        - OpTestField -             A: subject slot, Flag, B, C as OpTest
	OpCmp          //      x y OpCmp b                   Flag: predicate, y its operand
	OpIterInit     //     list OpIterInit -              A: first of 3 locals (list, index, element)
	OpIterNext     //        - OpIterNext -              A: as OpIterInit, C: target when done
	OpInterp       //  x1…xn OpInterp s                  A: n; the text of each value, concatenated
	OpMakeList     //  x1…xn OpMakeList list             A: n
	OpFind         //     list OpFind -                  A: element slot or NoSlot, Flag, B as OpTest, C: target
	OpFindNot      //     list OpFindNot -               as OpFind
	OpIfEnum       //        - OpIfEnum -                A: subject slot, B: enum value index, Flag: Rel mask, C: target
	OpIfStr        //        - OpIfStr -                 A: subject slot, B: string constant, Flag: Rel mask, C: target
	OpIfNum        //        - OpIfNum -                 A: subject slot, B: number constant, Flag: Rel mask, C: target
	OpTestPath     //        - OpTestPath -              A: subject slot of a record, D: its slot; Flag, B, C as OpTest
	OpFindField    //        - OpFindField -             A: subject slot of a list, D: element slot or NoSlot; Flag, B, C as OpFind
	OpFindNotField //       - OpFindNotField -          as OpFindField, jumping as OpFindNot

	OpMax = OpFindNotField // the highest opcode
)

// OpIfEnum, OpIfStr and OpIfNum are the leaf tests conditions are mostly
// made of, a subject field compared with a constant, specialised by kind:
// the VM relates the field to the constant (less, equal, greater, or null)
// and jumps to C when that relation is in the Flag, a mask of [Rel] bits.
// The compiler folds the predicate, its negation and SPEC §1.4's null
// rules into the mask: `total > 100` jumping when false is RelLess |
// RelEqual | RelNull. Text compares only for equality: unequal text
// relates as RelLess|RelGreater.

// Rel is a bit of the relation mask of OpIfEnum, OpIfStr and OpIfNum.
type Rel = Flag

// Relations.
const (
	RelLess    Rel = 1 << iota // the field is less than the constant
	RelEqual                   // equal
	RelGreater                 // greater
	RelNull                    // the field is null
	RelAll     = RelLess | RelEqual | RelGreater | RelNull
)

// OpFind and OpFindNot run a quantifier whose where clause is one test of
// the element (or of one of its fields) against a constant, as one
// instruction (OpFindField, OpFindNotField: of a list that is a field of
// the subject): OpFind jumps to C when some element's value passes the
// test with the outcome the Flag's sense names (true for any and none,
// false for all), OpFindNot when no element does. A null list has no
// elements. Each element visited counts as a step of the budget.

// NoSlot in the A operand of [OpFind] and [OpFindNot] tests the element
// itself rather than one of its fields.
const NoSlot = 0xFFFF

var opNames = [...]string{
	OpNop:          "nop",
	OpPop:          "pop",
	OpNull:         "null",
	OpTrue:         "true",
	OpFalse:        "false",
	OpNow:          "now",
	OpSubject:      "subject",
	OpNot:          "not",
	OpNeg:          "neg",
	OpAdd:          "add",
	OpSub:          "sub",
	OpMul:          "mul",
	OpDiv:          "div",
	OpNegDur:       "negdur",
	OpAddDur:       "adddur",
	OpSubDur:       "subdur",
	OpAddTime:      "addtime",
	OpSubTime:      "subtime",
	OpDiffTime:     "difftime",
	OpMulDur:       "muldur",
	OpDivDur:       "divdur",
	OpDurRatio:     "durratio",
	OpReturn:       "return",
	OpRetTrue:      "rettrue",
	OpRetFalse:     "retfalse",
	OpLen:          "len",
	OpHTML:         "html",
	opNoOperand:    "",
	OpConst:        "const",
	OpField:        "field",
	OpSubjField:    "subjfield",
	OpLocal:        "local",
	OpLocalField:   "localfield",
	OpSetLocal:     "setlocal",
	OpIncLocal:     "inclocal",
	OpJump:         "jump",
	OpJumpIfTrue:   "jumpiftrue",
	OpJumpIfFalse:  "jumpiffalse",
	OpPred:         "pred",
	OpTest:         "test",
	OpTestField:    "testfield",
	OpCmp:          "cmp",
	OpIterInit:     "iterinit",
	OpIterNext:     "iternext",
	OpInterp:       "interp",
	OpMakeList:     "makelist",
	OpFind:         "find",
	OpFindNot:      "findnot",
	OpIfEnum:       "ifenum",
	OpIfStr:        "ifstr",
	OpIfNum:        "ifnum",
	OpTestPath:     "testpath",
	OpFindField:    "findfield",
	OpFindNotField: "findnotfield",
}

// String returns the opcode's name as the disassembler prints it, or
// "illegal op (N)".
func (op Opcode) String() string {
	if op <= OpMax && opNames[op] != "" {
		return opNames[op]
	}
	return fmt.Sprintf("illegal op (%d)", uint8(op))
}

// HasOperand reports whether op reads any of the operands A, B, C, Flag.
func (op Opcode) HasOperand() bool { return op > opNoOperand }

// IsJump reports whether op may transfer control to its C operand.
func (op Opcode) IsJump() bool {
	switch op {
	case OpJump, OpJumpIfTrue, OpJumpIfFalse, OpTest, OpTestField, OpIterNext, OpFind, OpFindNot,
		OpIfEnum, OpIfStr, OpIfNum, OpTestPath, OpFindField, OpFindNotField:
		return true
	}
	return false
}

// IsReturn reports whether op ends a fragment.
func (op Opcode) IsReturn() bool { return op == OpReturn || op == OpRetTrue || op == OpRetFalse }

// stackIO gives how many values each opcode pops and pushes, from its
// stack picture; OpInterp and OpMakeList pop A values (see [StackPops]).
var stackIO = [...]struct{ pop, push int8 }{
	OpNop:          {0, 0},
	OpPop:          {1, 0},
	OpNull:         {0, 1},
	OpTrue:         {0, 1},
	OpFalse:        {0, 1},
	OpNow:          {0, 1},
	OpSubject:      {0, 1},
	OpNot:          {1, 1},
	OpNeg:          {1, 1},
	OpAdd:          {2, 1},
	OpSub:          {2, 1},
	OpMul:          {2, 1},
	OpDiv:          {2, 1},
	OpNegDur:       {1, 1},
	OpAddDur:       {2, 1},
	OpSubDur:       {2, 1},
	OpAddTime:      {2, 1},
	OpSubTime:      {2, 1},
	OpDiffTime:     {2, 1},
	OpMulDur:       {2, 1},
	OpDivDur:       {2, 1},
	OpDurRatio:     {2, 1},
	OpReturn:       {1, 0},
	OpRetTrue:      {0, 0},
	OpRetFalse:     {0, 0},
	OpLen:          {1, 1},
	OpHTML:         {1, 1},
	opNoOperand:    {0, 0},
	OpConst:        {0, 1},
	OpField:        {1, 1},
	OpSubjField:    {0, 1},
	OpLocal:        {0, 1},
	OpLocalField:   {0, 1},
	OpSetLocal:     {1, 0},
	OpIncLocal:     {0, 0},
	OpJump:         {0, 0},
	OpJumpIfTrue:   {1, 0},
	OpJumpIfFalse:  {1, 0},
	OpPred:         {1, 1},
	OpTest:         {1, 0},
	OpTestField:    {0, 0},
	OpCmp:          {2, 1},
	OpIterInit:     {1, 0},
	OpIterNext:     {0, 0},
	OpInterp:       {0, 1},
	OpMakeList:     {0, 1},
	OpFind:         {1, 0},
	OpFindNot:      {1, 0},
	OpIfEnum:       {0, 0},
	OpIfStr:        {0, 0},
	OpIfNum:        {0, 0},
	OpTestPath:     {0, 0},
	OpFindField:    {0, 0},
	OpFindNotField: {0, 0},
}

// StackPops returns how many values in pops from the stack.
func StackPops(in Instr) int {
	switch in.Op {
	case OpInterp, OpMakeList:
		return int(in.A)
	}
	if in.Op <= OpMax {
		return int(stackIO[in.Op].pop)
	}
	return 0
}

// StackEffect returns the change in stack depth caused by in; the
// compiler uses it to compute [Program.MaxStack].
func StackEffect(in Instr) int {
	if in.Op > OpMax {
		return 0
	}
	return int(stackIO[in.Op].push) - StackPops(in)
}

// Instr is one instruction: an opcode and its operands; which operands an
// opcode reads is listed with the opcode.
type Instr struct {
	Op   Opcode
	Flag Flag
	A    uint16
	D    uint16
	B    uint32
	C    int32
}

// Kind is the static type of a value as the VM sees it: the kind of a
// record field, a constant, a predicate's operand, an action parameter.
type Kind uint8

// Kinds. Number covers `number` and `money` (both exact decimals). Enum
// values carry both their text and their index in the enum's values (-1
// for a value the ruleset does not declare).
const (
	Null Kind = iota
	Bool
	Number
	String
	Enum
	Time
	Duration
	List
	Record
	maxKind = Record
)

var kindNames = [...]string{
	Null: "null", Bool: "bool", Number: "number", String: "string", Enum: "enum",
	Time: "time", Duration: "duration", Record: "record", List: "list",
}

func (k Kind) String() string {
	if k <= maxKind {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// Pred is a predicate of [OpPred], [OpTest], [OpTestField] and [OpCmp]:
// a test of a value x against an operand y (a constant, a set, a regexp,
// or for OpCmp the value on top of the stack), with the null semantics of
// SPEC §1.4 built in:
//
//	PredEq      x = y; false when either is null
//	PredNe      x != y; true when either is null
//	PredLt…Ge   ordering; false when either is null
//	PredIn      x is one of the set y (OpCmp: of the list y); false for null
//	PredContains x contains y, Unicode case-folded (strings), or the list x
//	            holds y; false for null
//	PredStarts  x starts with y, case-folded; false for null
//	PredMatches x matches the regexp y; false for null
//	PredIsNull  x is null (no operand)
//	PredIsEmpty x is "" or an empty list; false for null (no operand)
//	PredIsNotEmpty x has a value that is not "" or an empty list (no operand)
//	PredTrue    x is the boolean true; false for null (no operand)
//
// For predicates with a constant operand the compiler folds the operand
// (case folding, NFC, sets hashed at load time).
type Pred uint8

// Predicates.
const (
	PredEq Pred = iota
	PredNe
	PredLt
	PredLe
	PredGt
	PredGe
	PredIn
	PredContains
	PredStarts
	PredMatches
	PredIsNull
	PredIsEmpty
	PredIsNotEmpty
	PredTrue
	maxPred = PredTrue
)

var predNames = [...]string{
	PredEq: "=", PredNe: "!=", PredLt: "<", PredLe: "<=", PredGt: ">", PredGe: ">=",
	PredIn: "in", PredContains: "contains", PredStarts: "startswith", PredMatches: "matches",
	PredIsNull: "isnull", PredIsEmpty: "isempty", PredIsNotEmpty: "isnotempty", PredTrue: "istrue",
}

func (p Pred) String() string {
	if p <= maxPred {
		return predNames[p]
	}
	return fmt.Sprintf("pred(%d)", uint8(p))
}

// HasOperand reports whether the predicate compares with an operand.
func (p Pred) HasOperand() bool { return p < PredIsNull }

// Flag packs a predicate, the kind of its operands and, for a jump, the
// sense: bits 0–3 the [Pred], bits 4–6 the [Kind] of x (Null when it does
// not matter, as for PredIsNull; a Record kind is never needed), bit 7 set
// when the jump is taken if the predicate holds (clear: when it does not).
type Flag uint8

// MakeFlag packs a predicate, a kind and a sense.
func MakeFlag(p Pred, k Kind, sense bool) Flag {
	f := Flag(p&0xF) | Flag(k&0x7)<<4
	if sense {
		f |= 0x80
	}
	return f
}

// Pred returns the predicate of f.
func (f Flag) Pred() Pred { return Pred(f & 0xF) }

// Kind returns the operand kind of f.
func (f Flag) Kind() Kind { return Kind(f>>4) & 0x7 }

// Sense reports whether a jump on f is taken when the predicate holds.
func (f Flag) Sense() bool { return f&0x80 != 0 }

// RelsOf returns the relations for which a predicate (PredEq … PredGe)
// holds, following SPEC §1.4: a comparison with null is false except
// `!=`, which is true.
func RelsOf(p Pred) Rel {
	switch p {
	case PredEq:
		return RelEqual
	case PredNe:
		return RelLess | RelGreater | RelNull
	case PredLt:
		return RelLess
	case PredLe:
		return RelLess | RelEqual
	case PredGt:
		return RelGreater
	case PredGe:
		return RelEqual | RelGreater
	}
	return 0
}

// RelString renders a relation mask as the comparisons it jumps on:
// "<=", "!=|null".
func RelString(m Rel) string {
	var s string
	switch m &^ RelNull {
	case RelLess:
		s = "<"
	case RelLess | RelEqual:
		s = "<="
	case RelEqual:
		s = "="
	case RelEqual | RelGreater:
		s = ">="
	case RelGreater:
		s = ">"
	case RelLess | RelGreater:
		s = "!="
	case RelLess | RelEqual | RelGreater:
		s = "any"
	case 0:
		s = "never"
	}
	if m&RelNull != 0 {
		if m&^RelNull == 0 {
			return "null"
		}
		s += "|null"
	}
	return s
}
