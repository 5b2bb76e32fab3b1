// Draws the workflow diagram from its mermaid source (kept in a <template>; a <noscript> copy shows without JS).
(function () {
  var holder = document.getElementById("workflow-diagram");
  var source = document.getElementById("diagram-source");
  if (!holder || !source || !window.mermaid) { return; }
  var text = source.content.textContent;
  window.mermaid.initialize({ startOnLoad: false, securityLevel: "strict", theme: "neutral",
    flowchart: { nodeSpacing: 70, rankSpacing: 70, padding: 12 } });
  window.mermaid.render("workflow-diagram-svg", text).then(function (out) {
    holder.innerHTML = out.svg;
    holder.setAttribute("data-rendered", "1");
  }).catch(function () {
    var pre = document.createElement("pre");
    pre.textContent = text;
    holder.appendChild(pre);
  });
})();
