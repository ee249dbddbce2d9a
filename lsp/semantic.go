package lsp

// This file defines semantic tokens: the scanner's tokens, with every name
// (and every status written as a string) classified by the object the
// checker resolved it to, so that fields, statuses, lets, consts and
// actions are told apart where a TextMate grammar can only guess.
// Interpolations inside strings are split out of the string token.

import (
	"context"
	"strings"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/ast"
	"github.com/automat-rules/automat/lang/scanner"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lsp/internal/mapper"
)

// Token types and modifiers, by their index in the legend.
const (
	semKeyword = iota
	semComment
	semString
	semNumber
	semOperator
	semType
	semEnum
	semEnumMember
	semProperty
	semVariable
	semParameter
	semFunction
	semEvent
)

var semanticTypes = []protocol.SemanticTokenTypes{
	semKeyword:    protocol.SemanticTokenKeyword,
	semComment:    protocol.SemanticTokenComment,
	semString:     protocol.SemanticTokenString,
	semNumber:     protocol.SemanticTokenNumber,
	semOperator:   protocol.SemanticTokenOperator,
	semType:       protocol.SemanticTokenType,
	semEnum:       protocol.SemanticTokenEnum,
	semEnumMember: protocol.SemanticTokenEnumMember,
	semProperty:   protocol.SemanticTokenProperty,
	semVariable:   protocol.SemanticTokenVariable,
	semParameter:  protocol.SemanticTokenParameter,
	semFunction:   protocol.SemanticTokenFunction,
	semEvent:      protocol.SemanticTokenEvent,
}

const (
	modDeclaration = 1 << iota
	modReadonly
	modDefaultLibrary
)

var semanticModifiers = []protocol.SemanticTokenModifiers{
	protocol.SemanticTokenModifierDeclaration,
	protocol.SemanticTokenModifierReadonly,
	protocol.SemanticTokenModifierDefaultLibrary,
}

func (s *server) SemanticTokensFull(ctx context.Context, p *protocol.SemanticTokensParams) (*protocol.SemanticTokens, error) {
	out := &protocol.SemanticTokens{Data: []uint32{}}
	v := s.viewOf(ctx)
	d := v.Doc(p.TextDocument.URI)
	if d == nil {
		return out, nil
	}
	snap, err := s.cache.Snapshot(ctx, v, d.Folder())
	if err != nil {
		return nil, err
	}
	f := snap.File(d.Path)
	if f == nil {
		return out, nil
	}
	out.Data = semanticTokens(snap.Pkg, f, d.Mapper())
	return out, nil
}

// semTok is one classified piece of source.
type semTok struct {
	span token.Span
	typ  int
	mods uint32
}

// semanticTokens classifies the tokens of f and encodes them as the
// protocol's relative quintuples, lengths in UTF-16 units.
func semanticTokens(pkg *compiler.Package, f *ast.File, m *mapper.Mapper) []uint32 {
	var toks []semTok
	for _, t := range scanner.Scan(string(f.Tok.Src)) {
		switch t.Kind {
		case scanner.Keyword:
			toks = append(toks, semTok{span: t.Span, typ: semKeyword})
		case scanner.Comment:
			toks = append(toks, semTok{span: t.Span, typ: semComment})
		case scanner.Number, scanner.Duration:
			toks = append(toks, semTok{span: t.Span, typ: semNumber})
		case scanner.Punct:
			switch t.Text {
			case "=", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "->", "?":
				toks = append(toks, semTok{span: t.Span, typ: semOperator})
			}
		case scanner.Ident:
			if st, ok := classify(pkg, f, t.Span); ok {
				toks = append(toks, st)
			}
		case scanner.String, scanner.BadString:
			toks = appendString(toks, pkg, f, t)
		}
	}
	data := make([]uint32, 0, 5*len(toks))
	var prevLine, prevChar uint32
	for _, st := range toks {
		r, err := m.Range(st.span)
		if err != nil || r.Start.Line != r.End.Line || r.End.Character <= r.Start.Character {
			continue // tokens never span lines; a stale one is dropped
		}
		dl, dc := r.Start.Line-prevLine, r.Start.Character
		if dl == 0 {
			dc = r.Start.Character - prevChar
		}
		data = append(data, dl, dc, r.End.Character-r.Start.Character, uint32(st.typ), st.mods)
		prevLine, prevChar = r.Start.Line, r.Start.Character
	}
	return data
}

// classify returns the token of the name at sp, from the object the
// checker resolved it to; ok is false for a name it did not resolve.
func classify(pkg *compiler.Package, f *ast.File, sp token.Span) (semTok, bool) {
	ref, found := pkg.ObjectAt(f.Tok.Name, sp.Start)
	if !found || ref.Obj == nil || ref.Span != sp {
		return semTok{}, false
	}
	st := semTok{span: sp}
	o := ref.Obj
	switch o.Kind {
	case compiler.RecordObject, compiler.TypeObject:
		st.typ = semType
	case compiler.EnumObject:
		st.typ = semEnum
	case compiler.EnumValueObject, compiler.StatusObject, compiler.PhaseObject:
		st.typ = semEnumMember
	case compiler.FieldObject:
		st.typ = semProperty
	case compiler.ConstObject:
		st.typ, st.mods = semVariable, modReadonly
	case compiler.LetObject, compiler.VarObject:
		st.typ = semVariable
	case compiler.ParamObject:
		st.typ = semParameter
	case compiler.ActionObject:
		st.typ = semFunction
	case compiler.EventObject:
		st.typ = semEvent
	default:
		return semTok{}, false
	}
	if ref.Def {
		st.mods |= modDeclaration
	}
	if o.File == nil || o.File.Name == compiler.StdName {
		st.mods |= modDefaultLibrary
	}
	return st, true
}

// appendString adds a string token: a status or enum value written as a
// string is an enum member; otherwise the literal pieces are strings and
// the names of each `{path}` are classified.
func appendString(toks []semTok, pkg *compiler.Package, f *ast.File, t scanner.Token) []semTok {
	if ref, found := pkg.ObjectAt(f.Tok.Name, t.Span.Start+1); found && ref.Obj != nil && ref.Span == t.Span {
		switch ref.Obj.Kind {
		case compiler.StatusObject, compiler.EnumValueObject, compiler.PhaseObject:
			mods := uint32(0)
			if ref.Def {
				mods = modDeclaration
			}
			return append(toks, semTok{span: t.Span, typ: semEnumMember, mods: mods})
		}
	}
	text := t.Text
	lit := t.Span.Start // start of the pending literal piece
	for i := 1; i < len(text); i++ {
		switch text[i] {
		case '\\':
			i++
		case '{':
			if i+1 < len(text) && text[i+1] == '{' {
				i++
				continue
			}
			end := strings.IndexByte(text[i:], '}')
			if end < 0 {
				continue
			}
			open := t.Span.Start + token.Pos(i)
			toks = append(toks, semTok{span: token.Span{Start: lit, End: open + 1}, typ: semString})
			// The names of the path, between the braces.
			inner := text[i+1 : i+end]
			off := open + 1
			for _, part := range strings.Split(inner, ".") {
				sp := token.Span{Start: off, End: off + token.Pos(len(part))}
				if st, ok := classify(pkg, f, sp); ok {
					toks = append(toks, st)
				}
				off = sp.End + 1
			}
			i += end
			lit = t.Span.Start + token.Pos(i)
		}
	}
	return append(toks, semTok{span: token.Span{Start: lit, End: t.Span.End}, typ: semString})
}
