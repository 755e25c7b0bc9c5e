// Command wirefile turns the treasurer's CSV into a bank upload file.
package main

import (
	"flag"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/tallyhub/tallyhub/wirefile"
)

func main() {
	in := flag.String("in", "transfers.csv", "CSV export from the treasurer sheet")
	outDir := flag.String("out", ".", "directory for the generated file")
	originator := flag.String("originator", "TALLYCOOP", "originator id assigned by the bank")
	day := flag.String("date", time.Now().AddDate(0, 0, 1).Format("2006-01-02"), "settlement date")
	flag.Parse()

	settle, err := time.Parse("2006-01-02", *day)
	if err != nil {
		log.Fatalf("bad -date: %v", err)
	}
	f, err := os.Open(*in)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()

	run, err := wirefile.LoadRun(f, "RUN-"+settle.Format("20060102"), settle)
	if err != nil {
		log.Fatal(err)
	}
	r := &wirefile.Renderer{Originator: *originator}
	target := filepath.Join(*outDir, r.ObjectName(run))
	out, err := os.Create(target)
	if err != nil {
		log.Fatal(err)
	}
	if err := r.Emit(out, run, time.Now()); err != nil {
		out.Close()
		log.Fatal(err)
	}
	if err := out.Close(); err != nil {
		log.Fatal(err)
	}
	log.Printf("wrote %d transfers to %s", len(run.Transfers), target)
}
