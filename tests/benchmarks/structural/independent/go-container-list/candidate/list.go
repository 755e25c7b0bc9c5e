// Package list is a doubly linked list with the API of Go's container/list.
//
// Iterate with:
//
//	for e := l.Front(); e != nil; e = e.Next() {
//		// use e.Value
//	}
package list

// Element is one node of a List.
type Element struct {
	prev, next *Element
	owner      *List
	// Value is the payload the caller stored.
	Value any
}

// Next is the element after e, or nil at the end of the list.
func (e *Element) Next() *Element {
	if e.owner == nil {
		return nil
	}
	return e.next
}

// Prev is the element before e, or nil at the start of the list.
func (e *Element) Prev() *Element {
	if e.owner == nil {
		return nil
	}
	return e.prev
}

// List is a doubly linked list; its zero value is an empty list ready to use.
type List struct {
	head, tail *Element
	size       int
}

// New returns an empty list.
func New() *List { return new(List) }

// Init empties l and returns it.
func (l *List) Init() *List {
	for e := l.head; e != nil; {
		following := e.next
		e.prev, e.next, e.owner = nil, nil, nil
		e = following
	}
	l.head, l.tail, l.size = nil, nil, 0
	return l
}

// Len is the number of elements, in constant time.
func (l *List) Len() int { return l.size }

// Front is the first element, or nil.
func (l *List) Front() *Element { return l.head }

// Back is the last element, or nil.
func (l *List) Back() *Element { return l.tail }

// link puts the detached element e between before and after (either may be nil: an end).
func (l *List) link(e, before, after *Element) *Element {
	e.owner, e.prev, e.next = l, before, after
	if before == nil {
		l.head = e
	} else {
		before.next = e
	}
	if after == nil {
		l.tail = e
	} else {
		after.prev = e
	}
	l.size++
	return e
}

// unlink detaches e from l, leaving its value in place.
func (l *List) unlink(e *Element) {
	if e.prev == nil {
		l.head = e.next
	} else {
		e.prev.next = e.next
	}
	if e.next == nil {
		l.tail = e.prev
	} else {
		e.next.prev = e.prev
	}
	e.prev, e.next, e.owner = nil, nil, nil
	l.size--
}

// PushFront adds v at the front and returns its element.
func (l *List) PushFront(v any) *Element {
	return l.link(&Element{Value: v}, nil, l.head)
}

// PushBack adds v at the back and returns its element.
func (l *List) PushBack(v any) *Element {
	return l.link(&Element{Value: v}, l.tail, nil)
}

// InsertBefore adds v just before mark, or does nothing (and returns nil) when mark is not
// in l.
func (l *List) InsertBefore(v any, mark *Element) *Element {
	if mark.owner != l {
		return nil
	}
	return l.link(&Element{Value: v}, mark.prev, mark)
}

// InsertAfter adds v just after mark, or does nothing (and returns nil) when mark is not in l.
func (l *List) InsertAfter(v any, mark *Element) *Element {
	if mark.owner != l {
		return nil
	}
	return l.link(&Element{Value: v}, mark, mark.next)
}

// Remove takes e out of l when it belongs to l, and returns its value either way.
func (l *List) Remove(e *Element) any {
	if e.owner == l {
		l.unlink(e)
	}
	return e.Value
}

// relocate moves e (an element of l) between before and after.
func (l *List) relocate(e, before, after *Element) {
	value := e.Value
	l.unlink(e)
	e.Value = value
	l.link(e, before, after)
}

// MoveToFront makes e the first element, when e belongs to l.
func (l *List) MoveToFront(e *Element) {
	if e.owner == l && l.head != e {
		l.relocate(e, nil, l.head)
	}
}

// MoveToBack makes e the last element, when e belongs to l.
func (l *List) MoveToBack(e *Element) {
	if e.owner == l && l.tail != e {
		l.relocate(e, l.tail, nil)
	}
}

// MoveBefore puts e just before mark, when both belong to l and differ.
func (l *List) MoveBefore(e, mark *Element) {
	if e.owner != l || mark.owner != l || e == mark || mark.prev == e {
		return
	}
	l.relocate(e, mark.prev, mark)
}

// MoveAfter puts e just after mark, when both belong to l and differ.
func (l *List) MoveAfter(e, mark *Element) {
	if e.owner != l || mark.owner != l || e == mark || mark.next == e {
		return
	}
	l.relocate(e, mark, mark.next)
}

// values copies the values of other first: other may be l itself.
func values(other *List) []any {
	out := make([]any, 0, other.size)
	for e := other.head; e != nil; e = e.next {
		out = append(out, e.Value)
	}
	return out
}

// PushBackList appends a copy of other's values (other may be l).
func (l *List) PushBackList(other *List) {
	for _, v := range values(other) {
		l.PushBack(v)
	}
}

// PushFrontList prepends a copy of other's values, in their order (other may be l).
func (l *List) PushFrontList(other *List) {
	copied := values(other)
	for i := len(copied) - 1; i >= 0; i-- {
		l.PushFront(copied[i])
	}
}
