// Deskbook search: finds pages in the index `deskbook build` writes under search/, fetching
// only the parts a query needs. Chinese is searched by overlapping character pairs, so any
// two or more characters of a title or text are found, in Traditional or Simplified alike;
// Latin words match by prefix while typing. Results show as the user types.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !window.fetch) return;
  var base = script.getAttribute("data-index");
  var words = { none: script.getAttribute("data-no-results"), busy: script.getAttribute("data-searching") };
  var DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_";
  var state = { meta: null, fold: null, shards: {}, chunks: {} };

  function load(path) {
    var version = state.meta ? "?v=" + state.meta.version : "";
    return fetch(base + path + version, { cache: state.meta ? "default" : "no-cache" }).then(function (r) {
      if (!r.ok) throw new Error(path);
      return r.json();
    });
  }
  function ready() {
    if (state.loading) return state.loading;
    state.loading = load("meta.json").then(function (meta) {
      state.meta = meta;
      return load("fold.json");
    }).then(function (pairs) {
      // "貸贷說说…": each character, then what it folds to.
      var fold = {}, chars = Array.from(pairs);
      for (var i = 0; i + 1 < chars.length; i += 2) fold[chars[i]] = chars[i + 1];
      state.fold = fold;
    });
    return state.loading;
  }
  function isCJK(code) {
    return (code >= 0x3400 && code <= 0x4DBF) || (code >= 0x4E00 && code <= 0x9FFF) ||
      (code >= 0xF900 && code <= 0xFAFF) || (code >= 0x20000 && code <= 0x2FA1F);
  }
  function latin(code) {
    if (code >= 0xFF01 && code <= 0xFF5E) code -= 0xFEE0;
    if ((code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7A)) return String.fromCharCode(code);
    if (code >= 0x41 && code <= 0x5A) return String.fromCharCode(code + 32);
    return null;
  }
  // The text as the index sees it, one output character per input character.
  function foldText(text) {
    var out = [];
    for (var i = 0; i < text.length; i++) {
      var code = text.codePointAt(i), ch = String.fromCodePoint(code);
      if (code > 0xFFFF) i++;
      var letter = latin(code);
      out.push(letter || (isCJK(code) ? (state.fold[ch] || ch) : ch));
    }
    return out;
  }
  // A query word -> the units that must all match: Latin words and CJK runs.
  function units(word, prefix) {
    var chars = foldText(word), result = [], run = [], letters = "";
    function flushRun() {
      if (run.length === 1) result.push({ terms: [run[0]], text: run[0] });
      for (var j = 0; j + 1 < run.length; j++) result.push({ terms: [run[j] + run[j + 1]], text: run.join("") });
      run = [];
    }
    function flushLetters(last) {
      if (letters) result.push({ terms: [letters], text: letters, prefix: last && prefix });
      letters = "";
    }
    chars.forEach(function (ch, index) {
      var code = ch.codePointAt(0);
      if (ch.length === 1 && latin(code) === ch) { flushRun(); letters += ch; }
      else if (isCJK(code)) { flushLetters(false); run.push(ch); }
      else { flushLetters(false); flushRun(); }
    });
    flushRun();
    flushLetters(true);
    return result;
  }
  function shardKey(term) {
    var code = term.codePointAt(0);
    if (code < 128) return "w" + term[0] + (term.length > 1 ? term[1] : "_");
    return "c" + (code % state.meta.cjkShards);
  }
  function shard(key) {
    if (state.meta.shards.indexOf(key) < 0) return Promise.resolve({});
    if (!state.shards[key]) state.shards[key] = load("t/" + key + ".json");
    return state.shards[key];
  }
  function decodeList(text, map) {
    var doc = 0, i = 0;
    while (i < text.length) {
      var gap = 0, digit;
      do { digit = DIGITS.indexOf(text[i++]); gap = gap * 32 + (digit & 31); } while (digit >= 32);
      doc += gap;
      map.set(doc, { score: DIGITS.indexOf(text[i++]), section: DIGITS.indexOf(text[i++]) });
    }
    return map;
  }
  // "!best|bitmap|score": a term on very many pages; the pages not among the best get the
  // one score given at the end.
  function decode(text) {
    if (text[0] !== "!") return decodeList(text, new Map());
    var parts = text.slice(1).split("|"), map = decodeList(parts[0], new Map());
    var rest = DIGITS.indexOf(parts[2]);
    for (var c = 0; c < parts[1].length; c++) {
      var bits = DIGITS.indexOf(parts[1][c]);
      for (var b = 0; b < 6; b++) {
        if (bits & (1 << b)) { var doc = c * 6 + b; if (!map.has(doc)) map.set(doc, { score: rest, section: 0 }); }
      }
    }
    return map;
  }
  // Postings of one unit: an exact term, or every term starting with a typed prefix.
  function postings(unit) {
    var term = unit.terms[0];
    var keys = [shardKey(term)];
    if (unit.prefix && term.length === 1) {
      keys = state.meta.shards.filter(function (key) { return key.slice(0, 2) === "w" + term; });
    }
    return Promise.all(keys.map(shard)).then(function (parts) {
      var best = new Map();
      parts.forEach(function (part) {
        Object.keys(part).forEach(function (candidate) {
          if (candidate === term || (unit.prefix && candidate.lastIndexOf(term, 0) === 0)) {
            decode(part[candidate]).forEach(function (hit, doc) {
              var old = best.get(doc);
              // A prefix match counts a little less than the whole word.
              var score = candidate === term ? hit.score : hit.score * 0.8;
              if (!old || old.score < score) best.set(doc, { score: score, section: hit.section });
            });
          }
        });
      });
      return best;
    });
  }
  // Every unit must match; the scores add up.
  function intersect(maps) {
    if (!maps.length) return new Map();
    var result = new Map();
    maps[0].forEach(function (hit, doc) {
      var total = 0, sections = {};
      for (var i = 0; i < maps.length; i++) {
        var other = maps[i].get(doc);
        if (!other) return;
        total += other.score;
        sections[other.section] = (sections[other.section] || 0) + 1;
      }
      var section = Object.keys(sections).sort(function (a, b) { return sections[b] - sections[a]; })[0];
      result.set(doc, { score: total, section: +section });
    });
    return result;
  }
  // A word and its synonyms from synonyms.yaml: any of them may match.
  function alternatives(word) {
    var folded = foldText(word).join(""), found = [word];
    state.meta.synonyms.forEach(function (group) {
      var hit = group.some(function (w) { return foldText(w).join("") === folded; });
      if (hit) group.forEach(function (w) { if (found.indexOf(w) < 0) found.push(w); });
    });
    return found;
  }
  function search(query) {
    var typed = query.trim().split(/\s+/).filter(Boolean);
    var endsOpen = !/\s$/.test(query);
    var highlights = [];
    return Promise.all(typed.map(function (word, index) {
      return Promise.all(alternatives(word).map(function (alt) {
        var parts = units(alt, endsOpen && index === typed.length - 1);
        parts.forEach(function (u) { highlights.push(u.text); });
        return Promise.all(parts.map(postings)).then(intersect);
      })).then(function (maps) {
        var best = new Map();
        maps.forEach(function (map) {
          map.forEach(function (hit, doc) { var old = best.get(doc); if (!old || old.score < hit.score) best.set(doc, hit); });
        });
        return best;
      });
    })).then(function (perWord) {
      var hits = [];
      intersect(perWord).forEach(function (hit, doc) { hits.push({ doc: doc, score: hit.score, section: hit.section }); });
      hits.sort(function (a, b) { return b.score - a.score || a.doc - b.doc; });
      return { hits: hits.slice(0, 20), total: hits.length, highlights: highlights };
    });
  }
  function chunk(doc) {
    var number = Math.floor(doc / state.meta.chunk);
    if (!state.chunks[number]) state.chunks[number] = load("d/" + number + ".json");
    return state.chunks[number].then(function (docs) { return docs[doc - number * state.meta.chunk]; });
  }
  // Text with every highlight wrapped in <mark>, built as nodes so nothing is parsed as HTML.
  function marked(text, highlights) {
    var folded = foldText(text), flat = folded.join(""), ranges = [];
    highlights.forEach(function (h) {
      if (!h) return;
      var at = flat.indexOf(h);
      while (at >= 0) { ranges.push([at, at + h.length]); at = flat.indexOf(h, at + h.length); }
    });
    ranges.sort(function (a, b) { return a[0] - b[0]; });
    var fragment = document.createDocumentFragment(), chars = Array.from(text), position = 0;
    // foldText walks code points, so flat offsets are code point offsets when every folded
    // character is one unit long; CJK and ASCII are.
    ranges.forEach(function (range) {
      if (range[0] < position) return;
      fragment.appendChild(document.createTextNode(chars.slice(position, range[0]).join("")));
      var mark = document.createElement("mark");
      mark.textContent = chars.slice(range[0], range[1]).join("");
      fragment.appendChild(mark);
      position = range[1];
    });
    fragment.appendChild(document.createTextNode(chars.slice(position).join("")));
    return fragment;
  }
  function show(container, query, found, docs) {
    container.textContent = "";
    if (!found.hits.length) {
      var none = document.createElement("p");
      none.textContent = words.none;
      container.appendChild(none);
      return;
    }
    var list = document.createElement("ol");
    found.hits.forEach(function (hit, index) {
      var doc = docs[index], section = doc[4][hit.section] || doc[4][0] || ["", "", ""];
      var item = document.createElement("li"), link = document.createElement("a"), place = document.createElement("span");
      link.href = doc[1] + (section[0] ? "#" + encodeURIComponent(section[0]) : "");
      link.appendChild(marked(doc[0], found.highlights));
      place.className = "where";
      place.textContent = doc[2] + (section[1] ? " › " + section[1] : "");
      var snippet = document.createElement("p");
      snippet.className = "snippet";
      snippet.appendChild(marked(doc[3] || section[2] || (doc[4][0] || ["", "", ""])[2], found.highlights));
      item.appendChild(link); item.appendChild(place); item.appendChild(snippet);
      list.appendChild(item);
    });
    container.appendChild(list);
  }
  function attach(input) {
    // Results go in the [data-search-results] box right after the form, made if missing.
    var form = input.form || input, container = form.nextElementSibling;
    if (!container || !container.hasAttribute("data-search-results")) {
      container = document.createElement("div");
      container.className = "search-results";
      container.setAttribute("data-search-results", "");
      container.setAttribute("aria-live", "polite");
      form.insertAdjacentElement("afterend", container);
    }
    var timer = null, latest = 0;
    function run() {
      var query = input.value, ticket = ++latest;
      if (!query.trim()) { container.textContent = ""; return; }
      if (input.hasAttribute("data-search-input") && window.history.replaceState) {
        window.history.replaceState(null, "", "?q=" + encodeURIComponent(query));
      }
      ready().then(function () { return search(query); }).then(function (found) {
        return Promise.all(found.hits.map(function (hit) { return chunk(hit.doc); })).then(function (docs) {
          if (ticket === latest) show(container, query, found, docs);
        });
      }).catch(function () { container.textContent = ""; });
    }
    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(run, 80); });
    return run;
  }
  var inputs = document.querySelectorAll(".search-form input[type=search]");
  Array.prototype.forEach.call(inputs, function (input) {
    var run = attach(input);
    if (input.hasAttribute("data-search-input")) {
      var q = new URLSearchParams(window.location.search).get("q");
      if (q) { input.value = q; run(); }
    }
  });
  window.DeskbookSearch = { search: function (q) { return ready().then(function () { return search(q); }); }, units: units, foldText: foldText };
})();
