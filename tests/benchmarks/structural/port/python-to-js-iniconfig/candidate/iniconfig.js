'use strict';

/**
 * brain-dead simple parser for ini-style files.
 * (a JavaScript port of iniconfig 2.0.0 by Ronny Pfannschmidt, Holger Krekel -- MIT licensed)
 */

const fs = require('fs');

const COMMENTCHARS = '#;';

class ParseError extends Error {
  constructor(path, lineno, msg) {
    super(`${path}:${lineno + 1}: ${msg}`);
    this.name = 'ParseError';
    this.path = path;
    this.lineno = lineno;
    this.msg = msg;
  }

  toString() {
    return `${this.path}:${this.lineno + 1}: ${this.msg}`;
  }
}

// Python's str.splitlines(keepends=True)
const LINE = /[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]*(?:\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029])?/g;

function splitlines(data) {
  const lines = data.match(LINE);
  if (lines[lines.length - 1] === '') {
    lines.pop();
  }
  return lines;
}

// Python's repr() of a string, for messages identical to the original's
function pyRepr(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  const escaped = text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r');
  return quote + (quote === "'" ? escaped.replace(/'/g, "\\'") : escaped) + quote;
}

function iscommentline(line) {
  const c = line.trimStart().slice(0, 1);
  return COMMENTCHARS.includes(c);
}

function parseline(path, line, lineno) {
  // blank lines
  if (iscommentline(line)) {
    line = '';
  } else {
    line = line.trimEnd();
  }
  if (!line) {
    return [null, null];
  }
  // section
  if (line[0] === '[') {
    const realline = line;
    for (const c of COMMENTCHARS) {
      line = line.split(c)[0].trimEnd();
    }
    if (line[line.length - 1] === ']') {
      return [line.slice(1, -1), null];
    }
    return [null, realline.trim()];
  }
  // value
  if (!/\s/.test(line[0])) {
    let name;
    let value;
    const eq = line.indexOf('=');
    if (eq !== -1 && !line.slice(0, eq).includes(':')) {
      name = line.slice(0, eq);
      value = line.slice(eq + 1);
    } else {
      const colon = line.indexOf(':');
      if (colon === -1) {
        throw new ParseError(path, lineno, `unexpected line: ${pyRepr(line)}`);
      }
      name = line.slice(0, colon);
      value = line.slice(colon + 1);
    }
    return [name.trim(), value.trim()];
  }
  // continuation
  return [null, line.trim()];
}

function parseLines(path, lineIter) {
  const result = [];
  let section = null;
  lineIter.forEach((line, lineno) => {
    const [name, data] = parseline(path, line, lineno);
    if (name !== null && data !== null) {
      // new value
      result.push({ lineno, section, name, value: data });
    } else if (name !== null && data === null) {
      // new section
      if (!name) {
        throw new ParseError(path, lineno, 'empty section name');
      }
      section = name;
      result.push({ lineno, section, name: null, value: null });
    } else if (name === null && data !== null) {
      // continuation
      if (!result.length) {
        throw new ParseError(path, lineno, 'unexpected value continuation');
      }
      const last = result.pop();
      if (last.name === null) {
        throw new ParseError(path, lineno, 'unexpected value continuation');
      }
      if (last.value) {
        result.push({ ...last, value: `${last.value}\n${data}` });
      } else {
        result.push({ ...last, value: data });
      }
    }
  });
  return result;
}

class SectionWrapper {
  constructor(config, name) {
    this.config = config;
    this.name = name;
  }

  lineof(name) {
    return this.config.lineof(this.name, name);
  }

  get(key, defaultValue = null, convert = null) {
    return this.config.get(this.name, key, defaultValue, convert);
  }

  getItem(key) {
    const section = this.config.sections.get(this.name);
    if (!section.has(key)) {
      throw new RangeError(`KeyError: ${key}`);
    }
    return section.get(key);
  }

  * [Symbol.iterator]() {
    const section = this.config.sections.get(this.name) || new Map();
    const lineof = (key) => this.config.lineof(this.name, key);
    yield* [...section.keys()].sort((a, b) => lineof(a) - lineof(b));
  }

  * items() {
    for (const name of this) {
      yield [name, this.getItem(name)];
    }
  }
}

class IniConfig {
  constructor(path, data = null, encoding = 'utf-8') {
    this.path = String(path);
    if (data === null) {
      data = fs.readFileSync(this.path, encoding === 'utf-8' ? 'utf8' : encoding);
    }

    const tokens = parseLines(this.path, splitlines(data));

    this._sources = new Map();
    this.sections = new Map();

    for (const { lineno, section, name, value } of tokens) {
      if (section === null) {
        throw new ParseError(this.path, lineno, 'no section header defined');
      }
      this._sources.set(JSON.stringify([section, name]), lineno);
      if (name === null) {
        if (this.sections.has(section)) {
          throw new ParseError(this.path, lineno, `duplicate section ${pyRepr(section)}`);
        }
        this.sections.set(section, new Map());
      } else {
        if (this.sections.get(section).has(name)) {
          throw new ParseError(this.path, lineno, `duplicate name ${pyRepr(name)}`);
        }
        this.sections.get(section).set(name, value);
      }
    }
  }

  lineof(section, name = null) {
    const lineno = this._sources.get(JSON.stringify([section, name]));
    return lineno === undefined ? null : lineno + 1;
  }

  get(section, name, defaultValue = null, convert = null) {
    const values = this.sections.get(section);
    if (values === undefined || !values.has(name)) {
      return defaultValue;
    }
    const value = values.get(name);
    if (convert !== null) {
      return convert(value);
    }
    return value;
  }

  getSection(name) {
    if (!this.sections.has(name)) {
      throw new RangeError(`KeyError: ${name}`);
    }
    return new SectionWrapper(this, name);
  }

  * [Symbol.iterator]() {
    const names = [...this.sections.keys()].sort((a, b) => this.lineof(a) - this.lineof(b));
    for (const name of names) {
      yield new SectionWrapper(this, name);
    }
  }

  has(arg) {
    return this.sections.has(arg);
  }
}

module.exports = { IniConfig, SectionWrapper, ParseError, COMMENTCHARS, iscommentline, parseLines };
