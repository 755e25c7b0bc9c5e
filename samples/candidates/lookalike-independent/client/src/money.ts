/**
 * Money as it travels over the wire: a decimal string plus an ISO currency.
 * All arithmetic happens on bigint minor units so that 0.1 + 0.2 is 0.30.
 */
export interface Money {
  amount: string;
  currency: string;
}

const EXPONENTS: Record<string, number> = {
  JPY: 0, KRW: 0, ISK: 0, CLP: 0, VND: 0,
  BHD: 3, KWD: 3, OMR: 3, TND: 3, JOD: 3,
};

export function minorUnits(currency: string): number {
  return EXPONENTS[currency] ?? 2;
}

const DECIMAL_RE = /^(-)?(\d+)(?:\.(\d+))?$/;

/** "12.5" EUR -> 1250n. Throws if the string has more precision than the currency. */
export function toMinor(money: Money): bigint {
  const match = DECIMAL_RE.exec(money.amount.trim());
  if (!match) throw new RangeError(`not a decimal amount: ${JSON.stringify(money.amount)}`);
  const [, sign, whole, fraction = ""] = match;
  const places = minorUnits(money.currency);
  if (fraction.replace(/0+$/, "").length > places) {
    throw new RangeError(`${money.amount} has more than ${places} decimals for ${money.currency}`);
  }
  const units = BigInt(whole + fraction.padEnd(places, "0").slice(0, places));
  return sign ? -units : units;
}

export function fromMinor(units: bigint, currency: string): Money {
  const places = minorUnits(currency);
  const negative = units < 0n;
  const digits = (negative ? -units : units).toString().padStart(places + 1, "0");
  const amount = places === 0 ? digits : `${digits.slice(0, -places)}.${digits.slice(-places)}`;
  return { amount: negative ? `-${amount}` : amount, currency };
}

export function sum(values: readonly Money[], currency: string): Money {
  let units = 0n;
  for (const value of values) {
    if (value.currency !== currency) {
      throw new TypeError(`cannot add ${value.currency} to ${currency}`);
    }
    units += toMinor(value);
  }
  return fromMinor(units, currency);
}

export function format(money: Money, locale?: string): string {
  // Intl takes a number; going via the string keeps large values exact enough
  // for display, and we never compute with the result.
  return new Intl.NumberFormat(locale, {
    style: "currency",
    currency: money.currency,
    minimumFractionDigits: minorUnits(money.currency),
  }).format(Number(money.amount));
}
