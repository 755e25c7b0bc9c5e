package wirefile

import (
    "bufio"
    "fmt"
    "io"
    "strings"
    "time"
    "unicode"
)

const LineWidth = 200

const (
    kindOpen  = "01"
    kindItem  = "02"
    kindClose = "09"
)

const extraChars = "/-?:().,'+ "

var asciiFold = map[rune]string{
    'Ä': "AE", 'Ö': "OE", 'Ü': "UE", 'ß': "SS",
    'Æ': "AE", 'Ø': "OE", 'Å': "AA",
    'É': "E", 'È': "E", 'Ê': "E", 'Ë': "E",
    'Á': "A", 'À': "A", 'Â': "A", 'Ã': "A",
    'Í': "I", 'Ì': "I", 'Î': "I", 'Ï': "I",
    'Ó': "O", 'Ò': "O", 'Ô': "O", 'Õ': "O",
    'Ú': "U", 'Ù': "U", 'Û': "U",
    'Ç': "C", 'Ñ': "N", 'Ł': "L", 'Š': "S", 'Ž': "Z",
    '&': "+", '_': "-", '@': "(AT)", '"': "'"}

type Renderer struct {
    Originator string
    Counter    int
}

func clean(text string, size int) string {
    var sb strings.Builder
    for _, ch := range strings.ToUpper(text) {
        switch {
        case ch < unicode.MaxASCII && (unicode.IsLetter(ch) || unicode.IsDigit(ch)): sb.WriteRune(ch)
        case strings.ContainsRune(extraChars, ch): sb.WriteRune(ch)
        default:
            if repl, found := asciiFold[ch]; found {
                sb.WriteString(repl)
            } else if unicode.IsSpace(ch) {
                sb.WriteByte(' ')
            } else {
                sb.WriteByte('.')
            }
        }
    }
    return fill(sb.String(), size)
}

func fill(text string, size int) string {
    if len(text) >= size { return text[:size] }
    return text + strings.Repeat(" ", size-len(text))
}

func numField(num int64, size int) (string, error) {
    if num < 0 {
        return "", fmt.Errorf("settlement: negative value %d in numeric field", num)
    }
    text := fmt.Sprintf("%0*d", size, num)
    if len(text) > size {
        return "", fmt.Errorf("settlement: value %d does not fit in %d digits", num, size)
    }
    return text, nil
}

func accountSum(acct string) int64 {
    var acc int64
    seen := 0
    for _, ch := range acct {
        if ch >= '0' && ch <= '9' {
            acc = acc*10 + int64(ch-'0')
            seen++
            if seen == 10 {
                break
            }
        }
    }
    return acc
}

func (rd *Renderer) Emit(out io.Writer, run Run, at time.Time) error {
    if len(run.Transfers) == 0 {
        return fmt.Errorf("settlement: batch %s is empty", run.Key)
    }
    rd.Counter++
    buf := bufio.NewWriter(out)
    var rows []string

    fileNo, fail := numField(int64(rd.Counter), 6)
    if fail != nil { return fail }
    rows = append(rows,
        kindOpen + clean(rd.Originator, 10) + at.UTC().Format("20060102") + at.UTC().Format("1504") +
            fileNo + clean(run.Key, 20) + clean(run.Ccy, 3) + run.SettleOn.Format("20060102"))

    var sum, check int64
    for idx, tr := range run.Transfers {
        rowNo, fail := numField(int64(idx+1), 6)
        if fail != nil { return fail }
        amt, fail := numField(tr.Cents, 15)
        if fail != nil { return fmt.Errorf("settlement: payment %s: %w", tr.Ref, fail) }
        if tr.Ccy != run.Ccy {
            return fmt.Errorf(
                "settlement: payment %s is %s in a %s batch",
                tr.Ref, tr.Ccy, run.Ccy,
            )
        }
        rows = append(rows,
            kindItem + rowNo + amt + clean(strings.ReplaceAll(tr.Account, " ", ""), 34) +
                clean(tr.Bank, 11) + clean(tr.Payee, 35) + clean(tr.Memo, 35) + clean(tr.Ref, 20))
        sum += tr.Cents
        check = (check + accountSum(tr.Account)) % 1_000_000_000_000_000
    }

    nRows, fail := numField(int64(len(run.Transfers)), 6)
    if fail != nil { return fail }
    sumCol, fail := numField(sum, 18)
    if fail != nil { return fail }
    checkCol, _ := numField(check, 15)
    rows = append(rows, kindClose+nRows+sumCol+checkCol)

    for _, ch := range rows {
        if _, fail := buf.WriteString(fill(ch, LineWidth) + "\r\n"); fail != nil {
            return fmt.Errorf("settlement: writing batch %s: %w", run.Key, fail)
        }
    }
    return buf.Flush()
}

func (rd *Renderer) ObjectName(run Run) string {
    return fmt.Sprintf("%s_%s_%s.bct3",
        strings.ToUpper(rd.Originator),
        run.SettleOn.Format("20060102"),
        run.Key)
}
