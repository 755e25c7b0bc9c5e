'use strict';

/**
 * Convert between human-friendly durations ("2 days", "1.5h") and milliseconds.
 */

const SECOND = 1000;
const MINUTE = SECOND * 60;
const HOUR = MINUTE * 60;
const DAY = HOUR * 24;
const WEEK = DAY * 7;
const YEAR = DAY * 365.25;

// Every spelling the parser accepts, and what one of it is worth.
const UNIT_VALUES = {
  years: YEAR, year: YEAR, yrs: YEAR, yr: YEAR, y: YEAR,
  weeks: WEEK, week: WEEK, w: WEEK,
  days: DAY, day: DAY, d: DAY,
  hours: HOUR, hour: HOUR, hrs: HOUR, hr: HOUR, h: HOUR,
  minutes: MINUTE, minute: MINUTE, mins: MINUTE, min: MINUTE, m: MINUTE,
  seconds: SECOND, second: SECOND, secs: SECOND, sec: SECOND, s: SECOND,
  milliseconds: 1, millisecond: 1, msecs: 1, msec: 1, ms: 1,
};

// Largest first: the first step not bigger than the value wins.
const STEPS = [
  [DAY, 'd', 'day'],
  [HOUR, 'h', 'hour'],
  [MINUTE, 'm', 'minute'],
  [SECOND, 's', 'second'],
];

const PATTERN = /^(-?(?:\d+)?\.?\d+) *(milliseconds?|msecs?|ms|seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h|days?|d|weeks?|w|years?|yrs?|y)?$/i;

const stepFor = (amount) => STEPS.find(([size]) => Math.abs(amount) >= size);

function toVerbose(amount) {
  const step = stepFor(amount);
  if (!step) return `${amount} ms`;
  const [size, , word] = step;
  const suffix = Math.abs(amount) >= size * 1.5 ? 's' : '';
  return `${Math.round(amount / size)} ${word}${suffix}`;
}

function toCompact(amount) {
  const step = stepFor(amount);
  return step ? `${Math.round(amount / step[0])}${step[1]}` : `${amount}ms`;
}

function toMilliseconds(text) {
  const source = String(text);
  if (source.length > 100) return undefined;
  const found = PATTERN.exec(source);
  if (!found) return undefined;
  const unit = (found[2] || 'ms').toLowerCase();
  const factor = Object.prototype.hasOwnProperty.call(UNIT_VALUES, unit) ? UNIT_VALUES[unit] : undefined;
  return factor === undefined ? undefined : parseFloat(found[1]) * factor;
}

/**
 * Turn a duration string into milliseconds, or milliseconds into a readable string.
 *
 * @param {string|number} input  text to parse, or a number of milliseconds to format
 * @param {{long?: boolean}} [settings]  `long: true` spells units out ("3 hours")
 * @returns {number|string|undefined}
 * @throws {Error} unless `input` is a non-empty string or a finite number
 */
module.exports = function duration(input, settings) {
  const opts = settings || {};
  if (typeof input === 'number' && isFinite(input)) {
    return opts.long ? toVerbose(input) : toCompact(input);
  }
  if (typeof input === 'string' && input.length > 0) {
    return toMilliseconds(input);
  }
  throw new Error(`expected a non-empty string or a finite number, got ${JSON.stringify(input)}`);
};
