package lsp

// This file defines diagnostics as you type: after edits pause, every
// folder with an open document is checked at the current View and its
// diagnostics published, unless a newer edit arrived meanwhile.

import (
	"context"
	"path/filepath"
	"sort"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/compiler"
	"github.com/automat-rules/automat/lang/diag"
	"github.com/automat-rules/automat/lang/token"
	"github.com/automat-rules/automat/lsp/internal/cache"
	"github.com/automat-rules/automat/lsp/internal/mapper"
)

func (s *server) scheduleDiagnostics() {
	s.diags.schedule(s.cfg.Debounce, func() { s.publish(s.cache.View()) })
}

// publish checks the folders of v's open documents and sends their
// diagnostics. Results of a stale View are dropped: the edit that made
// them stale has scheduled its own run.
func (s *server) publish(v *cache.View) {
	folders := map[string]bool{}
	for _, d := range v.Docs() {
		folders[d.Folder()] = true
	}
	names := make([]string, 0, len(folders))
	for f := range folders {
		names = append(names, f)
	}
	sort.Strings(names)
	claimed := map[protocol.DocumentURI]bool{} // a file imported by two folders is published once
	for _, folder := range names {
		snap, err := s.cache.Snapshot(s.ctx, v, folder)
		if err != nil || s.cache.View().Gen != v.Gen {
			return
		}
		for _, p := range s.diagnosticsOf(snap, folders) {
			if claimed[p.URI] {
				continue
			}
			claimed[p.URI] = true
			if err := s.client.PublishDiagnostics(context.WithoutCancel(s.ctx), p); err != nil {
				s.cfg.Logf("lsp: publishing diagnostics: %v", err)
				return
			}
		}
	}
	// Folders no longer open keep no diagnostics.
	var gone []protocol.DocumentURI
	s.mu.Lock()
	for u, folder := range s.published {
		if !folders[folder] {
			gone = append(gone, u)
			delete(s.published, u)
		}
	}
	s.mu.Unlock()
	for _, u := range gone {
		_ = s.client.PublishDiagnostics(context.WithoutCancel(s.ctx), &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}})
	}
}

// diagnosticsOf converts a snapshot's diagnostics to one notification per
// checked file, an empty list ([] rather than null, which some clients
// ignore) clearing a file, plus clearing notifications for files that had
// diagnostics before and are no longer checked. A file imported from
// another open folder is left to that folder's own check, so that two
// checks never take turns publishing for one file.
func (s *server) diagnosticsOf(snap *cache.Snapshot, open map[string]bool) []*protocol.PublishDiagnosticsParams {
	mine := func(name string) bool {
		dir := filepath.Dir(name)
		return dir == snap.Folder || !open[dir] || !filepath.IsAbs(name)
	}
	byURI := map[protocol.DocumentURI]*protocol.PublishDiagnosticsParams{}
	var order []protocol.DocumentURI
	get := func(name string) *protocol.PublishDiagnosticsParams {
		u := cache.PathToURI(name)
		p := byURI[u]
		if p == nil {
			p = &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}}
			if d := snap.View.Doc(u); d != nil && d.Version >= 0 {
				p.Version = uint32(d.Version)
			}
			byURI[u] = p
			order = append(order, u)
		}
		return p
	}
	for _, name := range snap.Files {
		if name != compiler.StdName && mine(name) {
			get(name)
		}
	}
	for _, d := range snap.Diags {
		if d.File == nil || d.File.Name == compiler.StdName || !mine(d.File.Name) {
			continue
		}
		pd, err := toProtocolDiag(d)
		if err != nil {
			s.cfg.Logf("lsp: %v", err)
			continue
		}
		p := get(d.File.Name)
		p.Diagnostics = append(p.Diagnostics, pd)
	}
	s.mu.Lock()
	for u, folder := range s.published {
		if folder == snap.Folder && byURI[u] == nil {
			byURI[u] = &protocol.PublishDiagnosticsParams{URI: u, Diagnostics: []protocol.Diagnostic{}}
			order = append(order, u)
			delete(s.published, u)
		}
	}
	for _, u := range order {
		if len(byURI[u].Diagnostics) > 0 {
			s.published[u] = snap.Folder
		}
	}
	s.mu.Unlock()
	out := make([]*protocol.PublishDiagnosticsParams, len(order))
	for i, u := range order {
		out[i] = byURI[u]
	}
	return out
}

// fileMapper returns a Mapper for a checked file.
func fileMapper(f *token.File) *mapper.Mapper {
	return mapper.New(cache.PathToURI(f.Name), f)
}

// toProtocolDiag converts a diagnostic at the protocol edge.
func toProtocolDiag(d diag.Diagnostic) (protocol.Diagnostic, error) {
	r, err := fileMapper(d.File).Range(d.Span)
	if err != nil {
		return protocol.Diagnostic{}, err
	}
	sev := protocol.DiagnosticSeverityError
	switch d.Severity {
	case diag.Warning:
		sev = protocol.DiagnosticSeverityWarning
	case diag.Info:
		sev = protocol.DiagnosticSeverityInformation
	}
	out := protocol.Diagnostic{
		Range:    r,
		Severity: sev,
		Code:     d.Code.String(),
		Source:   "automat",
		Message:  d.Message,
	}
	if unusedCodes[d.Code] {
		out.Tags = []protocol.DiagnosticTag{protocol.DiagnosticTagUnnecessary}
	}
	for _, rel := range d.Related {
		if rel.File == nil || rel.File.Name == compiler.StdName {
			continue
		}
		loc, err := fileMapper(rel.File).Location(rel.Span)
		if err != nil {
			continue
		}
		out.RelatedInformation = append(out.RelatedInformation, protocol.DiagnosticRelatedInformation{Location: loc, Message: rel.Message})
	}
	return out, nil
}

// unusedCodes are the diagnostics about code that does nothing, shown
// faded by clients.
var unusedCodes = map[diag.Code]bool{diag.UnusedDeclaration: true}
