'use strict';

/**
 * Byte sizes to and from text, with the interface of the `bytes` package:
 * `size(1024)` is '1KB', `size('1KB')` is 1024 (units are powers of two).
 */

const POWERS = ['b', 'kb', 'mb', 'gb', 'tb', 'pb'];
const FACTOR = Object.fromEntries(POWERS.map((unit, power) => [unit, 2 ** (10 * power)]));
const SIZE_TEXT = /^\s*([-+]?\d*\.?\d+)\s*([a-z]*)\s*$/i;

function largestUnit(magnitude) {
  for (let power = POWERS.length - 1; power > 0; power--) {
    if (magnitude >= FACTOR[POWERS[power]]) {
      return POWERS[power];
    }
  }
  return 'b';
}

function groupThousands(digits, separator) {
  if (!separator) {
    return digits;
  }
  const [whole, fraction] = digits.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separator);
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

function format(value, options) {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    return null;
  }
  const settings = options || {};
  const requested = typeof settings.unit === 'string' ? settings.unit.toLowerCase() : '';
  const unit = FACTOR[requested] ? requested : largestUnit(Math.abs(value));
  const places = settings.decimalPlaces === undefined ? 2 : settings.decimalPlaces;
  let digits = (value / FACTOR[unit]).toFixed(places);
  if (!settings.fixedDecimals) {
    digits = digits.replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  const label = unit === 'b' ? 'B' : unit.toUpperCase();
  return groupThousands(digits, settings.thousandsSeparator || '')
    + (settings.unitSeparator || '') + label;
}

function parse(value) {
  if (typeof value === 'number' && !Number.isNaN(value)) {
    return value;
  }
  if (typeof value !== 'string') {
    return null;
  }
  const found = SIZE_TEXT.exec(value);
  if (!found) {
    // not "<number><unit>": read the leading integer as bytes, if there is one
    const whole = parseInt(value, 10);
    return Number.isNaN(whole) ? null : whole;
  }
  const unit = found[2].toLowerCase() || 'b';
  if (!(unit in FACTOR)) {
    return null;
  }
  return Math.floor(FACTOR[unit] * parseFloat(found[1]));
}

function size(value, options) {
  if (typeof value === 'string') {
    return parse(value);
  }
  if (typeof value === 'number') {
    return format(value, options);
  }
  return null;
}

module.exports = size;
module.exports.format = format;
module.exports.parse = parse;
