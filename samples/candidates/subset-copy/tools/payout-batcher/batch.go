// Package settlement groups approved payouts into bank settlement batches
// and renders them in the bank's fixed-width file format.
package settlement

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Instruction is one approved payout to a merchant's bank account.
type Instruction struct {
	PaymentID       string
	MerchantID      string
	Currency        string
	AmountMinor     int64
	BeneficiaryName string
	IBAN            string
	BIC             string
	Reference       string
	ApprovedAt      time.Time
}

// Batch is a set of instructions that will be sent to the bank in one file.
type Batch struct {
	ID         string
	Currency   string
	ValueDate  time.Time
	Items      []Instruction
	TotalMinor int64
	CreatedAt  time.Time
}

// Limits imposed by the sponsor bank. A file exceeding either is rejected
// wholesale, which is far worse than sending two files.
type Limits struct {
	MaxItems      int
	MaxTotalMinor int64
	MaxItemMinor  int64
}

var DefaultLimits = Limits{
	MaxItems:      5000,
	MaxTotalMinor: 50_000_000_00, // 50M in major units
	MaxItemMinor:  1_000_000_00,
}

var (
	ErrDuplicatePayment = errors.New("settlement: duplicate payment id")
	ErrAmountTooLarge   = errors.New("settlement: amount exceeds single-item limit")
	ErrInvalidAmount    = errors.New("settlement: amount must be positive")
)

// RejectedInstruction records why an instruction did not make it into a batch.
type RejectedInstruction struct {
	Instruction Instruction
	Err         error
}

// Builder accumulates instructions and cuts them into batches.
type Builder struct {
	limits   Limits
	calendar *Calendar
	now      func() time.Time
	seen     map[string]struct{}
	pending  map[batchKey][]Instruction
	rejected []RejectedInstruction
	seq      int
}

type batchKey struct {
	currency  string
	valueDate string
}

// NewBuilder returns a Builder using the given limits and settlement calendar.
func NewBuilder(limits Limits, calendar *Calendar, now func() time.Time) *Builder {
	if now == nil {
		now = time.Now
	}
	return &Builder{
		limits:   limits,
		calendar: calendar,
		now:      now,
		seen:     make(map[string]struct{}),
		pending:  make(map[batchKey][]Instruction),
	}
}

// Add validates an instruction and queues it for the next value date the
// bank can honour given the current time and cutoffs.
func (b *Builder) Add(in Instruction) error {
	if err := b.validate(in); err != nil {
		b.rejected = append(b.rejected, RejectedInstruction{Instruction: in, Err: err})
		return err
	}
	b.seen[in.PaymentID] = struct{}{}
	valueDate, err := b.calendar.NextValueDate(in.Currency, b.now())
	if err != nil {
		b.rejected = append(b.rejected, RejectedInstruction{Instruction: in, Err: err})
		return err
	}
	key := batchKey{currency: in.Currency, valueDate: valueDate.Format("2006-01-02")}
	b.pending[key] = append(b.pending[key], in)
	return nil
}

func (b *Builder) validate(in Instruction) error {
	if _, dup := b.seen[in.PaymentID]; dup {
		return fmt.Errorf("%w: %s", ErrDuplicatePayment, in.PaymentID)
	}
	if in.AmountMinor <= 0 {
		return fmt.Errorf("%w: %s has %d", ErrInvalidAmount, in.PaymentID, in.AmountMinor)
	}
	if b.limits.MaxItemMinor > 0 && in.AmountMinor > b.limits.MaxItemMinor {
		return fmt.Errorf("%w: %s", ErrAmountTooLarge, in.PaymentID)
	}
	if strings.TrimSpace(in.IBAN) == "" || strings.TrimSpace(in.BeneficiaryName) == "" {
		return fmt.Errorf("settlement: %s is missing beneficiary details", in.PaymentID)
	}
	return nil
}

// Rejected returns instructions that failed validation since the last Build.
func (b *Builder) Rejected() []RejectedInstruction {
	return append([]RejectedInstruction(nil), b.rejected...)
}

// Build cuts all pending instructions into batches that respect the limits
// and resets the builder. Instructions are ordered by approval time so that
// the oldest payouts go first when a batch has to be split.
func (b *Builder) Build() []Batch {
	keys := make([]batchKey, 0, len(b.pending))
	for k := range b.pending {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].valueDate != keys[j].valueDate {
			return keys[i].valueDate < keys[j].valueDate
		}
		return keys[i].currency < keys[j].currency
	})

	var batches []Batch
	for _, key := range keys {
		items := b.pending[key]
		sort.SliceStable(items, func(i, j int) bool {
			return items[i].ApprovedAt.Before(items[j].ApprovedAt)
		})
		valueDate, _ := time.Parse("2006-01-02", key.valueDate)

		current := b.newBatch(key.currency, valueDate)
		for _, in := range items {
			full := b.limits.MaxItems > 0 && len(current.Items) >= b.limits.MaxItems
			over := b.limits.MaxTotalMinor > 0 && current.TotalMinor+in.AmountMinor > b.limits.MaxTotalMinor
			if len(current.Items) > 0 && (full || over) {
				batches = append(batches, current)
				current = b.newBatch(key.currency, valueDate)
			}
			current.Items = append(current.Items, in)
			current.TotalMinor += in.AmountMinor
		}
		if len(current.Items) > 0 {
			batches = append(batches, current)
		}
	}

	b.pending = make(map[batchKey][]Instruction)
	b.rejected = nil
	return batches
}

func (b *Builder) newBatch(currency string, valueDate time.Time) Batch {
	b.seq++
	created := b.now().UTC()
	return Batch{
		ID:        fmt.Sprintf("STL-%s-%04d", created.Format("20060102"), b.seq),
		Currency:  currency,
		ValueDate: valueDate,
		CreatedAt: created,
	}
}
