// Package wirefile produces bulk transfer files for the co-op's bank.
package wirefile

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Transfer is a single outgoing payment to a member or supplier.
type Transfer struct {
	Ref     string
	Ccy     string
	Cents   int64
	Payee   string
	Account string
	Bank    string
	Memo    string
}

// Run is one file's worth of transfers sharing a currency and settlement day.
type Run struct {
	Key       string
	Ccy       string
	SettleOn  time.Time
	Transfers []Transfer
}

// LoadRun reads "ref,currency,cents,payee,account,bank,memo" rows exported
// from the treasurer's spreadsheet.
func LoadRun(src io.Reader, key string, settleOn time.Time) (Run, error) {
	r := csv.NewReader(src)
	r.FieldsPerRecord = 7
	rows, err := r.ReadAll()
	if err != nil {
		return Run{}, fmt.Errorf("wirefile: reading csv: %w", err)
	}
	run := Run{Key: key, SettleOn: settleOn}
	for i, row := range rows {
		if i == 0 && strings.EqualFold(row[0], "ref") {
			continue
		}
		cents, err := strconv.ParseInt(strings.TrimSpace(row[2]), 10, 64)
		if err != nil {
			return Run{}, fmt.Errorf("wirefile: row %d: bad amount %q", i+1, row[2])
		}
		t := Transfer{Ref: row[0], Ccy: strings.ToUpper(row[1]), Cents: cents, Payee: row[3], Account: row[4], Bank: row[5], Memo: row[6]}
		if run.Ccy == "" {
			run.Ccy = t.Ccy
		}
		run.Transfers = append(run.Transfers, t)
	}
	return run, nil
}
