package lsp

// This file defines text synchronisation: open, change (incremental, in
// UTF-16 ranges), close, save and changes on disk. Each makes a new View
// and reschedules the diagnostics; none checks anything itself.

import (
	"context"
	"encoding/json"
	"fmt"

	"go.lsp.dev/protocol"

	"github.com/automat-rules/automat/lsp/internal/cache"
)

func (s *server) DidOpen(_ context.Context, p *protocol.DidOpenTextDocumentParams) error {
	s.cache.Open(cache.NewDocument(p.TextDocument.URI, p.TextDocument.Version, []byte(p.TextDocument.Text)))
	s.scheduleDiagnostics()
	return nil
}

// DidChange is reached only when the wrapper does not see the raw
// message; it treats every change as ranged.
func (s *server) DidChange(_ context.Context, p *protocol.DidChangeTextDocumentParams) error {
	changes := make([]cache.Change, len(p.ContentChanges))
	for i, ch := range p.ContentChanges {
		r := ch.Range
		changes[i] = cache.Change{Range: &r, Text: ch.Text}
	}
	return s.didChange(p.TextDocument.URI, p.TextDocument.Version, changes)
}

// didChangeRaw decodes a didChange notification itself: a change without
// a range replaces the whole text.
func (s *server) didChangeRaw(raw json.RawMessage) error {
	var p struct {
		TextDocument   protocol.VersionedTextDocumentIdentifier `json:"textDocument"`
		ContentChanges []struct {
			Range *protocol.Range `json:"range"`
			Text  string          `json:"text"`
		} `json:"contentChanges"`
	}
	if err := json.Unmarshal(raw, &p); err != nil {
		return fmt.Errorf("bad didChange parameters: %w", err)
	}
	changes := make([]cache.Change, len(p.ContentChanges))
	for i, ch := range p.ContentChanges {
		changes[i] = cache.Change{Range: ch.Range, Text: ch.Text}
	}
	return s.didChange(p.TextDocument.URI, p.TextDocument.Version, changes)
}

func (s *server) didChange(u protocol.DocumentURI, version int32, changes []cache.Change) error {
	if _, err := s.cache.Change(u, version, changes); err != nil {
		return fmt.Errorf("didChange %s: %w", u, err)
	}
	s.scheduleDiagnostics()
	return nil
}

func (s *server) DidClose(_ context.Context, p *protocol.DidCloseTextDocumentParams) error {
	s.cache.CloseDoc(p.TextDocument.URI)
	s.scheduleDiagnostics()
	return nil
}

// DidSave needs nothing: the buffer's text is already what is checked.
func (s *server) DidSave(context.Context, *protocol.DidSaveTextDocumentParams) error { return nil }

// DidChangeWatchedFiles makes every check stale: a file of a folder or an
// import may have changed on disk.
func (s *server) DidChangeWatchedFiles(context.Context, *protocol.DidChangeWatchedFilesParams) error {
	s.cache.FilesChanged()
	s.scheduleDiagnostics()
	return nil
}

// DidCreateFiles, DidRenameFiles and DidDeleteFiles change folders on
// disk, as watched-file events do.
func (s *server) DidCreateFiles(context.Context, *protocol.CreateFilesParams) error {
	s.cache.FilesChanged()
	s.scheduleDiagnostics()
	return nil
}

func (s *server) DidRenameFiles(context.Context, *protocol.RenameFilesParams) error {
	s.cache.FilesChanged()
	s.scheduleDiagnostics()
	return nil
}

func (s *server) DidDeleteFiles(context.Context, *protocol.DeleteFilesParams) error {
	s.cache.FilesChanged()
	s.scheduleDiagnostics()
	return nil
}
