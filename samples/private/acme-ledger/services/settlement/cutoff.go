package settlement

import (
	"fmt"
	"time"
)

// Cutoff is the latest local time at which the bank accepts a file for
// same-day value in a currency.
type Cutoff struct {
	Currency string
	Location *time.Location
	Hour     int
	Minute   int
	// LeadDays is the number of business days between submission and value
	// date for files submitted before the cutoff (0 = same day).
	LeadDays int
}

// Calendar knows the cutoffs and bank holidays for each settlement currency.
type Calendar struct {
	cutoffs  map[string]Cutoff
	holidays map[string]map[string]bool // currency -> "2006-01-02" -> closed
}

// NewCalendar builds a calendar from cutoffs. Holidays are added separately
// because Treasury publishes them once a year.
func NewCalendar(cutoffs ...Cutoff) *Calendar {
	c := &Calendar{
		cutoffs:  make(map[string]Cutoff, len(cutoffs)),
		holidays: make(map[string]map[string]bool),
	}
	for _, co := range cutoffs {
		c.cutoffs[co.Currency] = co
	}
	return c
}

// DefaultCalendar returns the cutoffs agreed with our sponsor banks.
func DefaultCalendar() (*Calendar, error) {
	london, err := time.LoadLocation("Europe/London")
	if err != nil {
		return nil, fmt.Errorf("settlement: loading Europe/London: %w", err)
	}
	frankfurt, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return nil, fmt.Errorf("settlement: loading Europe/Berlin: %w", err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		return nil, fmt.Errorf("settlement: loading America/New_York: %w", err)
	}
	return NewCalendar(
		Cutoff{Currency: "GBP", Location: london, Hour: 15, Minute: 30, LeadDays: 0},
		Cutoff{Currency: "EUR", Location: frankfurt, Hour: 14, Minute: 0, LeadDays: 1},
		Cutoff{Currency: "USD", Location: newYork, Hour: 16, Minute: 45, LeadDays: 1},
	), nil
}

// AddHoliday marks a date (in the cutoff's local calendar) as a non-business day.
func (c *Calendar) AddHoliday(currency string, day time.Time) {
	if c.holidays[currency] == nil {
		c.holidays[currency] = make(map[string]bool)
	}
	c.holidays[currency][day.Format("2006-01-02")] = true
}

// IsBusinessDay reports whether the bank settles currency on day.
func (c *Calendar) IsBusinessDay(currency string, day time.Time) bool {
	switch day.Weekday() {
	case time.Saturday, time.Sunday:
		return false
	}
	return !c.holidays[currency][day.Format("2006-01-02")]
}

// NextValueDate returns the value date a file submitted at now would get.
func (c *Calendar) NextValueDate(currency string, now time.Time) (time.Time, error) {
	co, ok := c.cutoffs[currency]
	if !ok {
		return time.Time{}, fmt.Errorf("settlement: no cutoff configured for %s", currency)
	}
	local := now.In(co.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, co.Location)
	cutoff := day.Add(time.Duration(co.Hour)*time.Hour + time.Duration(co.Minute)*time.Minute)

	// A file sent on a weekend or holiday counts as submitted on the next
	// business day; one sent after the cutoff, as submitted the day after.
	if !c.IsBusinessDay(currency, day) {
		day = c.addBusinessDays(currency, day, 0)
	} else if !local.Before(cutoff) {
		day = c.addBusinessDays(currency, day, 1)
	}
	return c.addBusinessDays(currency, day, co.LeadDays), nil
}

func (c *Calendar) addBusinessDays(currency string, day time.Time, n int) time.Time {
	for !c.IsBusinessDay(currency, day) {
		day = day.AddDate(0, 0, 1)
	}
	for added := 0; added < n; {
		day = day.AddDate(0, 0, 1)
		if c.IsBusinessDay(currency, day) {
			added++
		}
	}
	return day
}
