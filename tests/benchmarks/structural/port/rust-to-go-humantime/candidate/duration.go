// Package humanduration parses and formats human-friendly durations such as "1hour 12min 5s".
package humanduration

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrorKind tells what went wrong while parsing a duration.
type ErrorKind int

const (
	// InvalidCharacter: anything that is not alphanumeric (or whitespace) is prohibited.
	InvalidCharacter ErrorKind = iota
	// NumberExpected: a unit was broken into words ("m sec") or a number is missing.
	NumberExpected
	// UnknownUnit: the unit is not one of the supported units.
	UnknownUnit
	// NumberOverflow: the value is too large.
	NumberOverflow
	// Empty: the string is empty or holds only whitespace.
	Empty
)

// Error describes a parse failure. Offset is the byte offset of the bad character
// (InvalidCharacter, NumberExpected); Start, End, Unit and Value describe an UnknownUnit.
type Error struct {
	Kind       ErrorKind
	Offset     int
	Start, End int
	Unit       string
	Value      uint64
}

func (e *Error) Error() string {
	switch e.Kind {
	case InvalidCharacter:
		return fmt.Sprintf("invalid character at %d", e.Offset)
	case NumberExpected:
		return fmt.Sprintf("expected number at %d", e.Offset)
	case UnknownUnit:
		if e.Unit == "" {
			return fmt.Sprintf("time unit needed, for example %[1]dsec or %[1]dms", e.Value)
		}
		return fmt.Sprintf("unknown time unit %q, "+
			"supported units: ns, us, ms, sec, min, hours, days, "+
			"weeks, months, years (and few variations)", e.Unit)
	case NumberOverflow:
		return "number is too large"
	default:
		return "value was empty"
	}
}

var errOverflow = &Error{Kind: NumberOverflow}

func mul(a, b uint64) (uint64, error) {
	hi, lo := bits.Mul64(a, b)
	if hi != 0 {
		return 0, errOverflow
	}
	return lo, nil
}

func add(a, b uint64) (uint64, error) {
	sum, carry := bits.Add64(a, b, 0)
	if carry != 0 {
		return 0, errOverflow
	}
	return sum, nil
}

// Duration is a span of time as whole seconds plus nanoseconds (below one second).
type Duration struct {
	Secs  uint64
	Nanos uint32
}

// newDuration carries whole seconds out of nanos, like Rust's Duration::new (which
// panics when the seconds overflow).
func newDuration(secs uint64, nanos uint64) Duration {
	if nanos >= 1_000_000_000 {
		var err error
		if secs, err = add(secs, nanos/1_000_000_000); err != nil {
			panic("overflow in Duration::new")
		}
		nanos %= 1_000_000_000
	}
	return Duration{Secs: secs, Nanos: uint32(nanos)}
}

type parser struct {
	src     string
	pos     int // byte offset of the next character
	current [2]uint64
}

func (p *parser) off() int { return p.pos }

func (p *parser) next() (rune, bool) {
	if p.pos >= len(p.src) {
		return 0, false
	}
	r, n := utf8.DecodeRuneInString(p.src[p.pos:])
	p.pos += n
	return r, true
}

func isDigit(c rune) bool  { return c >= '0' && c <= '9' }
func isLetter(c rune) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func (p *parser) parseFirstChar() (uint64, bool, error) {
	off := p.off()
	for c, ok := p.next(); ok; c, ok = p.next() {
		switch {
		case isDigit(c):
			return uint64(c - '0'), true, nil
		case unicode.IsSpace(c):
			continue
		default:
			return 0, false, &Error{Kind: NumberExpected, Offset: off}
		}
	}
	return 0, false, nil
}

func (p *parser) parseUnit(n uint64, start, end int) error {
	var sec, nsec uint64
	var err error
	switch p.src[start:end] {
	case "nanos", "nsec", "ns":
		sec, nsec = 0, n
	case "usec", "us":
		nsec, err = mul(n, 1000)
	case "millis", "msec", "ms":
		nsec, err = mul(n, 1_000_000)
	case "seconds", "second", "secs", "sec", "s":
		sec, nsec = n, 0
	case "minutes", "minute", "min", "mins", "m":
		sec, err = mul(n, 60)
	case "hours", "hour", "hr", "hrs", "h":
		sec, err = mul(n, 3600)
	case "days", "day", "d":
		sec, err = mul(n, 86400)
	case "weeks", "week", "w":
		sec, err = mul(n, 86400*7)
	case "months", "month", "M":
		sec, err = mul(n, 2_630_016) // 30.44d
	case "years", "year", "y":
		sec, err = mul(n, 31_557_600) // 365.25d
	default:
		return &Error{Kind: UnknownUnit, Start: start, End: end, Unit: p.src[start:end], Value: n}
	}
	if err != nil {
		return err
	}
	if nsec, err = add(p.current[1], nsec); err != nil {
		return err
	}
	if nsec > 1_000_000_000 {
		if sec, err = add(sec, nsec/1_000_000_000); err != nil {
			return err
		}
		nsec %= 1_000_000_000
	}
	if sec, err = add(p.current[0], sec); err != nil {
		return err
	}
	p.current = [2]uint64{sec, nsec}
	return nil
}

func (p *parser) parse() (Duration, error) {
	n, ok, err := p.parseFirstChar()
	if err != nil {
		return Duration{}, err
	}
	if !ok {
		return Duration{}, &Error{Kind: Empty}
	}
outer:
	for {
		off := p.off()
		for c, ok := p.next(); ok; c, ok = p.next() {
			if isDigit(c) {
				hi, lo := bits.Mul64(n, 10)
				sum, carry := bits.Add64(lo, uint64(c-'0'), 0)
				if hi != 0 || carry != 0 {
					return Duration{}, errOverflow
				}
				n = sum
			} else if isLetter(c) {
				break
			} else if !unicode.IsSpace(c) {
				return Duration{}, &Error{Kind: InvalidCharacter, Offset: off}
			}
			off = p.off()
		}
		start := off
		off = p.off()
		for c, ok := p.next(); ok; c, ok = p.next() {
			if isDigit(c) {
				if err := p.parseUnit(n, start, off); err != nil {
					return Duration{}, err
				}
				n = uint64(c - '0')
				continue outer
			} else if unicode.IsSpace(c) {
				break
			} else if !isLetter(c) {
				return Duration{}, &Error{Kind: InvalidCharacter, Offset: off}
			}
			off = p.off()
		}
		if err := p.parseUnit(n, start, off); err != nil {
			return Duration{}, err
		}
		var more bool
		if n, more, err = p.parseFirstChar(); err != nil {
			return Duration{}, err
		}
		if !more {
			return newDuration(p.current[0], p.current[1]), nil
		}
	}
}

// ParseDuration parses a duration such as "1hour 12min 5s": a concatenation of time spans,
// each an integer and a unit. Units: nsec, ns; usec, us; msec, ms; seconds, second, sec, s;
// minutes, minute, min, m; hours, hour, hr, h; days, day, d; weeks, week, w;
// months, month, M (30.44 days); years, year, y (365.25 days).
func ParseDuration(s string) (Duration, error) {
	p := parser{src: s}
	return p.parse()
}

func itemPlural(b *strings.Builder, started *bool, name string, value uint64) {
	if value > 0 {
		if *started {
			b.WriteString(" ")
		}
		b.WriteString(strconv.FormatUint(value, 10) + name)
		if value > 1 {
			b.WriteString("s")
		}
		*started = true
	}
}

func item(b *strings.Builder, started *bool, name string, value uint32) {
	if value > 0 {
		if *started {
			b.WriteString(" ")
		}
		b.WriteString(strconv.FormatUint(uint64(value), 10) + name)
		*started = true
	}
}

// FormatDuration formats a duration for humans ("2h 37m", "32ms"); ParseDuration reads
// the result back to the same value.
func FormatDuration(d Duration) string {
	secs, nanos := d.Secs, d.Nanos
	if secs == 0 && nanos == 0 {
		return "0s"
	}

	years := secs / 31_557_600 // 365.25d
	ydays := secs % 31_557_600
	months := ydays / 2_630_016 // 30.44d
	mdays := ydays % 2_630_016
	days := mdays / 86400
	daySecs := mdays % 86400
	hours := daySecs / 3600
	minutes := daySecs % 3600 / 60
	seconds := daySecs % 60

	millis := nanos / 1_000_000
	micros := nanos / 1000 % 1000
	nanosec := nanos % 1000

	var b strings.Builder
	started := false
	itemPlural(&b, &started, "year", years)
	itemPlural(&b, &started, "month", months)
	itemPlural(&b, &started, "day", days)
	item(&b, &started, "h", uint32(hours))
	item(&b, &started, "m", uint32(minutes))
	item(&b, &started, "s", uint32(seconds))
	item(&b, &started, "ms", millis)
	item(&b, &started, "us", micros)
	item(&b, &started, "ns", nanosec)
	return b.String()
}
