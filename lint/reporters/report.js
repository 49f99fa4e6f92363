(function () {
  "use strict";
  // Data reaches the page only through textContent: nothing here parses HTML.
  var data = JSON.parse(document.getElementById("tl-data").textContent);
  var rows = data.findings;
  var body = document.getElementById("tl-rows");
  var ruleSel = document.getElementById("tl-rule");
  var sevSel = document.getElementById("tl-sev");
  var search = document.getElementById("tl-search");
  var count = document.getElementById("tl-count");
  var MAX_DOM = 1000;  // rows in the DOM at once; the filter narrows the rest

  rows.forEach(function (f) {
    f.q = [f.p, f.c, f.n, f.m, f.v, f.d, f.r.join(" ")].join("\n").toLowerCase();
  });

  function td(tr, text, cls) {
    var cell = document.createElement("td");
    if (cls) { cell.className = cls; }
    cell.textContent = text;
    tr.appendChild(cell);
    return cell;
  }

  function row(f) {
    var tr = document.createElement("tr");
    td(tr, f.w).title = f.p;
    var code = td(tr, f.c);
    var name = document.createElement("span");
    name.className = "tl-details";
    name.textContent = f.n;
    code.appendChild(name);
    td(tr, f.m);
    var cell = td(tr, "");
    if (f.v) {
      var v = document.createElement("span");
      v.className = "tl-val";
      v.textContent = f.v;
      cell.appendChild(v);
    }
    if (f.d) {
      var d = document.createElement("span");
      d.className = "tl-details";
      d.textContent = f.d;
      cell.appendChild(d);
    }
    td(tr, f.r.join("\n")).style.whiteSpace = "pre-line";
    return tr;
  }

  function render() {
    var rule = ruleSel.value, sev = sevSel.value, q = search.value.trim().toLowerCase();
    var frag = document.createDocumentFragment(), n = 0;
    for (var i = 0; i < rows.length; i++) {
      var f = rows[i];
      if ((rule && f.c !== rule) || (sev && f.s !== sev) || (q && f.q.indexOf(q) < 0)) { continue; }
      n++;
      if (n <= MAX_DOM) { frag.appendChild(row(f)); }
    }
    body.replaceChildren(frag);
    var total = rule ? (data.counts[rule] || 0) : data.total;
    var text = n.toLocaleString() + " shown";
    if (n > MAX_DOM) { text = MAX_DOM.toLocaleString() + " of " + n.toLocaleString() + " matching shown (narrow the search)"; }
    if (rows.length < data.total) { text += "; " + total.toLocaleString() + " in the report" + (rule ? " for " + rule : ""); }
    count.textContent = text;
  }

  var timer = null;
  search.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(render, 120); });
  ruleSel.addEventListener("change", render);
  sevSel.addEventListener("change", render);
  document.querySelectorAll("[data-rule]").forEach(function (g) {
    g.addEventListener("click", function () {
      var code = g.getAttribute("data-rule").split(" ")[0];
      ruleSel.value = ruleSel.value === code ? "" : code;
      render();
      ruleSel.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  });
  render();
})();
