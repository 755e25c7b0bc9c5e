// The independent implementation of content-type 1.0.5 does what the package's README says
// (parse a header, a req, a res; format an object; TypeError on bad input) (node check.js).
'use strict';
const assert = require('assert');
const contentType = require('./candidate/mediatype.js');

let checks = 0;
const same = (got, expected) => { checks++; assert.deepStrictEqual({ ...got, parameters: { ...got.parameters } }, expected); };
const throws = (fn) => { checks++; assert.throws(fn, TypeError); };

// README: parse('image/svg+xml; charset=utf-8')
same(contentType.parse('image/svg+xml; charset=utf-8'), { type: 'image/svg+xml', parameters: { charset: 'utf-8' } });
same(contentType.parse('Text/HTML;Charset="UTF-8"'), { type: 'text/html', parameters: { charset: 'UTF-8' } });
same(contentType.parse('text/plain; foo="bar; baz"; a=b'), { type: 'text/plain', parameters: { foo: 'bar; baz', a: 'b' } });
same(contentType.parse('text/plain; x="a\\"b"'), { type: 'text/plain', parameters: { x: 'a"b' } });
same(contentType.parse('application/json'), { type: 'application/json', parameters: {} });
// README: parse(req) and parse(res)
same(contentType.parse({ headers: { 'content-type': 'text/html; charset=utf-8' } }), { type: 'text/html', parameters: { charset: 'utf-8' } });
same(contentType.parse({ getHeader: (n) => (n === 'content-type' ? 'text/css' : undefined) }), { type: 'text/css', parameters: {} });
// README: "Throws a TypeError if the string is missing or invalid"
for (const bad of [undefined, null, 42, '', 'text', 'text/', '/html', 'text/html;', 'text/html; charset',
  'text/html; charset=', 'text/html; x="unterminated', 'text/ html', { headers: {} }]) {
  throws(() => contentType.parse(bad));
}
// README: format({type: 'image/svg+xml', parameters: {charset: 'utf-8'}})
checks++;
assert.strictEqual(contentType.format({ type: 'image/svg+xml', parameters: { charset: 'utf-8' } }), 'image/svg+xml; charset=utf-8');
checks++;
assert.strictEqual(contentType.format({ type: 'Text/HTML', parameters: { Foo: 'a b' } }), 'text/html; foo="a b"');
checks++;
assert.strictEqual(contentType.format({ type: 'text/html' }), 'text/html');
for (const bad of [null, {}, { type: 'text' }, { type: 'te xt/html' }, { type: 'text/html', parameters: { 'a b': 'c' } }]) {
  throws(() => contentType.format(bad));
}
// a round trip: what format writes, parse reads back
const obj = { type: 'multipart/form-data', parameters: { boundary: 'a "quoted" ; value' } };
same(contentType.parse(contentType.format(obj)), obj);
console.log(`content-type: ${checks} documented behaviours hold`);
