// Package slashpath manipulates forward-slash separated paths such as URL paths.
//
// It works purely on strings: nothing here looks at the file system, and the
// separator is always '/', whatever the operating system.
package slashpath

// deferredBytes rebuilds a path in place. It only allocates a buffer once the
// output stops being a prefix of the input.
type deferredBytes struct {
	src  string
	data []byte
	n    int
}

func (d *deferredBytes) push(ch byte) {
	if d.data != nil {
		d.data[d.n] = ch
		d.n++
		return
	}
	if d.n < len(d.src) && d.src[d.n] == ch {
		d.n++
		return
	}
	d.data = make([]byte, len(d.src))
	copy(d.data, d.src[:d.n])
	d.data[d.n] = ch
	d.n++
}

func (d *deferredBytes) at(pos int) byte {
	if d.data == nil {
		return d.src[pos]
	}
	return d.data[pos]
}

func (d *deferredBytes) result() string {
	if d.data != nil {
		return string(d.data[:d.n])
	}
	return d.src[:d.n]
}

// IsRooted tells whether p starts at the root.
func IsRooted(p string) bool {
	return p != "" && p[0] == '/'
}

// Parent drops the last element of p and normalizes what is left.
func Parent(p string) string {
	head, _ := SplitLast(p)
	return Normalize(head)
}

// LastElement is the final element of p, trailing slashes ignored.
// It is "." for an empty path and "/" for a path made only of slashes.
func LastElement(p string) string {
	if p == "" {
		return "."
	}
	end := len(p)
	for end > 0 && p[end-1] == '/' {
		end--
	}
	if end == 0 {
		return "/"
	}
	trimmed := p[:end]
	return trimmed[finalSlash(trimmed)+1:]
}

// Extension is the suffix of the last element starting at its final dot, or "".
func Extension(p string) string {
	for pos := len(p) - 1; pos >= 0; pos-- {
		switch p[pos] {
		case '/':
			return ""
		case '.':
			return p[pos:]
		}
	}
	return ""
}

// Combine glues the non-empty parts together with slashes and normalizes the result.
// It is "" when every part is empty.
func Combine(parts ...string) string {
	total := 0
	for _, part := range parts {
		total += len(part)
	}
	if total == 0 {
		return ""
	}
	joined := make([]byte, 0, total+len(parts)-1)
	for _, part := range parts {
		if part == "" && len(joined) == 0 {
			continue
		}
		if len(joined) > 0 {
			joined = append(joined, '/')
		}
		joined = append(joined, part...)
	}
	return Normalize(string(joined))
}

// SplitLast cuts p just after its final slash: head keeps the slash, tail is the rest.
func SplitLast(p string) (head, tail string) {
	cut := finalSlash(p) + 1
	return p[:cut], p[cut:]
}

func finalSlash(s string) int {
	pos := len(s) - 1
	for pos >= 0 && s[pos] != '/' {
		pos--
	}
	return pos
}

// isElement reports whether p[at:] starts with the element name followed by a slash or the end.
func isElement(p string, at int, name string) bool {
	end := at + len(name)
	if end > len(p) || p[at:end] != name {
		return false
	}
	return end == len(p) || p[end] == '/'
}

// Normalize returns the shortest path equivalent to p, by lexical processing only:
// repeated slashes collapse, "." elements vanish, each ".." removes the element before it
// (and at the root is dropped), and an empty result becomes ".".
func Normalize(p string) string {
	if p == "" {
		return "."
	}
	rooted := p[0] == '/'
	out := deferredBytes{src: p}
	pos, floor := 0, 0 // floor: where ".." must stop (after the root or a run of "../")
	if rooted {
		out.push('/')
		pos, floor = 1, 1
	}

	for pos < len(p) {
		if p[pos] == '/' || isElement(p, pos, ".") {
			pos++
			continue
		}
		if isElement(p, pos, "..") {
			pos += 2
			if out.n > floor {
				out.n--
				for out.n > floor && out.at(out.n) != '/' {
					out.n--
				}
			} else if !rooted {
				if out.n > 0 {
					out.push('/')
				}
				out.push('.')
				out.push('.')
				floor = out.n
			}
			continue
		}
		if (rooted && out.n != 1) || (!rooted && out.n != 0) {
			out.push('/')
		}
		for ; pos < len(p) && p[pos] != '/'; pos++ {
			out.push(p[pos])
		}
	}

	if out.n == 0 {
		return "."
	}
	return out.result()
}
