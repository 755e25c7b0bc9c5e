package settlement

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
)

// Fixed-width "BCT-3" bulk credit transfer format required by our sponsor
// bank. Every record is exactly RecordLength characters followed by CRLF.
// Layout (1-based columns) from the bank's integration guide, rev. 3.2:
//
//	Header  01 | sender id 3-12 | created date 13-20 | time 21-24 | file seq 25-30 |
//	           batch id 31-50 | currency 51-53 | value date 54-61 | filler
//	Detail  02 | seq 3-8 | amount 9-23 | IBAN 24-57 | BIC 58-68 | name 69-103 |
//	           reference 104-138 | payment id 139-158 | filler
//	Trailer 09 | record count 3-8 | total amount 9-26 | hash total 27-41 | filler
const RecordLength = 200

const (
	recordHeader  = "01"
	recordDetail  = "02"
	recordTrailer = "09"
)

// The bank only accepts the SWIFT "x" character set.
const allowedPunctuation = "/-?:().,'+ "

var transliterations = map[rune]string{
	'Ä': "AE", 'Ö': "OE", 'Ü': "UE", 'ß': "SS", 'Æ': "AE", 'Ø': "OE", 'Å': "AA",
	'É': "E", 'È': "E", 'Ê': "E", 'Ë': "E", 'Á': "A", 'À': "A", 'Â': "A", 'Ã': "A",
	'Í': "I", 'Ì': "I", 'Î': "I", 'Ï': "I", 'Ó': "O", 'Ò': "O", 'Ô': "O", 'Õ': "O",
	'Ú': "U", 'Ù': "U", 'Û': "U", 'Ç': "C", 'Ñ': "N", 'Ł': "L", 'Š': "S", 'Ž': "Z",
	'&': "+", '_': "-", '@': "(AT)", '"': "'",
}

// Exporter writes batches in the BCT-3 format.
type Exporter struct {
	SenderID string
	// FileSequence is incremented for every file written; the bank rejects
	// a file whose sequence it has already seen on the same day.
	FileSequence int
}

// sanitize maps text onto the bank character set, upper-cased, and cuts or
// pads it to width.
func sanitize(s string, width int) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			b.WriteRune(r)
		case strings.ContainsRune(allowedPunctuation, r):
			b.WriteRune(r)
		default:
			if t, ok := transliterations[r]; ok {
				b.WriteString(t)
			} else if unicode.IsSpace(r) {
				b.WriteByte(' ')
			} else {
				b.WriteByte('.')
			}
		}
	}
	return padRight(b.String(), width)
}

func padRight(s string, width int) string {
	if len(s) >= width {
		return s[:width]
	}
	return s + strings.Repeat(" ", width-len(s))
}

func zeroPad(n int64, width int) (string, error) {
	if n < 0 {
		return "", fmt.Errorf("settlement: negative value %d in numeric field", n)
	}
	s := fmt.Sprintf("%0*d", width, n)
	if len(s) > width {
		return "", fmt.Errorf("settlement: value %d does not fit in %d digits", n, width)
	}
	return s, nil
}

// ibanHash is the bank's control value for a detail record: the first ten
// digits found in the IBAN, read as a number.
func ibanHash(iban string) int64 {
	var v int64
	digits := 0
	for _, r := range iban {
		if r >= '0' && r <= '9' {
			v = v*10 + int64(r-'0')
			digits++
			if digits == 10 {
				break
			}
		}
	}
	return v
}

// Write renders one batch as a complete file.
func (e *Exporter) Write(w io.Writer, batch Batch, now time.Time) error {
	if len(batch.Items) == 0 {
		return fmt.Errorf("settlement: batch %s is empty", batch.ID)
	}
	e.FileSequence++
	bw := bufio.NewWriter(w)
	var records []string

	seq, err := zeroPad(int64(e.FileSequence), 6)
	if err != nil {
		return err
	}
	records = append(records, recordHeader+
		sanitize(e.SenderID, 10)+
		now.UTC().Format("20060102")+
		now.UTC().Format("1504")+
		seq+
		sanitize(batch.ID, 20)+
		sanitize(batch.Currency, 3)+
		batch.ValueDate.Format("20060102"))

	var total, hash int64
	for i, in := range batch.Items {
		lineSeq, err := zeroPad(int64(i+1), 6)
		if err != nil {
			return err
		}
		amount, err := zeroPad(in.AmountMinor, 15)
		if err != nil {
			return fmt.Errorf("settlement: payment %s: %w", in.PaymentID, err)
		}
		if in.Currency != batch.Currency {
			return fmt.Errorf("settlement: payment %s is %s in a %s batch", in.PaymentID, in.Currency, batch.Currency)
		}
		records = append(records, recordDetail+
			lineSeq+
			amount+
			sanitize(strings.ReplaceAll(in.IBAN, " ", ""), 34)+
			sanitize(in.BIC, 11)+
			sanitize(in.BeneficiaryName, 35)+
			sanitize(in.Reference, 35)+
			sanitize(in.PaymentID, 20))
		total += in.AmountMinor
		hash = (hash + ibanHash(in.IBAN)) % 1_000_000_000_000_000
	}

	count, err := zeroPad(int64(len(batch.Items)), 6)
	if err != nil {
		return err
	}
	totalField, err := zeroPad(total, 18)
	if err != nil {
		return err
	}
	hashField, _ := zeroPad(hash, 15)
	records = append(records, recordTrailer+count+totalField+hashField)

	for _, r := range records {
		if _, err := bw.WriteString(padRight(r, RecordLength) + "\r\n"); err != nil {
			return fmt.Errorf("settlement: writing batch %s: %w", batch.ID, err)
		}
	}
	return bw.Flush()
}

// FileName is the name the bank's SFTP drop expects for a batch file.
func (e *Exporter) FileName(batch Batch) string {
	return fmt.Sprintf("%s_%s_%s.bct3", strings.ToUpper(e.SenderID), batch.ValueDate.Format("20060102"), batch.ID)
}
