// The import page's progress. Without this script the form posts as any form
// does; with it, the same form is sent by XMLHttpRequest so the page can show
// how much of the file has gone (the server takes it no faster than it imports
// its rows) and, from the server, how many rows the import has taken. The
// server's answer then replaces the page's content.
(function () {
  'use strict';
  var lang = document.documentElement.lang === 'fa' ? 'fa-IR' : 'en-US';
  var figure = function (n) { return Number(n).toLocaleString(lang); };

  function bind() {
    var form = document.getElementById('import-form');
    if (!form || !window.XMLHttpRequest || !window.FormData || !window.fetch) { return; }
    form.addEventListener('submit', function (event) {
      var file = form.elements.file;
      if (!file.files || !file.files.length) { return; }
      event.preventDefault();
      var box = document.getElementById('import-progress');
      var bar = document.getElementById('upload-bar');
      var text = document.getElementById('progress-text');
      var ticket = form.elements.ticket.value;
      var seen = { bytes: 0, total: 0, rows: 0, polls: 0 };
      box.hidden = false;
      document.getElementById('upload').disabled = true;
      text.textContent = box.dataset.uploading;

      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action);
      xhr.upload.onprogress = function (e) {
        if (!e.lengthComputable) { return; }
        bar.max = e.total;
        bar.value = e.loaded;
        seen.bytes = e.loaded;
        seen.total = e.total;
      };
      var polling = true;
      var poll = function () {
        if (!polling) { return; }
        fetch('/registry/import/progress/' + ticket, { credentials: 'same-origin' })
          .then(function (r) { return r.ok ? r.json() : null; })
          .then(function (p) {
            if (p && polling) {
              seen.polls += 1;
              seen.rows = Math.max(seen.rows, p.read);
              text.textContent = p.waiting ? box.dataset.waiting : box.dataset.read + ': ' + figure(p.read);
            }
          })
          .catch(function () {})
          .then(function () { if (polling) { setTimeout(poll, 400); } });
      };
      setTimeout(poll, 200);
      var done = function (html) {
        polling = false;
        var next = new DOMParser().parseFromString(html, 'text/html');
        var main = next.querySelector('main');
        if (main) {
          document.querySelector('main').replaceWith(main);
          document.title = next.title;
        }
        // What the page saw on the way, for whoever checks it.
        document.body.dataset.importSeen = JSON.stringify(seen);
        bind();
        var result = document.getElementById('import-status') || document.querySelector('main h1');
        if (result) { result.setAttribute('tabindex', '-1'); result.focus(); }
      };
      xhr.onload = function () { done(xhr.responseText); };
      xhr.onerror = function () {
        polling = false;
        text.textContent = box.dataset.broken;
        document.getElementById('upload').disabled = false;
      };
      xhr.send(new FormData(form));
    });
  }
  bind();
}());
