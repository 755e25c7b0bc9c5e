"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { tokenize, stem } = require("./tokenize");
const { buildIndex, snippetOf } = require("./build-search-index");

test("tokenize drops stopwords and folds accents", () => {
  assert.deepEqual(tokenize("The Café is OPEN"), ["cafe", "open"]);
});

test("stem keeps short words and plural-looking singulars", () => {
  assert.equal(stem("bus"), "bus");
  assert.equal(stem("status"), "status");
  assert.equal(stem("classes"), "class");
  assert.equal(stem("running"), "run");
  assert.equal(stem("studies"), "study");
});

test("title terms outweigh body terms", () => {
  const index = buildIndex(
    [
      { url: "/a/", title: "Deploying", text: "notes" },
      { url: "/b/", title: "Notes", text: "deploying deploying" },
    ],
    100
  );
  const postings = index.terms["deploy"];
  const weights = {};
  for (let i = 0; i < postings.length; i += 2) weights[postings[i]] = postings[i + 1];
  assert.ok(weights[0] > weights[1]);
});

test("buildIndex rejects documents without a url", () => {
  assert.throws(() => buildIndex([{ title: "x" }], 10), /missing "url"/);
});

test("snippets are cut at a word boundary", () => {
  const text = "word ".repeat(100);
  const snippet = snippetOf(text);
  assert.ok(snippet.endsWith("word…"));
  assert.ok(snippet.length <= 161);
});
