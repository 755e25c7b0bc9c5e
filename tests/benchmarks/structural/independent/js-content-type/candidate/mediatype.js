'use strict';

/**
 * Read and write Content-Type header values (RFC 7231 section 3.1.1.1), with the interface of
 * the `content-type` package: parse(header | req | res) -> {type, parameters}, format(obj).
 */

const TCHARS = "!#$%&'*+-.^_`|~";

function isTokenChar(ch) {
  return /[0-9A-Za-z]/.test(ch) || TCHARS.includes(ch);
}

function isToken(text) {
  return text.length > 0 && [...text].every(isTokenChar);
}

function isQuotable(ch) {
  const code = ch.charCodeAt(0);
  return code === 0x09 || (code >= 0x20 && code !== 0x7f && code <= 0xff);
}

function quoteIfNeeded(value) {
  const text = String(value);
  if (isToken(text)) {
    return text;
  }
  if (![...text].every(isQuotable)) {
    throw new TypeError('invalid parameter value');
  }
  return `"${text.replace(/(["\\])/g, '\\$1')}"`;
}

// A small cursor over the header text.
class Reader {
  constructor(text) {
    this.text = text;
    this.at = 0;
  }

  done() { return this.at >= this.text.length; }

  peek() { return this.text[this.at]; }

  skipSpace() {
    while (!this.done() && (this.peek() === ' ' || this.peek() === '\t')) this.at++;
  }

  token() {
    const start = this.at;
    while (!this.done() && isTokenChar(this.peek())) this.at++;
    return this.text.slice(start, this.at);
  }

  quoted() {
    let out = '';
    this.at++; // opening quote
    while (!this.done()) {
      const ch = this.text[this.at++];
      if (ch === '"') return out;
      if (ch === '\\') {
        if (this.done()) break;
        const escaped = this.text[this.at++];
        if (!isQuotable(escaped)) break;
        out += escaped;
      } else if (isQuotable(ch)) {
        out += ch;
      } else {
        break;
      }
    }
    throw new TypeError('invalid parameter format');
  }
}

function headerOf(source) {
  if (source && typeof source === 'object') {
    if (typeof source.getHeader === 'function') return source.getHeader('content-type');
    if (source.headers && typeof source.headers === 'object') return source.headers['content-type'];
  }
  return source;
}

function parse(source) {
  const header = headerOf(source);
  if (typeof header !== 'string') {
    throw new TypeError('argument string is required to be a string');
  }
  const reader = new Reader(header);
  reader.skipSpace();
  const major = reader.token();
  if (reader.peek() !== '/') throw new TypeError('invalid media type');
  reader.at++;
  const minor = reader.token();
  if (!major || !minor) throw new TypeError('invalid media type');
  const result = { type: `${major}/${minor}`.toLowerCase(), parameters: Object.create(null) };
  reader.skipSpace();
  while (!reader.done()) {
    if (reader.peek() !== ';') throw new TypeError('invalid media type');
    reader.at++;
    reader.skipSpace();
    const name = reader.token().toLowerCase();
    if (!name || reader.peek() !== '=') throw new TypeError('invalid parameter format');
    reader.at++;
    const value = reader.peek() === '"' ? reader.quoted() : reader.token();
    if (value === '' && header[reader.at - 1] !== '"') throw new TypeError('invalid parameter format');
    result.parameters[name] = value;
    reader.skipSpace();
  }
  return result;
}

function format(obj) {
  if (!obj || typeof obj !== 'object') {
    throw new TypeError('argument obj is required');
  }
  const { type, parameters } = obj;
  const parts = typeof type === 'string' ? type.split('/') : [];
  if (parts.length !== 2 || !parts.every(isToken)) {
    throw new TypeError('invalid type');
  }
  let header = type.toLowerCase();
  for (const name of Object.keys(parameters || {}).sort()) {
    if (!isToken(name)) {
      throw new TypeError('invalid parameter name');
    }
    header += `; ${name.toLowerCase()}=${quoteIfNeeded(parameters[name])}`;
  }
  return header;
}

module.exports = { parse, format };
