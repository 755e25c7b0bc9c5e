/*
 * Client-side search widget for quarry sites.
 *
 * Markup expected on the page:
 *
 *   <input id="search" type="search" data-index="/search-index.json">
 *   <ol id="search-results"></ol>
 *
 * Requires tokenize.js to be loaded first (it defines window.QuarryTokenize).
 * The index is fetched lazily on first focus so pages that are never searched
 * pay nothing for it.
 */
(function () {
  "use strict";

  var K1 = 1.2;
  var B = 0.75;
  var MAX_RESULTS = 10;
  var PREFIX_MIN = 3;

  var tokenize = window.QuarryTokenize.tokenize;

  function Searcher(index) {
    this.docs = index.docs;
    this.avgLength = index.avgLength || 1;
    this.terms = index.terms;
    this.termList = Object.keys(index.terms); // sorted by the builder
  }

  /** Binary search for the first term >= prefix, then collect matches. */
  Searcher.prototype.expandPrefix = function (prefix) {
    var lo = 0;
    var hi = this.termList.length;
    while (lo < hi) {
      var mid = (lo + hi) >>> 1;
      if (this.termList[mid] < prefix) lo = mid + 1;
      else hi = mid;
    }
    var out = [];
    for (var i = lo; i < this.termList.length && out.length < 20; i++) {
      if (this.termList[i].lastIndexOf(prefix, 0) !== 0) break;
      out.push(this.termList[i]);
    }
    return out;
  };

  Searcher.prototype.idf = function (postings) {
    var df = postings.length / 2;
    var n = this.docs.length;
    return Math.log(1 + (n - df + 0.5) / (df + 0.5));
  };

  Searcher.prototype.search = function (query) {
    var terms = tokenize(query);
    if (!terms.length) return [];
    var scores = new Map();
    var matchedTerms = new Map();
    var self = this;

    terms.forEach(function (term, position) {
      var isLast = position === terms.length - 1;
      // The word being typed is matched as a prefix so results appear early.
      var variants = isLast && term.length >= PREFIX_MIN ? self.expandPrefix(term) : [term];
      if (variants.indexOf(term) < 0 && self.terms[term]) variants.push(term);
      variants.forEach(function (variant) {
        var postings = self.terms[variant];
        if (!postings) return;
        var idf = self.idf(postings);
        var penalty = variant === term ? 1 : 0.7;
        for (var i = 0; i < postings.length; i += 2) {
          var doc = postings[i];
          var tf = postings[i + 1];
          var len = self.docs[doc][3];
          var score = idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * len / self.avgLength));
          scores.set(doc, (scores.get(doc) || 0) + score * penalty);
          if (!matchedTerms.has(doc)) matchedTerms.set(doc, new Set());
          matchedTerms.get(doc).add(position);
        }
      });
    });

    var results = [];
    scores.forEach(function (score, doc) {
      // Favour documents that match every query word.
      var coverage = matchedTerms.get(doc).size / terms.length;
      results.push({ doc: self.docs[doc], score: score * coverage * coverage });
    });
    results.sort(function (a, b) { return b.score - a.score; });
    return results.slice(0, MAX_RESULTS);
  };

  function render(list, results, query) {
    list.textContent = "";
    if (!query.trim()) return;
    if (!results.length) {
      var empty = document.createElement("li");
      empty.className = "search-empty";
      empty.textContent = "No results for “" + query + "”";
      list.appendChild(empty);
      return;
    }
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.doc[0];
      link.textContent = result.doc[1];
      var snippet = document.createElement("p");
      snippet.textContent = result.doc[2];
      item.appendChild(link);
      item.appendChild(snippet);
      list.appendChild(item);
    });
  }

  function moveSelection(list, delta) {
    var links = list.querySelectorAll("a");
    if (!links.length) return;
    var current = Array.prototype.indexOf.call(links, document.activeElement);
    var next = current < 0 ? (delta > 0 ? 0 : links.length - 1) : current + delta;
    if (next >= 0 && next < links.length) links[next].focus();
  }

  function init() {
    var input = document.getElementById("search");
    var list = document.getElementById("search-results");
    if (!input || !list) return;

    var searcher = null;
    var loading = null;
    var timer = 0;

    function load() {
      if (!loading) {
        loading = fetch(input.getAttribute("data-index") || "/search-index.json")
          .then(function (r) {
            if (!r.ok) throw new Error("HTTP " + r.status);
            return r.json();
          })
          .then(function (index) { searcher = new Searcher(index); })
          .catch(function (err) {
            loading = null; // allow a retry on next focus
            input.setAttribute("placeholder", "Search unavailable");
            console.warn("quarry search: could not load index:", err);
          });
      }
      return loading;
    }

    function run() {
      var query = input.value;
      load().then(function () {
        if (searcher) render(list, searcher.search(query), query);
      });
    }

    input.addEventListener("focus", load, { once: true });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(run, 80);
    });
    [input, list].forEach(function (el) {
      el.addEventListener("keydown", function (event) {
        if (event.key === "ArrowDown") { event.preventDefault(); moveSelection(list, 1); }
        if (event.key === "ArrowUp") { event.preventDefault(); moveSelection(list, -1); }
        if (event.key === "Escape") { input.value = ""; render(list, [], ""); input.focus(); }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
