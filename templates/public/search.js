// Progressive enhancement: the site reads fine without this. With it, Pagefind searches every story and every
// working-on and won't-do item; results show their type and date and are drawn with the site's own styles.
(function () {
  "use strict";
  var box = document.getElementById("search");
  if (!box) return;
  var form = box.querySelector("[role=search]"), input = box.querySelector("input"), status = box.querySelector("[role=status]");
  var list = box.querySelector("ol"), more = box.querySelector("button.more");
  var bundle = new URL(box.getAttribute("data-bundle"), document.baseURI);
  // the page's own words, in its language (data-searching, data-none …); {n} and {query} are filled in here
  var words = box.dataset, plural = new Intl.PluralRules(document.documentElement.lang || "en");
  function say(text, n, query) { return text.replace("{n}", n).replace("{query}", query); }
  var PAGE = 10, engine = null, latest = 0, pending = [], asked = "", timer = null;
  var options = { baseUrl: bundle.pathname.replace(/pagefind\/$/, "") };

  // A large site's index comes in shards (pagefind/shards.json lists them; see site_gen/search_index.py):
  // Pagefind searches them all and ranks their results together, but for each shard's vocabulary page (`hidden`).
  // The list is asked for anew each time (a host lets browsers keep files for minutes): one kept from before a
  // deploy would leave shards out. Without a list (an index an older site-gen wrote, a host that fails it), the
  // first shard is searched alone.
  var hidden = {};
  function shards() {
    return fetch(bundle.href + "shards.json", { cache: "no-cache" }).then(function (response) {
      return response.ok ? response.json() : {};
    }).then(function (listed) {
      hidden = {};
      (Array.isArray(listed && listed.hidden) ? listed.hidden : []).forEach(function (id) { hidden[id] = true; });
      return Array.isArray(listed && listed.shards) ? listed.shards : [];
    }).catch(function () { return []; });
  }

  // Pagefind afresh (nothing kept of an index loaded before) with the first shard, then each other one that loads:
  // a shard that does not (lost by a host, named by a list older than the site) is left out, since Pagefind would
  // fail every search with it merged. The first is waited for before any is merged: Pagefind's merge waits for it
  // for ever, and so would the page.
  function open(pagefind, others) {
    return pagefind.destroy().then(function () { return pagefind.options(options); }).then(function () {
      return pagefind.filters();
    }).then(function () {
      return Promise.all(others.map(function (shard) {
        return pagefind.mergeIndex(shard, options).then(function () { return shard; }, function () { return null; });
      }));
    }).then(function (merged) {
      var loaded = merged.filter(Boolean);
      return loaded.length === others.length ? pagefind : open(pagefind, loaded);
    });
  }

  // The engine once it loads; after a failure, the next search loads it again (a phone's connection comes back).
  // reload() has the next search load the index as it is now: the one loaded may name files a deploy (or serve's
  // newer index) has replaced since.
  function load() {
    if (!engine) {
      engine = Promise.all([import(bundle.href + "pagefind.js"), shards()]).then(function (loaded) {
        return open(loaded[0], loaded[1].map(function (shard) { return new URL(shard, bundle).href; }));
      }).catch(function (error) {
        engine = null;
        throw error;
      });
    }
    return engine;
  }

  function reload() { engine = null; }

  function node(tag, className, text) {
    var element = document.createElement(tag);
    if (className) element.className = className;
    if (text) element.textContent = text;
    return element;
  }

  // Pagefind's excerpt is escaped text with <mark> around the words found: keep exactly that, nothing else.
  function excerpt(html) {
    var parsed = document.createElement("template"), out = node("p", "excerpt");
    parsed.innerHTML = html;
    parsed.content.childNodes.forEach(function (child) {
      out.appendChild(child.nodeName === "MARK" ? node("mark", "", child.textContent) : document.createTextNode(child.textContent));
    });
    out.setAttribute("dir", "auto");
    return out;
  }

  function card(title, url, meta, text) {
    var item = node("li", "card"), heading = node("h2", ""), link = node("a", "", title);
    link.href = url;
    link.setAttribute("dir", "auto");
    heading.appendChild(link);
    item.appendChild(heading);
    var line = node("p", "meta");
    // between two parts, the pause a screen reader reads that the line's gap shows (see macros.html pause())
    meta.filter(Boolean).forEach(function (value, index) {
      if (index) line.appendChild(node("span", "sr-only", ", "));
      line.appendChild(node("span", "", value));
    });
    item.appendChild(line);
    item.appendChild(excerpt(text));
    return item;
  }

  // A list page (working on, won't do) stands for its items: each item found is its own result.
  function cards(data) {
    var meta = data.meta || {};
    if (meta.vocabulary) return [];   // a shard's vocabulary page, found without the list that names it
    var items = (data.sub_results || []).filter(function (sub) { return sub.url.indexOf("#") > 0 && !/#stage-/.test(sub.url); });
    if (!meta.date && items.length) {
      return items.map(function (sub) { return card(sub.title, sub.url, [meta.type], sub.excerpt); });
    }
    return [card(meta.title || data.url, data.url, [meta.type, meta.date, meta.stage], data.excerpt)];
  }

  function show(count) {
    var batch = pending.splice(0, count);
    return Promise.all(batch.map(function (result) { return result.data(); })).then(function (found) {
      found.forEach(function (data) { cards(data).forEach(function (item) { list.appendChild(item); }); });
      more.hidden = pending.length === 0;
    });
  }

  function counted(query) {
    var n = list.children.length, count = n + (pending.length ? "+" : "");
    status.textContent = say(plural.select(n) === "one" && !pending.length ? words.one : words.many, count, query);
  }

  function search(query) {
    var ticket = ++latest;
    query = query.trim();
    if (!query) { list.textContent = ""; status.textContent = ""; more.hidden = true; return; }
    status.textContent = words.searching;
    find(query, PAGE, ticket, false);
  }

  // The first `count` results for the query. A search that fails with an index loaded is tried once more with the
  // index loaded anew: the site may have been deployed again since, and the files the old one names be gone.
  function find(query, count, ticket, again) {
    var loaded = engine !== null;
    load().then(function (pagefind) { return pagefind.search(query); }).then(function (response) {
      if (ticket !== latest) return;
      list.textContent = "";
      pending = response.results.filter(function (result) { return !hidden[result.id]; });
      asked = query;
      return show(count).then(function () {
        if (ticket !== latest) return;
        if (list.children.length) counted(query);
        else status.textContent = say(words.none, "", query);
      });
    }).catch(function () {
      if (ticket !== latest) return;
      if (loaded && !again) {
        reload();
        find(query, count, ticket, true);
        return;
      }
      status.textContent = words.unavailable;
    });
  }

  function showMore() {
    var first = list.children.length, ticket = latest;
    show(PAGE).then(function () {
      if (ticket !== latest) return;
      counted(asked);
      // the button pressed may be gone with the last results: the reader goes on from the first new one
      var next = list.children[first];
      if (next) next.querySelector("a").focus();
    }, function () {   // (the index replaced since: these results and the next, from the index there now)
      if (ticket !== latest) return;
      reload();
      find(asked, first + PAGE, ticket, true);
    });
  }

  // browsers do not load Pagefind's module from a page opened from disk: say so at once, not after a query
  if (location.protocol === "file:") { status.textContent = words.unavailable; return; }
  form.hidden = false;
  function submit() {
    clearTimeout(timer);
    history.replaceState(null, "", "?q=" + encodeURIComponent(input.value));
    search(input.value);
  }
  form.querySelector("button").addEventListener("click", submit);
  input.addEventListener("keydown", function (event) { if (event.key === "Enter") submit(); });
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () { search(input.value); }, 250);
  });
  more.addEventListener("click", showMore);
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; search(initial); }
})();
