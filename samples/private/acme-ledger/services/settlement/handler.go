package settlement

import (
	"bytes"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"strings"
	"sync"
	"time"
)

const maxRequestBody = 8 << 20 // 8 MiB, roughly 20k instructions

type instructionRequest struct {
	PaymentID       string    `json:"payment_id"`
	MerchantID      string    `json:"merchant_id"`
	Currency        string    `json:"currency"`
	AmountMinor     int64     `json:"amount_minor"`
	BeneficiaryName string    `json:"beneficiary_name"`
	IBAN            string    `json:"iban"`
	BIC             string    `json:"bic"`
	Reference       string    `json:"reference"`
	ApprovedAt      time.Time `json:"approved_at"`
}

type batchSummary struct {
	ID         string `json:"id"`
	Currency   string `json:"currency"`
	ValueDate  string `json:"value_date"`
	Items      int    `json:"items"`
	TotalMinor int64  `json:"total_minor"`
	FileName   string `json:"file_name"`
}

type rejection struct {
	PaymentID string `json:"payment_id"`
	Reason    string `json:"reason"`
}

// Handler exposes batch creation and file download to the payouts service.
//
//	POST /v1/settlement/batches            body: {"instructions": [...]}
//	GET  /v1/settlement/batches/{id}/file  the rendered BCT-3 file
type Handler struct {
	Calendar *Calendar
	Limits   Limits
	Exporter *Exporter
	Now      func() time.Time

	mu    sync.Mutex
	files map[string][]byte
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimSuffix(r.URL.Path, "/")
	switch {
	case path == "/v1/settlement/batches" && r.Method == http.MethodPost:
		h.createBatches(w, r)
	case strings.HasPrefix(path, "/v1/settlement/batches/") && strings.HasSuffix(path, "/file") && r.Method == http.MethodGet:
		id := strings.TrimSuffix(strings.TrimPrefix(path, "/v1/settlement/batches/"), "/file")
		h.downloadFile(w, id)
	default:
		writeError(w, http.StatusNotFound, "no such route")
	}
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) createBatches(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Instructions []instructionRequest `json:"instructions"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxRequestBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, "invalid JSON body: "+err.Error())
		return
	}
	if len(req.Instructions) == 0 {
		writeError(w, http.StatusUnprocessableEntity, "no instructions supplied")
		return
	}

	builder := NewBuilder(h.Limits, h.Calendar, h.now)
	for _, in := range req.Instructions {
		// Errors are collected by the builder and reported below.
		_ = builder.Add(Instruction(in))
	}
	rejected := make([]rejection, 0)
	for _, rj := range builder.Rejected() {
		rejected = append(rejected, rejection{PaymentID: rj.Instruction.PaymentID, Reason: rj.Err.Error()})
	}

	h.mu.Lock()
	defer h.mu.Unlock()
	if h.files == nil {
		h.files = make(map[string][]byte)
	}
	summaries := make([]batchSummary, 0)
	for _, batch := range builder.Build() {
		var buf bytes.Buffer
		if err := h.Exporter.Write(&buf, batch, h.now()); err != nil {
			log.Printf("settlement: export of %s failed: %v", batch.ID, err)
			writeError(w, http.StatusInternalServerError, "could not render batch "+batch.ID)
			return
		}
		h.files[batch.ID] = buf.Bytes()
		summaries = append(summaries, batchSummary{
			ID:         batch.ID,
			Currency:   batch.Currency,
			ValueDate:  batch.ValueDate.Format("2006-01-02"),
			Items:      len(batch.Items),
			TotalMinor: batch.TotalMinor,
			FileName:   h.Exporter.FileName(batch),
		})
	}

	writeJSON(w, http.StatusCreated, map[string]interface{}{
		"batches":  summaries,
		"rejected": rejected,
	})
}

func (h *Handler) downloadFile(w http.ResponseWriter, id string) {
	h.mu.Lock()
	data, ok := h.files[id]
	h.mu.Unlock()
	if !ok {
		writeError(w, http.StatusNotFound, "unknown batch "+id)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=us-ascii")
	w.Header().Set("Content-Disposition", `attachment; filename="`+id+`.bct3"`)
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write(data); err != nil && !errors.Is(err, http.ErrHandlerTimeout) {
		log.Printf("settlement: download of %s interrupted: %v", id, err)
	}
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err := json.NewEncoder(w).Encode(v); err != nil {
		log.Printf("settlement: encoding response: %v", err)
	}
}

func writeError(w http.ResponseWriter, status int, message string) {
	writeJSON(w, status, map[string]string{"error": message})
}
