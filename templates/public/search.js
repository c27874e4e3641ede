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
  var PAGE = 10, engine = null, latest = 0, pending = [], timer = null;

  // A large site's index comes in shards (pagefind/shards.json lists them; see site_gen/search_index.py):
  // Pagefind searches them all and ranks their results together.
  function shards() {
    return fetch(bundle.href + "shards.json").then(function (response) {
      return response.ok ? response.json() : { shards: [] };
    }).then(function (listed) { return listed.shards || []; }, function () { return []; });
  }

  function load() {
    if (!engine) {
      var options = { baseUrl: bundle.pathname.replace(/pagefind\/$/, "") };
      engine = Promise.all([import(bundle.href + "pagefind.js"), shards()]).then(function (loaded) {
        var pagefind = loaded[0];
        return pagefind.options(options).then(function () {
          return Promise.all(loaded[1].map(function (shard) {
            return pagefind.mergeIndex(new URL(shard, bundle).href, options);
          }));
        }).then(function () { return pagefind; });
      });
    }
    return engine;
  }

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

  function search(query) {
    var ticket = ++latest;
    query = query.trim();
    if (!query) { list.textContent = ""; status.textContent = ""; more.hidden = true; return; }
    status.textContent = words.searching;
    load().then(function (pagefind) { return pagefind.search(query); }).then(function (response) {
      if (ticket !== latest) return;
      list.textContent = "";
      pending = response.results.slice();
      if (!pending.length) {
        status.textContent = say(words.none, "", query);
        more.hidden = true;
        return;
      }
      return show(PAGE).then(function () {
        var n = list.children.length;
        var count = n + (pending.length ? "+" : "");
        status.textContent = say(plural.select(n) === "one" && !pending.length ? words.one : words.many, count, query);
      });
    }).catch(function () {
      if (ticket === latest) status.textContent = words.unavailable;
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
  more.addEventListener("click", function () { show(PAGE); });
  var initial = new URLSearchParams(location.search).get("q");
  if (initial) { input.value = initial; search(initial); }
})();
