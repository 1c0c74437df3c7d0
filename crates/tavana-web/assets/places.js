// A place field whose offices cover several counties: picking the county first
// fills the field's suggestions with that county's villages and cities. Without
// this script the field still takes a code or a name, as typed.
(function () {
  'use strict';
  document.querySelectorAll('select[data-narrows]').forEach(function (select) {
    var input = document.getElementById(select.dataset.narrows);
    var list = input && document.getElementById(input.getAttribute('list'));
    if (!list || !window.fetch) { return; }
    select.addEventListener('change', function () {
      if (!select.value) { return; }
      fetch(select.dataset.source + '?county=' + encodeURIComponent(select.value), { credentials: 'same-origin' })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (places) {
          var options = places.map(function (p) {
            var option = document.createElement('option');
            option.value = p.code;
            option.label = p.label;
            option.textContent = p.label;
            return option;
          });
          list.replaceChildren.apply(list, options);
          list.dataset.county = select.value;
        })
        .catch(function () {});
    });
  });
}());
