// The rewrite of minimist 1.2.8 behaves like the original (node check.js): minimist's own test
// suite (test/*.js, run through a small stand-in for `tape`) passes against both, and both give
// the same result on generated argument lists and options.
'use strict';
const assert = require('assert');
const fs = require('fs');
const Module = require('module');
const path = require('path');

const ORIGINAL = path.join(__dirname, 'original', 'index.js');
const WRITTEN = path.join(__dirname, 'candidate', 'argv.js');

// -- 1. minimist's tests, once against the original and once against the rewrite
function runSuite(implementation) {
  const tests = [];
  const tape = (name, fn) => tests.push([name, fn]);
  const resolve = Module._resolveFilename;
  Module._resolveFilename = function (request, parent, ...rest) {
    if (request === 'tape') { return 'tape'; }
    if (request === '../' && parent && parent.filename.includes(`${path.sep}test${path.sep}`)) {
      return implementation;
    }
    return resolve.call(this, request, parent, ...rest);
  };
  require.cache.tape = { id: 'tape', filename: 'tape', loaded: true, exports: tape };
  const dir = path.join(__dirname, 'original', 'test');
  let asserts = 0;
  try {
    for (const file of fs.readdirSync(dir).sort()) {
      const full = path.join(dir, file);
      delete require.cache[full];
      require(full);
    }
    for (const [name, fn] of tests) {
      let planned = null;
      let done = false;
      const count = (check) => (...args) => { asserts += 1; check(...args); };
      const t = {
        plan: (n) => { planned = n; },
        end: () => { done = true; },
        equal: count((a, b, msg) => assert.strictEqual(a, b, `${name}: ${msg}`)),
        deepEqual: count((a, b, msg) => assert.deepStrictEqual(a, b, `${name}: ${msg}`)),
        same: count((a, b, msg) => assert.deepStrictEqual(a, b, `${name}: ${msg}`)),
        ok: count((a, msg) => assert.ok(a, `${name}: ${msg}`)),
        notOk: count((a, msg) => assert.ok(!a, `${name}: ${msg}`)),
      };
      const before = asserts;
      fn(t);
      assert.ok(done || planned === asserts - before, `${name}: did not end`);
    }
  } finally {
    Module._resolveFilename = resolve;
  }
  return [tests.length, asserts];
}
for (const [label, impl] of [['original', ORIGINAL], ['rewrite', WRITTEN]]) {
  const [tests, asserts] = runSuite(impl);
  console.log(`minimist's own tests against the ${label}: ${tests} tests, ${asserts} assertions pass`);
}

// -- 2. differential test on generated inputs
const original = require(ORIGINAL);
const written = require(WRITTEN);
let seed = 20261201;
const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
const pick = (items) => items[Math.floor(random() * items.length)];
const some = (items, most) => Array.from({ length: Math.floor(random() * (most + 1)) }, () => pick(items));

const NAMES = ['a', 'b', 'x', 'n', 'foo', 'bar', 'no-x', 'a.b', 'a.b.c', 'constructor', '__proto__', '_'];
const WORDS = ['-a', '-b', '-abc', '-xn5', '-n=3', '-x-', '-b.', '-a-', '--foo', '--bar', '--no-foo',
  '--foo=1', '--foo=false', '--bar=x=y', '--a.b=2', '--a.b.c', '--constructor', '--__proto__.x=1',
  '--', '-', '---x', '--==', 'true', 'false', '0', '12', '0x1f', '-7', '3.5e2', 'file.txt', 'x y',
  '--n', '-n', '5', '--no-', '-😀', '-é', '--x=😀'];
const settings = () => {
  const opts = {};
  if (random() < 0.4) { opts.boolean = random() < 0.2 ? true : some(NAMES, 3); }
  if (random() < 0.4) { opts.string = some(NAMES, 3); }
  if (random() < 0.4) {
    opts.alias = {};
    for (const name of some(NAMES, 2)) { opts.alias[name] = random() < 0.5 ? pick(NAMES) : some(NAMES, 2); }
  }
  if (random() < 0.3) {
    opts.default = {};
    for (const name of some(NAMES, 3)) { opts.default[name] = pick([1, 'x', true, false, null]); }
  }
  if (random() < 0.2) { opts.stopEarly = true; }
  if (random() < 0.2) { opts['--'] = true; }
  if (random() < 0.2) { opts.unknown = (w) => w.length % 2 === 0; }
  return random() < 0.1 ? undefined : opts;
};
const outcome = (fn, args) => {
  try {
    return ['returned', JSON.stringify(fn(...args))];
  } catch (error) {
    return ['raised', error.constructor.name];
  }
};
let count = 0;
for (let i = 0; i < 30000; i++) {
  const words = some(WORDS, 7);
  const opts = settings();
  // each side gets its own copies: the parser must not depend on shared state
  const a = outcome(original, [words.slice(), opts && { ...opts }]);
  const b = outcome(written, [words.slice(), opts && { ...opts }]);
  assert.deepStrictEqual(b, a, `${JSON.stringify(words)} ${JSON.stringify(opts)}`);
  count += 1;
}
assert.strictEqual(Object.prototype.x, undefined);
console.log(`minimist: ${count} generated argument lists, same behaviour`);
