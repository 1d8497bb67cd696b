/* Analytics dashboards: draw every chart from its data-option attribute (ECharts option
 * built on the server). No inline scripts: the page's CSP allows only files from 'self'. */
(function () {
  'use strict';
  var charts = [];

  function draw(el) {
    if (el.getAttribute('data-ready') === '1' || typeof echarts === 'undefined') {
      return;
    }
    var option;
    try {
      option = JSON.parse(el.getAttribute('data-option'));
    } catch (err) {
      el.setAttribute('data-error', 'bad-option');
      return;
    }
    var chart = echarts.init(el, null, { renderer: 'canvas' });
    chart.setOption(option);
    el.setAttribute('data-ready', '1');
    charts.push(chart);
  }

  function drawAll(root) {
    var nodes = (root || document).querySelectorAll('.analytics-chart[data-option]');
    Array.prototype.forEach.call(nodes, draw);
  }

  var pending = null;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      charts.forEach(function (chart) { chart.resize(); });
    }, 150);
  });
  document.addEventListener('htmx:afterSwap', function (event) { drawAll(event.target); });
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', function () { drawAll(document); });
  } else {
    drawAll(document);
  }
}());
