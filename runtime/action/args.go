package action

// This file reads an action's arguments and the subject record's fields.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// args is an action's arguments by parameter name.
type args map[string]json.RawMessage

func parseArgs(r *Request) (args, error) {
	a := args{}
	raw := bytes.TrimSpace(r.Action.Args)
	if len(raw) == 0 || string(raw) == "null" {
		return a, nil
	}
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("%s: the arguments are not a JSON object: %v", r.Action.Name, err)
	}
	return a, nil
}

// text returns argument name as text: a string as it is, a number or bool
// as its JSON literal. ok is false when it is absent or null.
func (a args) text(name string) (s string, ok bool) {
	raw, present := a[name]
	if !present {
		return "", false
	}
	return scalarText(raw)
}

// required is text for an argument that must be a non-empty value.
func (a args) required(action, name string) (string, error) {
	s, ok := a.text(name)
	if !ok || strings.TrimSpace(s) == "" {
		return "", fmt.Errorf("%s: argument %s is missing or empty", action, name)
	}
	return s, nil
}

// scalarText renders a JSON scalar as text; ok is false for null, an
// object or a list.
func scalarText(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "", false
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case 'n', '{', '[':
		return "", false
	}
	return string(raw), true
}

// field returns the value at a dotted path in a JSON object, or false; a
// segment that is a number indexes a list ("results.0.id").
func field(obj json.RawMessage, path string) (json.RawMessage, bool) {
	cur := obj
	for _, key := range strings.Split(path, ".") {
		cur = bytes.TrimSpace(cur)
		if len(cur) > 0 && cur[0] == '[' {
			var list []json.RawMessage
			i, err := strconv.Atoi(key)
			if err != nil || json.Unmarshal(cur, &list) != nil || i < 0 || i >= len(list) {
				return nil, false
			}
			cur = list[i]
			continue
		}
		var m map[string]json.RawMessage
		if len(cur) == 0 || json.Unmarshal(cur, &m) != nil {
			return nil, false
		}
		v, ok := m[key]
		if !ok {
			return nil, false
		}
		cur = v
	}
	return cur, true
}

// recordLookup resolves a template placeholder path against the subject
// record's snapshot: "order.number" on an order subject is the snapshot's
// "number"; a path through a reference embedded as an object
// ("order.buyer.name" on a shipment with the order embedded) is followed
// from the snapshot's own fields. A JSON null is "".
func recordLookup(r *Request) func(path string) (string, bool) {
	return func(path string) (string, bool) {
		if len(r.Record) == 0 {
			return "", false
		}
		candidates := []string{path}
		if rest, ok := strings.CutPrefix(path, r.Action.Record.Type+"."); ok && r.Action.Record.Type != "" {
			candidates = []string{rest, path}
		}
		for _, p := range candidates {
			v, ok := field(r.Record, p)
			if !ok {
				continue
			}
			if bytes.Equal(bytes.TrimSpace(v), []byte("null")) {
				return "", true
			}
			if s, ok := scalarText(v); ok {
				return s, true
			}
		}
		return "", false
	}
}
