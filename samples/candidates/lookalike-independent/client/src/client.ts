import { Money, sum, toMinor } from "./money.js";

export type AccountKind = "asset" | "liability" | "equity" | "income" | "expense";

export interface Account {
  code: string;
  name: string;
  kind: AccountKind;
  currency: string;
  parent: string | null;
  archived: boolean;
}

export interface Posting {
  account: string;
  side: "dr" | "cr";
  amount: Money;
}

export interface JournalEntryInput {
  date: string; // YYYY-MM-DD
  memo: string;
  reference?: string;
  postings: Posting[];
}

export interface JournalEntry extends JournalEntryInput {
  number: number;
}

export interface Invoice {
  number: string;
  customer: string;
  issued: string;
  due: string;
  total: Money;
  outstanding: Money;
}

export interface PaymentMatch {
  invoice: string;
  date: string;
  amount: Money;
  confidence: number;
  reason: string;
}

export interface ClientOptions {
  baseUrl: string;
  token?: string;
  maxRetries?: number;
  fetch?: typeof fetch;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(`${status}: ${message}`);
    this.name = "ApiError";
  }
}

const RETRYABLE = new Set([429, 502, 503, 504]);

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Throws before the request is sent if the entry would be rejected anyway. */
export function assertBalanced(entry: JournalEntryInput): void {
  if (entry.postings.length < 2) throw new RangeError("an entry needs at least two postings");
  const currency = entry.postings[0].amount.currency;
  const debits = sum(entry.postings.filter((p) => p.side === "dr").map((p) => p.amount), currency);
  const credits = sum(entry.postings.filter((p) => p.side === "cr").map((p) => p.amount), currency);
  if (toMinor(debits) !== toMinor(credits)) {
    throw new RangeError(`entry does not balance: debits ${debits.amount}, credits ${credits.amount}`);
  }
}

export class OpenBooksClient {
  private readonly baseUrl: string;
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, "");
    this.fetchImpl = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  private async request<T>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.options.token) headers.Authorization = `Bearer ${this.options.token}`;
    if (body !== undefined) headers["Content-Type"] = contentType;
    const payload = body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body);
    const maxRetries = this.options.maxRetries ?? 3;

    for (let attempt = 0; ; attempt++) {
      const response = await this.fetchImpl(this.baseUrl + path, { method, headers, body: payload });
      if (RETRYABLE.has(response.status) && attempt < maxRetries) {
        const retryAfter = Number(response.headers.get("Retry-After"));
        await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 250 * 2 ** attempt);
        continue;
      }
      const text = await response.text();
      const data = text ? JSON.parse(text) : undefined;
      if (!response.ok) {
        throw new ApiError(response.status, data?.error ?? response.statusText, data?.details);
      }
      return data as T;
    }
  }

  listAccounts(): Promise<Account[]> {
    return this.request("GET", "/accounts");
  }

  balance(code: string, asOf?: string): Promise<Money> {
    const query = asOf ? `?as_of=${encodeURIComponent(asOf)}` : "";
    return this.request("GET", `/accounts/${encodeURIComponent(code)}/balance${query}`);
  }

  postEntry(entry: JournalEntryInput): Promise<JournalEntry> {
    assertBalanced(entry);
    return this.request("POST", "/journal", entry);
  }

  reverseEntry(number: number, date: string): Promise<JournalEntry> {
    return this.request("POST", `/journal/${number}/reverse`, { date });
  }

  /** Iterates over all invoices, following the server's cursor pagination. */
  async *invoices(status: "open" | "overdue" | "paid" | "all" = "open"): AsyncGenerator<Invoice> {
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ status });
      if (cursor) params.set("cursor", cursor);
      const page: { items: Invoice[]; next: string | null } = await this.request("GET", `/invoices?${params}`);
      yield* page.items;
      cursor = page.next;
    } while (cursor);
  }

  importStatement(csv: string, currency: string): Promise<PaymentMatch[]> {
    return this.request("POST", `/statements?currency=${encodeURIComponent(currency)}`, csv, "text/csv");
  }
}
