/**
 * Typed client for the internal Ledger API (ledger-api.internal.acmepay.example).
 *
 * Used by the finance back-office UI. Every mutating call carries an
 * Idempotency-Key so that the automatic retries below can never double-post
 * a journal entry.
 */

export type CurrencyCode = "USD" | "EUR" | "GBP" | "CAD" | "AUD" | "CHF" | "JPY" | "SEK" | "NOK" | "DKK";

/** Amounts travel as strings of minor units to avoid float precision loss. */
export interface Money {
  currency: CurrencyCode;
  minorUnits: string;
}

export type InvoiceStatus = "draft" | "open" | "paid" | "void" | "uncollectible";

export interface InvoiceLine {
  lineId: string;
  description: string;
  amount: Money;
  category: string;
  periodStart?: string;
  periodEnd?: string;
}

export interface Invoice {
  number: string;
  customerId: string;
  customerName: string;
  status: InvoiceStatus;
  issuedOn: string;
  dueOn: string;
  subtotal: Money;
  taxTotal: Money;
  total: Money;
  amountPaid: Money;
  region: string;
  lines: InvoiceLine[];
}

export type Side = "debit" | "credit";

export interface EntryLineInput {
  accountCode: string;
  side: Side;
  amount: Money;
  memo?: string;
}

export interface JournalEntry {
  entryId: string;
  effectiveDate: string;
  description: string;
  lines: EntryLineInput[];
  reverses?: string | null;
  postedAt: string;
  postedBy: string;
}

export interface TrialBalanceRow {
  accountCode: string;
  accountName: string;
  debit: Money;
  credit: Money;
}

export interface ReconciliationRun {
  runId: string;
  statementId: string;
  state: "queued" | "running" | "completed" | "failed";
  matched: number;
  unmatchedLines: number;
  unmatchedItems: number;
  startedAt: string;
  finishedAt?: string;
}

export interface Page<T> {
  data: T[];
  hasMore: boolean;
  nextCursor?: string | null;
}

export interface InvoiceFilter {
  status?: InvoiceStatus[];
  customerId?: string;
  issuedFrom?: string;
  issuedTo?: string;
}

export class LedgerApiError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly retryable: boolean;

  constructor(message: string, status: number, code?: string, requestId?: string) {
    super(message);
    this.name = "LedgerApiError";
    this.status = status;
    this.code = code;
    this.requestId = requestId;
    this.retryable = status === 429 || status === 502 || status === 503 || status === 504;
  }
}

export interface LedgerClientOptions {
  baseUrl: string;
  /** Returns a fresh bearer token; called before every request. */
  getToken: () => Promise<string>;
  maxRetries?: number;
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

interface RequestOptions {
  method?: "GET" | "POST" | "PATCH" | "DELETE";
  query?: Record<string, string | number | string[] | undefined>;
  body?: unknown;
  idempotencyKey?: string;
  signal?: AbortSignal;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function newIdempotencyKey(): string {
  if (typeof crypto !== "undefined" && "randomUUID" in crypto) {
    return crypto.randomUUID();
  }
  // Older Safari in the warehouse kiosks: fall back to a timestamped random key.
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}`;
}

function buildQuery(query: RequestOptions["query"]): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      value.forEach((v) => params.append(key, v));
    } else {
      params.set(key, String(value));
    }
  }
  const encoded = params.toString();
  return encoded ? `?${encoded}` : "";
}

export class LedgerClient {
  private readonly baseUrl: string;
  private readonly getToken: () => Promise<string>;
  private readonly maxRetries: number;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;

  constructor(options: LedgerClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.getToken = options.getToken;
    this.maxRetries = options.maxRetries ?? 3;
    this.timeoutMs = options.timeoutMs ?? 15_000;
    this.fetchImpl = options.fetchImpl ?? fetch.bind(globalThis);
  }

  private async request<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const method = options.method ?? "GET";
    const url = `${this.baseUrl}${path}${buildQuery(options.query)}`;
    const idempotencyKey = method === "GET" ? undefined : options.idempotencyKey ?? newIdempotencyKey();

    let attempt = 0;
    for (;;) {
      attempt += 1;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.timeoutMs);
      options.signal?.addEventListener("abort", () => controller.abort(), { once: true });

      try {
        const headers: Record<string, string> = {
          Accept: "application/json",
          Authorization: `Bearer ${await this.getToken()}`,
        };
        if (options.body !== undefined) headers["Content-Type"] = "application/json";
        if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;

        const response = await this.fetchImpl(url, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: controller.signal,
        });

        if (response.ok) {
          return response.status === 204 ? (undefined as T) : ((await response.json()) as T);
        }

        const error = await this.toError(response);
        if (!error.retryable || attempt > this.maxRetries) throw error;
        const retryAfter = Number(response.headers.get("Retry-After"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt);
      } catch (err) {
        if (err instanceof LedgerApiError) throw err;
        if (options.signal?.aborted) throw err;
        // Network failure or our own timeout: retry, the idempotency key makes it safe.
        if (attempt > this.maxRetries) {
          throw new LedgerApiError(`Network error calling ${method} ${path}: ${String(err)}`, 0, "network_error");
        }
        await sleep(250 * 2 ** attempt);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  private async toError(response: Response): Promise<LedgerApiError> {
    let message = `Ledger API returned HTTP ${response.status}`;
    let code: string | undefined;
    try {
      const body = await response.json();
      message = body?.error?.message ?? message;
      code = body?.error?.code;
    } catch {
      // Gateways answer 502/504 with HTML; keep the generic message.
    }
    return new LedgerApiError(message, response.status, code, response.headers.get("X-Request-Id") ?? undefined);
  }

  // -- invoices -----------------------------------------------------------

  listInvoices(filter: InvoiceFilter = {}, cursor?: string, limit = 50): Promise<Page<Invoice>> {
    return this.request<Page<Invoice>>("/v1/invoices", {
      query: {
        status: filter.status,
        customer_id: filter.customerId,
        issued_from: filter.issuedFrom,
        issued_to: filter.issuedTo,
        cursor,
        limit,
      },
    });
  }

  async *iterateInvoices(filter: InvoiceFilter = {}, signal?: AbortSignal): AsyncGenerator<Invoice> {
    let cursor: string | undefined;
    do {
      if (signal?.aborted) return;
      const page = await this.listInvoices(filter, cursor);
      yield* page.data;
      cursor = page.hasMore && page.nextCursor ? page.nextCursor : undefined;
    } while (cursor);
  }

  getInvoice(number: string): Promise<Invoice> {
    return this.request<Invoice>(`/v1/invoices/${encodeURIComponent(number)}`);
  }

  voidInvoice(number: string, reason: string): Promise<Invoice> {
    return this.request<Invoice>(`/v1/invoices/${encodeURIComponent(number)}/void`, {
      method: "POST",
      body: { reason },
    });
  }

  // -- journal ------------------------------------------------------------

  postJournalEntry(
    entry: { effectiveDate: string; description: string; lines: EntryLineInput[] },
    idempotencyKey?: string,
  ): Promise<JournalEntry> {
    assertBalanced(entry.lines);
    return this.request<JournalEntry>("/v1/journal-entries", { method: "POST", body: entry, idempotencyKey });
  }

  reverseJournalEntry(entryId: string, effectiveDate: string, reason: string): Promise<JournalEntry> {
    return this.request<JournalEntry>(`/v1/journal-entries/${encodeURIComponent(entryId)}/reverse`, {
      method: "POST",
      body: { effectiveDate, reason },
    });
  }

  getTrialBalance(asOf: string, currency: CurrencyCode): Promise<TrialBalanceRow[]> {
    return this.request<TrialBalanceRow[]>("/v1/reports/trial-balance", { query: { as_of: asOf, currency } });
  }

  // -- reconciliation -----------------------------------------------------

  startReconciliation(statementId: string): Promise<ReconciliationRun> {
    return this.request<ReconciliationRun>("/v1/reconciliation-runs", {
      method: "POST",
      body: { statementId },
      idempotencyKey: `recon-${statementId}`,
    });
  }

  async waitForReconciliation(runId: string, pollMs = 2_000, maxPolls = 150): Promise<ReconciliationRun> {
    for (let i = 0; i < maxPolls; i += 1) {
      const run = await this.request<ReconciliationRun>(`/v1/reconciliation-runs/${encodeURIComponent(runId)}`);
      if (run.state === "completed" || run.state === "failed") return run;
      await sleep(pollMs);
    }
    throw new LedgerApiError(`Reconciliation run ${runId} did not finish in time`, 0, "poll_timeout");
  }
}

/** Client-side guard mirroring the server's double-entry check, for faster feedback in forms. */
export function assertBalanced(lines: EntryLineInput[]): void {
  const totals = new Map<string, bigint>();
  for (const line of lines) {
    const minor = BigInt(line.amount.minorUnits);
    if (minor <= 0n) throw new Error(`Line for ${line.accountCode} must have a positive amount`);
    const signed = line.side === "debit" ? minor : -minor;
    totals.set(line.amount.currency, (totals.get(line.amount.currency) ?? 0n) + signed);
  }
  for (const [currency, net] of totals) {
    if (net !== 0n) throw new Error(`Entry is unbalanced in ${currency} by ${net} minor units`);
  }
}
