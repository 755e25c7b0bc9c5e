// The independent implementation of bytes 3.1.2 does what the package's Readme says (its
// examples and option descriptions) (node check.js).
'use strict';
const assert = require('assert');
const bytes = require('./candidate/size.js');

const cases = [
  // Readme examples
  [bytes(1024), '1KB'], [bytes('1KB'), 1024],
  [bytes.format(1024), '1KB'], [bytes.format(1000), '1000B'],
  [bytes.format(1000, { thousandsSeparator: ' ' }), '1 000B'],
  [bytes.format(1024 * 1.7, { decimalPlaces: 0 }), '2KB'],
  [bytes.format(1024, { unitSeparator: ' ' }), '1 KB'],
  [bytes.parse('1KB'), 1024], [bytes.parse('1024'), 1024], [bytes.parse(1024), 1024],
  // options and rules described in the Readme
  [bytes.format(1536), '1.5KB'], [bytes.format(1024 * 1.234), '1.23KB'],
  [bytes.format(1024, { fixedDecimals: true }), '1.00KB'],
  [bytes.format(1024 * 1024 * 5, { unit: 'KB' }), '5120KB'],
  [bytes.format(1024 * 1024 * 5, { unit: 'kb', thousandsSeparator: ',' }), '5,120KB'],
  [bytes.format(-1024 * 3), '-3KB'], [bytes.format(0), '0B'],
  [bytes.format(2 ** 50), '1PB'], [bytes.format(2 ** 40 * 3), '3TB'],
  [bytes.format('x'), null], [bytes.format(NaN), null], [bytes(undefined), null],
  [bytes.parse('1kb'), 1024], [bytes.parse('1 mb'), 1048576], [bytes.parse('1GB'), 2 ** 30],
  [bytes.parse('1tb'), 2 ** 40], [bytes.parse('1PB'), 2 ** 50], [bytes.parse('2.5KB'), 2560],
  [bytes.parse('10b'), 10], [bytes.parse('-1KB'), -1024], [bytes.parse({}), null],
  [bytes.parse('not a size'), null],
];
cases.forEach(([got, expected], i) => assert.strictEqual(got, expected, `case ${i}: ${got}`));
console.log(`bytes: ${cases.length} documented behaviours hold`);
