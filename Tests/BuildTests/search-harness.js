// Runs the theme's search script under node against a built site's index, the way a browser
// would, and prints the results of each query as JSON: [[query, [url, …]], …].
//   node search-harness.js SCRIPT OUTPUT_DIR QUERY…
"use strict";
const fs = require("fs");
const path = require("path");
const [script, output, ...queries] = process.argv.slice(2);
global.window = { history: {}, location: { search: "" } };
global.document = {
  currentScript: { getAttribute: (name) => (name === "data-index" ? "/search/" : "") },
  querySelectorAll: () => [],
};
global.fetch = (url) => {
  const file = path.join(output, url.replace(/\?.*$/, ""));
  return Promise.resolve({ ok: fs.existsSync(file), json: () => Promise.resolve(JSON.parse(fs.readFileSync(file, "utf8"))) });
};
window.fetch = global.fetch;
eval(fs.readFileSync(script, "utf8"));
const search = window.DeskbookSearch;
(async () => {
  const results = [];
  for (const query of queries) {
    const found = await search.search(query);
    const chunks = {};
    const urls = [];
    const size = JSON.parse(fs.readFileSync(path.join(output, "search/meta.json"), "utf8")).chunk;
    for (const hit of found.hits) {
      const number = Math.floor(hit.doc / size);
      chunks[number] = chunks[number] || JSON.parse(fs.readFileSync(path.join(output, "search/d/" + number + ".json"), "utf8"));
      const doc = chunks[number][hit.doc - number * size];
      const section = doc[4][hit.section];
      urls.push(doc[1] + (section && section[0] ? "#" + section[0] : ""));
    }
    results.push([query, urls]);
  }
  console.log(JSON.stringify(results));
})().catch((error) => { console.error(error); process.exit(1); });
