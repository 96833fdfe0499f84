package reference

import (
	"errors"
	"sync"
)

var (
	errNotFound = errors.New("no such call")
	errFull     = errors.New("store full")
)

// store holds calls by id. It is safe for concurrent use. The map is guarded by mu; each call by
// its own mutex, so updates of different calls run in parallel and updates of one call are
// serialised (an atomic read-modify-write each).
type store struct {
	mu    sync.RWMutex
	calls map[string]*entry
	max   int
}

type entry struct {
	mu   sync.Mutex
	doc  []byte // the call's JSON; replaced, never modified in place
	gone bool   // deleted: an update that raced the DELETE must not bring it back
}

func newStore(max int) *store { return &store{calls: map[string]*entry{}, max: max} }

// add stores a new call; errFull when the bound is reached.
func (s *store) add(id string, doc []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.calls) >= s.max {
		return errFull
	}
	s.calls[id] = &entry{doc: doc}
	return nil
}

// live returns the entry of the call id, locked, unless there is none or it was deleted
// (errNotFound). The caller unlocks it.
func (s *store) live(id string) (*entry, error) {
	s.mu.RLock()
	e := s.calls[id]
	s.mu.RUnlock()
	if e == nil {
		return nil, errNotFound
	}
	e.mu.Lock()
	if e.gone {
		e.mu.Unlock()
		return nil, errNotFound
	}
	return e, nil
}

// get returns the stored call.
func (s *store) get(id string) ([]byte, error) {
	e, err := s.live(id)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	return e.doc, nil
}

// update replaces the call by fn(current) atomically; when fn fails nothing changes.
func (s *store) update(id string, fn func(cur []byte) ([]byte, error)) ([]byte, error) {
	e, err := s.live(id)
	if err != nil {
		return nil, err
	}
	defer e.mu.Unlock()
	next, err := fn(e.doc)
	if err != nil {
		return nil, err
	}
	e.doc = next
	return next, nil
}

// remove deletes the call; errNotFound when there is none.
func (s *store) remove(id string) error {
	s.mu.Lock()
	e := s.calls[id]
	delete(s.calls, id)
	s.mu.Unlock()
	if e == nil {
		return errNotFound
	}
	e.mu.Lock()
	e.gone = true
	e.mu.Unlock()
	return nil
}

// len returns the number of stored calls.
func (s *store) len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.calls)
}
