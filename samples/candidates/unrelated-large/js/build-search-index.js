#!/usr/bin/env node
/*
 * Builds a compact inverted index from the `search.json` that `quarry build`
 * writes into the output directory.
 *
 *   node js/build-search-index.js --input public/search.json \
 *        --output public/search-index.json
 *
 * Index layout (kept small because browsers download it on first search):
 *
 *   {
 *     "version": 2,
 *     "docs":   [[url, title, snippet, length], ...],
 *     "avgLength": 123.4,
 *     "terms":  { term: [docIndex, weightedFreq, docIndex, weightedFreq, ...] }
 *   }
 */
"use strict";

const fs = require("fs");
const path = require("path");
const { tokenize } = require("./tokenize");

const INDEX_VERSION = 2;
const SNIPPET_LENGTH = 160;
const FIELD_WEIGHTS = { title: 6, tags: 4, headings: 3, text: 1 };

function usage(message) {
  if (message) console.error("error: " + message);
  console.error("usage: build-search-index.js --input FILE --output FILE [--max-terms N]");
  process.exit(2);
}

function parseArgs(argv) {
  const args = { input: "public/search.json", output: null, maxTerms: 5000, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) usage(flag + " needs a value");
      return argv[++i];
    };
    switch (flag) {
      case "-i":
      case "--input":
        args.input = next();
        break;
      case "-o":
      case "--output":
        args.output = next();
        break;
      case "--max-terms":
        args.maxTerms = Number.parseInt(next(), 10);
        if (!Number.isFinite(args.maxTerms) || args.maxTerms <= 0) usage("--max-terms must be positive");
        break;
      case "-q":
      case "--quiet":
        args.quiet = true;
        break;
      case "-h":
      case "--help":
        usage();
        break;
      default:
        usage("unknown argument " + flag);
    }
  }
  if (!args.output) {
    args.output = path.join(path.dirname(args.input), "search-index.json");
  }
  return args;
}

function readDocuments(file) {
  let raw;
  try {
    raw = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${file}: ${err.code || err.message} (did you run "quarry build"?)`);
  }
  let data;
  try {
    data = JSON.parse(raw);
  } catch (err) {
    throw new Error(`${file} is not valid JSON: ${err.message}`);
  }
  if (!data || !Array.isArray(data.documents)) {
    throw new Error(`${file} has no "documents" array`);
  }
  return data.documents;
}

function snippetOf(text) {
  const clean = String(text || "").replace(/\s+/g, " ").trim();
  if (clean.length <= SNIPPET_LENGTH) return clean;
  const cut = clean.slice(0, SNIPPET_LENGTH);
  const lastSpace = cut.lastIndexOf(" ");
  return (lastSpace > SNIPPET_LENGTH * 0.6 ? cut.slice(0, lastSpace) : cut) + "…";
}

/** Weighted term frequencies for one document, plus its weighted length. */
function termFrequencies(doc) {
  const counts = new Map();
  let length = 0;
  for (const [field, weight] of Object.entries(FIELD_WEIGHTS)) {
    let value = doc[field];
    if (Array.isArray(value)) value = value.join(" ");
    for (const term of tokenize(value || "")) {
      counts.set(term, (counts.get(term) || 0) + weight);
      length += weight;
    }
  }
  return { counts, length };
}

function buildIndex(documents, maxTerms) {
  const docs = [];
  const postings = new Map();
  let totalLength = 0;

  documents.forEach((doc, docIndex) => {
    if (!doc.url || !doc.title) {
      throw new Error(`document #${docIndex} is missing "url" or "title"`);
    }
    const { counts, length } = termFrequencies(doc);
    docs.push([doc.url, doc.title, snippetOf(doc.text), length]);
    totalLength += length;
    for (const [term, freq] of counts) {
      if (!postings.has(term)) postings.set(term, []);
      postings.get(term).push(docIndex, freq);
    }
  });

  // When the vocabulary is too large, drop the terms that appear in the
  // fewest documents first: they are mostly typos and identifiers.
  let entries = Array.from(postings.entries());
  if (entries.length > maxTerms) {
    entries.sort((a, b) => b[1].length - a[1].length || (a[0] < b[0] ? -1 : 1));
    entries = entries.slice(0, maxTerms);
  }
  entries.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));

  return {
    version: INDEX_VERSION,
    docs,
    avgLength: docs.length ? Math.round((totalLength / docs.length) * 10) / 10 : 0,
    terms: Object.fromEntries(entries),
  };
}

function writeAtomic(file, contents) {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(tmp, contents);
  fs.renameSync(tmp, file);
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  try {
    const documents = readDocuments(args.input);
    const index = buildIndex(documents, args.maxTerms);
    const json = JSON.stringify(index);
    writeAtomic(args.output, json);
    if (!args.quiet) {
      const kb = (Buffer.byteLength(json) / 1024).toFixed(1);
      console.log(`indexed ${index.docs.length} pages, ${Object.keys(index.terms).length} terms -> ${args.output} (${kb} KiB)`);
    }
  } catch (err) {
    console.error("error: " + err.message);
    process.exit(1);
  }
}

if (require.main === module) {
  main();
}

module.exports = { buildIndex, termFrequencies, snippetOf };
