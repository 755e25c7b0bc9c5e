module github.com/acmepay/acme-ledger

go 1.19
