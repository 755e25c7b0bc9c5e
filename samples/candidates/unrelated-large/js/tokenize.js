/*
 * Text normalisation shared by the index builder (Node) and the search
 * widget (browser). Both sides MUST tokenize identically or queries will miss.
 */
(function (root, factory) {
  if (typeof module === "object" && module.exports) {
    module.exports = factory();
  } else {
    root.QuarryTokenize = factory();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var STOPWORDS = new Set(
    ("a an and are as at be but by for from has have if in into is it its of on or " +
      "so such that the their then there these they this to was were will with you your")
      .split(" ")
  );

  // Ordered longest-first so "ations" is tried before "s".
  var SUFFIXES = ["ational", "ations", "ation", "ments", "ment", "ings", "ing",
    "ies", "ied", "edly", "ers", "er", "ed", "ly", "es", "s"];

  var MIN_STEM = 3;

  /** Lowercase and strip diacritics: "Über Café" -> "uber cafe". */
  function normalize(text) {
    return String(text)
      .normalize("NFKD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase();
  }

  /**
   * A deliberately light stemmer. It only removes common English suffixes
   * and never shortens a word below MIN_STEM characters, so that "bus" and
   * "business" do not collapse into the same stem.
   */
  function stem(word) {
    if (word.length <= MIN_STEM + 1 || /\d/.test(word)) return word;
    for (var i = 0; i < SUFFIXES.length; i++) {
      var suffix = SUFFIXES[i];
      if (word.length - suffix.length >= MIN_STEM && word.endsWith(suffix)) {
        // "class", "status": a trailing "s" here is not a plural.
        if (suffix === "s" && /(ss|us|is)$/.test(word)) return word;
        var base = word.slice(0, -suffix.length);
        if (suffix === "ies" || suffix === "ied") return base + "y";
        // "running" -> "runn" -> "run"
        var undouble = suffix === "ing" || suffix === "ed" || suffix === "er";
        if (undouble && base.length > MIN_STEM && base[base.length - 1] === base[base.length - 2]) {
          base = base.slice(0, -1);
        }
        return base;
      }
    }
    return word;
  }

  /**
   * Split text into search terms.
   * @param {string} text
   * @param {{keepStopwords?: boolean, minLength?: number}} [options]
   * @returns {string[]}
   */
  function tokenize(text, options) {
    var opts = options || {};
    var minLength = opts.minLength || 2;
    var words = normalize(text).match(/[\p{L}\p{N}]+/gu) || [];
    var terms = [];
    for (var i = 0; i < words.length; i++) {
      var word = words[i];
      if (word.length < minLength) continue;
      if (!opts.keepStopwords && STOPWORDS.has(word)) continue;
      terms.push(stem(word));
    }
    return terms;
  }

  return { normalize: normalize, stem: stem, tokenize: tokenize, STOPWORDS: STOPWORDS };
});
