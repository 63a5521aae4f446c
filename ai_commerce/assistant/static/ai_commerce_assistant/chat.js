/* The assistant's chat box: posts questions to the API and shows the replies with their sources. Without this
   script the same form posts to the page and the page shows the conversation. No outside dependency. */
(function () {
  "use strict";
  function init(box) {
    var form = box.querySelector("form"), log = box.querySelector(".ai-assistant-log");
    var input = form.querySelector("input[name=message]"), product = form.querySelector("input[name=product]");
    var csrf = form.querySelector("input[name=csrfmiddlewaretoken]");
    var conversation = box.dataset.conversation || null, shown = {}, polling = null;
    Array.prototype.forEach.call(log.children, function (li) { shown[li.dataset.id] = true; });

    function post(url, body) {
      return fetch(url, {method: "POST", credentials: "same-origin",
        headers: {"Content-Type": "application/json", "X-CSRFToken": csrf ? csrf.value : ""},
        body: JSON.stringify(body)}).then(function (r) { return r.json().then(function (d) { d._status = r.status; return d; }); });
    }
    function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text) e.textContent = text; return e; }
    function feedback(m, li) {
      var p = el("span", "ai-feedback", "Did this answer your question? ");
      [["Yes", true], ["No", false]].forEach(function (pair) {
        var b = el("button", "ai-feedback-" + pair[0].toLowerCase(), pair[0]); b.type = "button";
        b.addEventListener("click", function () {
          post(box.dataset.feedback, {message: m.id, helpful: pair[1]}).then(function () { p.textContent = "Thank you."; });
        });
        p.appendChild(b);
      });
      li.appendChild(p);
    }
    function render(m) {
      if (shown[m.id]) return; shown[m.id] = true;
      var li = el("li", "ai-msg ai-msg-" + m.role); li.dataset.id = m.id;
      li.appendChild(el("span", "ai-who", m.role === "shopper" ? "You" : (m.role === "staff" ? "Staff" : "Assistant")));
      li.appendChild(document.createTextNode(" "));
      li.appendChild(el("span", "ai-text", m.text));
      if (m.sources && m.sources.length) {
        var s = el("span", "ai-sources", "Sources: ");
        m.sources.forEach(function (src, i) {
          var a = src.url ? el("a", null, src.label) : el("span", null, src.label);
          if (src.url) a.href = src.url;
          if (i) s.appendChild(document.createTextNode(", "));
          s.appendChild(a);
        });
        li.appendChild(s);
      }
      if (m.role === "assistant" && m.outcome === "answered") feedback(m, li);
      if (m.role === "assistant" && m.outcome === "unknown") {
        var h = el("button", "ai-human", "Talk to a person"); h.type = "button";
        h.addEventListener("click", function () { post(box.dataset.human, {conversation: conversation}).then(update); });
        li.appendChild(h);
      }
      log.appendChild(li);
      log.scrollTop = log.scrollHeight;  // the newest message in view, a staff reply too
    }
    function update(data) {
      if (data._status !== 200) {
        var msg = data.detail || (data.message && data.message.join(" ")) || "Sorry, that did not work.";
        render({id: "e" + Date.now(), role: "assistant", text: msg}); return;
      }
      conversation = data.conversation;
      (data.messages || []).forEach(render);
      if (data.status !== "open") {  // handed over: a second request for a person would say nothing new
        Array.prototype.forEach.call(box.querySelectorAll("button.ai-human"), function (b) { b.disabled = true; });
      }
      if ((data.status === "handed_over") && !polling) polling = setInterval(poll, 5000);
      if (data.status === "answered" && polling) { clearInterval(polling); polling = null; }
    }
    function poll() {
      if (!conversation) return;
      fetch(box.dataset.transcript.replace(/0\/$/, conversation + "/"), {credentials: "same-origin"})
        .then(function (r) { return r.json().then(function (d) { d._status = r.status; return d; }); }).then(update);
    }
    form.addEventListener("submit", function (event) {
      var human = event.submitter && event.submitter.name === "human";
      event.preventDefault();
      if (human) { post(box.dataset.human, {conversation: conversation}).then(update); return; }
      var text = input.value.trim(); if (!text) return;
      var body = {message: text}; if (conversation) body.conversation = Number(conversation);
      if (product && product.value) body.product = Number(product.value);
      input.value = ""; input.focus();
      post(box.dataset.api, body).then(update);
    });
    if (conversation) poll();
  }
  document.querySelectorAll(".ai-assistant").forEach(init);
})();
