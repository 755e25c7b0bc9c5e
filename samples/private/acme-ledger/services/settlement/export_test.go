package settlement

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestExporterWritesFixedWidthRecords(t *testing.T) {
	batch := Batch{
		ID:        "STL-20240311-0001",
		Currency:  "EUR",
		ValueDate: time.Date(2024, 3, 12, 0, 0, 0, 0, time.UTC),
		Items: []Instruction{
			{PaymentID: "po_1", Currency: "EUR", AmountMinor: 125000, BeneficiaryName: "Müller & Söhne GmbH", IBAN: "DE89 3704 0044 0532 0130 00", BIC: "COBADEFFXXX", Reference: "Payout March"},
			{PaymentID: "po_2", Currency: "EUR", AmountMinor: 990, BeneficiaryName: "Café Øresund", IBAN: "DK5000400440116243", BIC: "NDEADKKKXXX", Reference: "Payout March"},
		},
	}
	e := &Exporter{SenderID: "ACMEPAY01"}
	var buf bytes.Buffer
	if err := e.Write(&buf, batch, time.Date(2024, 3, 11, 9, 30, 0, 0, time.UTC)); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\r\n"), "\r\n")
	if len(lines) != 4 {
		t.Fatalf("want 4 records, got %d", len(lines))
	}
	for i, l := range lines {
		if len(l) != RecordLength {
			t.Errorf("record %d has length %d", i, len(l))
		}
	}
	if got := lines[1][68:103]; !strings.HasPrefix(got, "MUELLER + SOEHNE GMBH") {
		t.Errorf("name not transliterated: %q", got)
	}
	if got := lines[3][8:26]; got != "000000000000125990" {
		t.Errorf("trailer total = %q", got)
	}
}

func TestNextValueDateSkipsWeekend(t *testing.T) {
	cal := NewCalendar(Cutoff{Currency: "GBP", Location: time.UTC, Hour: 15, Minute: 30})
	friday := time.Date(2024, 3, 8, 16, 0, 0, 0, time.UTC)
	got, err := cal.NextValueDate("GBP", friday)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2024-03-11"; got.Format("2006-01-02") != want {
		t.Errorf("got %s, want %s", got.Format("2006-01-02"), want)
	}
}
