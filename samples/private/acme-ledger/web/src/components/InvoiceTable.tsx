import React, { useCallback, useEffect, useMemo, useState } from "react";

import type { Invoice, InvoiceStatus, LedgerClient, Money } from "../api/ledgerClient";

type SortKey = "number" | "customerName" | "issuedOn" | "dueOn" | "total" | "status";
type SortDirection = "asc" | "desc";

interface InvoiceTableProps {
  client: LedgerClient;
  customerId?: string;
  pageSize?: number;
  onSelect?: (invoice: Invoice) => void;
}

const STATUS_LABELS: Record<InvoiceStatus, string> = {
  draft: "Draft",
  open: "Open",
  paid: "Paid",
  void: "Void",
  uncollectible: "Uncollectible",
};

const MINOR_DIGITS: Record<string, number> = { JPY: 0 };

const formatterCache = new Map<string, Intl.NumberFormat>();

export function formatMoney(money: Money, locale = navigator.language): string {
  const digits = MINOR_DIGITS[money.currency] ?? 2;
  const cacheKey = `${locale}:${money.currency}`;
  let formatter = formatterCache.get(cacheKey);
  if (!formatter) {
    formatter = new Intl.NumberFormat(locale, { style: "currency", currency: money.currency });
    formatterCache.set(cacheKey, formatter);
  }
  // Divide as a string to keep precision for amounts beyond 2^53 minor units.
  const raw = BigInt(money.minorUnits);
  const negative = raw < 0n;
  const abs = (negative ? -raw : raw).toString().padStart(digits + 1, "0");
  const major = digits === 0 ? abs : `${abs.slice(0, -digits)}.${abs.slice(-digits)}`;
  return formatter.format(Number(negative ? `-${major}` : major));
}

function isOverdue(invoice: Invoice, today: string): boolean {
  return invoice.status === "open" && invoice.dueOn < today;
}

function compareInvoices(a: Invoice, b: Invoice, key: SortKey): number {
  switch (key) {
    case "total": {
      if (a.total.currency !== b.total.currency) {
        return a.total.currency.localeCompare(b.total.currency);
      }
      const diff = BigInt(a.total.minorUnits) - BigInt(b.total.minorUnits);
      return diff === 0n ? 0 : diff < 0n ? -1 : 1;
    }
    case "customerName":
      return a.customerName.localeCompare(b.customerName, undefined, { sensitivity: "base" });
    default:
      return String(a[key]).localeCompare(String(b[key]));
  }
}

export function InvoiceTable({ client, customerId, pageSize = 25, onSelect }: InvoiceTableProps) {
  const [invoices, setInvoices] = useState<Invoice[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState("");
  const [statuses, setStatuses] = useState<Set<InvoiceStatus>>(new Set(["open", "paid"]));
  const [sortKey, setSortKey] = useState<SortKey>("issuedOn");
  const [sortDirection, setSortDirection] = useState<SortDirection>("desc");
  const [page, setPage] = useState(0);

  useEffect(() => {
    const controller = new AbortController();
    setLoading(true);
    setError(null);

    (async () => {
      const collected: Invoice[] = [];
      try {
        for await (const invoice of client.iterateInvoices({ customerId }, controller.signal)) {
          collected.push(invoice);
        }
        if (!controller.signal.aborted) setInvoices(collected);
      } catch (err) {
        if (!controller.signal.aborted) {
          setError(err instanceof Error ? err.message : "Could not load invoices");
        }
      } finally {
        if (!controller.signal.aborted) setLoading(false);
      }
    })();

    return () => controller.abort();
  }, [client, customerId]);

  const today = useMemo(() => new Date().toISOString().slice(0, 10), []);

  const visible = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const filtered = invoices.filter((inv) => {
      if (statuses.size > 0 && !statuses.has(inv.status)) return false;
      if (!needle) return true;
      return (
        inv.number.toLowerCase().includes(needle) ||
        inv.customerName.toLowerCase().includes(needle) ||
        inv.customerId.toLowerCase() === needle
      );
    });
    const direction = sortDirection === "asc" ? 1 : -1;
    return filtered.sort((a, b) => direction * compareInvoices(a, b, sortKey) || a.number.localeCompare(b.number));
  }, [invoices, search, statuses, sortKey, sortDirection]);

  const pageCount = Math.max(1, Math.ceil(visible.length / pageSize));
  const currentPage = Math.min(page, pageCount - 1);
  const rows = visible.slice(currentPage * pageSize, (currentPage + 1) * pageSize);

  const toggleSort = useCallback(
    (key: SortKey) => {
      if (key === sortKey) {
        setSortDirection((d) => (d === "asc" ? "desc" : "asc"));
      } else {
        setSortKey(key);
        setSortDirection(key === "customerName" || key === "number" ? "asc" : "desc");
      }
    },
    [sortKey],
  );

  const toggleStatus = (status: InvoiceStatus) => {
    setStatuses((prev) => {
      const next = new Set(prev);
      if (next.has(status)) next.delete(status);
      else next.add(status);
      return next;
    });
    setPage(0);
  };

  const header = (key: SortKey, label: string, align: "left" | "right" = "left") => (
    <th
      scope="col"
      style={{ textAlign: align, cursor: "pointer" }}
      aria-sort={sortKey === key ? (sortDirection === "asc" ? "ascending" : "descending") : "none"}
      onClick={() => toggleSort(key)}
    >
      {label}
      {sortKey === key ? (sortDirection === "asc" ? " \u25B2" : " \u25BC") : null}
    </th>
  );

  if (error) {
    return <div role="alert" className="invoice-table__error">Failed to load invoices: {error}</div>;
  }

  return (
    <section className="invoice-table">
      <div className="invoice-table__toolbar">
        <input
          type="search"
          placeholder="Search by number or customer"
          value={search}
          onChange={(e) => {
            setSearch(e.target.value);
            setPage(0);
          }}
        />
        {(Object.keys(STATUS_LABELS) as InvoiceStatus[]).map((status) => (
          <label key={status} className="invoice-table__status-filter">
            <input type="checkbox" checked={statuses.has(status)} onChange={() => toggleStatus(status)} />
            {STATUS_LABELS[status]}
          </label>
        ))}
      </div>

      <table>
        <thead>
          <tr>
            {header("number", "Invoice")}
            {header("customerName", "Customer")}
            {header("issuedOn", "Issued")}
            {header("dueOn", "Due")}
            {header("status", "Status")}
            {header("total", "Total", "right")}
          </tr>
        </thead>
        <tbody>
          {loading ? (
            <tr>
              <td colSpan={6}>Loading invoices&hellip;</td>
            </tr>
          ) : rows.length === 0 ? (
            <tr>
              <td colSpan={6}>No invoices match the current filters.</td>
            </tr>
          ) : (
            rows.map((inv) => (
              <tr
                key={inv.number}
                className={isOverdue(inv, today) ? "invoice-table__row--overdue" : undefined}
                onClick={() => onSelect?.(inv)}
              >
                <td>{inv.number}</td>
                <td title={inv.customerId}>{inv.customerName}</td>
                <td>{inv.issuedOn}</td>
                <td>{inv.dueOn}</td>
                <td>{isOverdue(inv, today) ? "Overdue" : STATUS_LABELS[inv.status]}</td>
                <td style={{ textAlign: "right" }}>{formatMoney(inv.total)}</td>
              </tr>
            ))
          )}
        </tbody>
      </table>

      <nav className="invoice-table__pager" aria-label="Invoice pages">
        <button disabled={currentPage === 0} onClick={() => setPage(currentPage - 1)}>
          Previous
        </button>
        <span>
          Page {currentPage + 1} of {pageCount} ({visible.length} invoices)
        </span>
        <button disabled={currentPage >= pageCount - 1} onClick={() => setPage(currentPage + 1)}>
          Next
        </button>
      </nav>
    </section>
  );
}

export default InvoiceTable;
