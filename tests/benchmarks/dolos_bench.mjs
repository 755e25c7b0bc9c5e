// Dolos on the same pair of trees as leaktrace and copydetect, for bench_scale.py.
//
//   node tests/benchmarks/dolos_bench.mjs DOLOS_DIR LANGUAGE EXTENSIONS PRIVATE CANDIDATE
//
// DOLOS_DIR is the folder where `npm install @dodona/dolos-lib` was run (outside the repo);
// EXTENSIONS is a comma-separated list (".js,.mjs"). Every file of those extensions below both
// trees goes into one Dolos analysis; the pairs that join a private file to a candidate file are
// the result: a candidate file is flagged when it shares at least half of its fingerprints with a
// private file (Dolos's similarity >= 0.5). Prints one JSON object on stdout.

import { readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [dolosDir, language, extensionList, privateDir, candidateDir] = process.argv.slice(2);
if (!candidateDir) {
  console.error("usage: dolos_bench.mjs DOLOS_DIR LANGUAGE EXTENSIONS PRIVATE CANDIDATE");
  process.exit(2);
}
const extensions = extensionList.split(",");
const FLAG_SIMILARITY = 0.5;

async function sourceFiles(root) {
  const found = [];
  const folders = [resolve(root)];
  while (folders.length > 0) {
    const folder = folders.pop();
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) {
        folders.push(path);
      } else if (entry.isFile() && extensions.some((ext) => entry.name.endsWith(ext))) {
        found.push(path);
      }
    }
  }
  return found.sort();
}

const started = performance.now();
const entry = join(resolve(dolosDir), "node_modules", "@dodona", "dolos-lib", "dist", "index.js");
const { Dolos } = await import(pathToFileURL(entry).href);
const privateFiles = await sourceFiles(privateDir);
const candidateFiles = await sourceFiles(candidateDir);
const privateSet = new Set(privateFiles);
const dolos = new Dolos({ language });
const report = await dolos.analyzePaths([...privateFiles, ...candidateFiles]);
const analyzed = performance.now();
const pairs = report.allPairs();
const paired = performance.now();

const cross = pairs
  .filter((pair) => privateSet.has(pair.leftFile.path) !== privateSet.has(pair.rightFile.path))
  .map((pair) => {
    const left = privateSet.has(pair.leftFile.path);
    return {
      private: left ? pair.leftFile.path : pair.rightFile.path,
      candidate: left ? pair.rightFile.path : pair.leftFile.path,
      similarity: pair.similarity,
      longest: pair.longest,
      overlap: pair.overlap,
    };
  })
  .sort((a, b) => b.similarity - a.similarity);

console.log(
  JSON.stringify({
    files: report.files.length,
    private_files: privateFiles.length,
    candidate_files: candidateFiles.length,
    pairs: pairs.length,
    cross_pairs: cross.length,
    top: cross.slice(0, 5),
    flagged: cross.filter((pair) => pair.similarity >= FLAG_SIMILARITY),
    seconds: {
      analyze: (analyzed - started) / 1000,
      pairs: (paired - analyzed) / 1000,
      total: (performance.now() - started) / 1000,
    },
  }),
);
