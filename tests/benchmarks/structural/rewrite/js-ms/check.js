// The rewrite of ms 2.1.3 behaves like the original on generated inputs (node check.js).
'use strict';
const assert = require('assert');
const original = require('./original/index.js');
const written = require('./candidate/duration.js');

let seed = 20261201;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];

function outcome(fn, args) {
  try {
    return ['returned', fn(...args)];
  } catch (error) {
    return ['raised', error.constructor.name];
  }
}

const units = ['', 'ms', 'msec', 'msecs', 'millisecond', 'milliseconds', 's', 'sec', 'secs',
  'second', 'seconds', 'm', 'min', 'mins', 'minute', 'minutes', 'h', 'hr', 'hrs', 'hour',
  'hours', 'd', 'day', 'days', 'w', 'week', 'weeks', 'y', 'yr', 'yrs', 'year', 'years',
  'YEARS', 'Ms', 'x', 'mss', 'constructor', 'toString', '__proto__'];
const numbers = () => pick(['1', '0', '-3', '.5', '1.5', '-.25', '100', '2.', '1e3', '',
  String(Math.floor(random() * 1e6)), (random() * 100).toFixed(3)]);
const inputs = [];
for (let i = 0; i < 20000; i++) {
  const kind = random();
  if (kind < 0.5) {
    inputs.push([numbers() + pick(['', ' ', '  ', '-']) + pick(units)]);
  } else if (kind < 0.9) {
    const value = (random() - 0.5) * Math.pow(10, Math.floor(random() * 12));
    inputs.push([pick([value, Math.round(value), -0, 0]), pick([undefined, {}, { long: true }])]);
  } else {
    inputs.push([pick(['', null, undefined, NaN, Infinity, {}, [], '1'.repeat(101), true])]);
  }
}
for (const args of inputs) {
  assert.deepStrictEqual(outcome(written, args), outcome(original, args), JSON.stringify(args));
}
console.log(`ms: ${inputs.length} inputs, same behaviour`);
