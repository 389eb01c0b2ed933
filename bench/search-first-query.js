// Counts the bytes the search script downloads for a first query, the way a browser would
// fetch them: the script itself, meta and folding table, the shards the query needs, and the
// page details of the first ten results.
//   node bench/search-first-query.js SCRIPT SITE_DIR QUERY
"use strict";
const fs = require("fs");
const path = require("path");
const [script, site, query] = process.argv.slice(2);
let bytes = fs.statSync(script).size;
const fetched = [];
global.window = { history: {}, location: { search: "" } };
global.document = { currentScript: { getAttribute: (n) => (n === "data-index" ? "/search/" : "") }, querySelectorAll: () => [] };
window.fetch = global.fetch = (url) => {
  const file = path.join(site, url.replace(/\?.*$/, ""));
  const text = fs.readFileSync(file, "utf8");
  bytes += Buffer.byteLength(text);
  fetched.push(url.replace(/\?.*$/, ""));
  return Promise.resolve({ ok: true, json: () => Promise.resolve(JSON.parse(text)) });
};
eval(fs.readFileSync(script, "utf8"));
(async () => {
  const found = await window.DeskbookSearch.search(query);
  const meta = JSON.parse(fs.readFileSync(path.join(site, "search/meta.json"), "utf8"));
  const chunks = new Set(found.hits.slice(0, 10).map((hit) => Math.floor(hit.doc / meta.chunk)));
  for (const chunk of chunks) await window.fetch("/search/d/" + chunk + ".json");
  console.log(JSON.stringify({ query, results: found.total, bytes, files: fetched.length }));
})();
