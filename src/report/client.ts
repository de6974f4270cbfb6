/**
 * The report page's own script (plain ES2019, no libraries, no network): it reads the embedded
 * model and builds the timeline, the task × host matrix, failures, diffs and the recap, each
 * section as one HTML string (one DOM write per section keeps 1,000 hosts fast).
 */
export const CLIENT_SCRIPT = String.raw`
(function () {
  'use strict';
  var m = JSON.parse(document.getElementById('model').textContent);
  var ST = ['ok', 'changed', 'failed', 'unreachable', 'skipped', 'ignored'];
  var MAX_ROWS_DETAIL = 300;
  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]; });
  }
  function secs(ms) { return (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s'; }
  function taskLabel(t) { return (t.handler ? 'handler: ' : '') + (t.role ? t.role + ' : ' : '') + t.name; }
  function set(id, html) { document.getElementById(id).innerHTML = html; }

  var byTask = m.tasks.map(function () { return []; });
  var byHost = m.hosts.map(function () { return []; });
  m.results.forEach(function (r) { byTask[r[0]].push(r); byHost[r[1]].push(r); });

  function summary() {
    var t = { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 };
    Object.keys(m.recap).forEach(function (h) { var s = m.recap[h]; Object.keys(t).forEach(function (k) { t[k] += s[k]; }); });
    var state = m.interrupted ? 'interrupted' : t.unreachable ? 'unreachable' : t.failed || m.stops.length ? 'failed' : 'ok';
    var parts = Object.keys(t).map(function (k) { return '<span class="pill s-' + k + '">' + k + ' ' + t[k] + '</span>'; });
    set('summary', '<span class="state s-' + state + '" id="run-state">' + state + '</span> ' + esc(m.file) + (m.check ? ' <span class="pill">check mode</span>' : '') +
      ' · ' + m.hosts.length + ' hosts · ' + m.tasks.length + ' tasks · ' + secs(m.durationMs) + ' · started ' + esc(new Date(m.start).toISOString().replace('T', ' ').slice(0, 19)) + ' UTC<br>' + parts.join(' '));
  }

  function stops() {
    set('stops', m.stops.map(function (s) {
      var who = s.failed.map(function (f) { return esc(f.host) + ' (' + f.status + ')'; }).join(', ');
      var why = s.cause === 'max_fail_percentage' ? 'max_fail_percentage ' + (s.maxFailPercentage || 0) + ' exceeded by ' + who : s.cause === 'any_errors_fatal' ? 'any_errors_fatal: ' + who : 'every host of the batch failed: ' + who;
      return '<div class="stop">' + (s.count > 1 ? 'rollout stopped after batch ' + s.batch + ' of ' + s.count : 'play ' + esc(s.play) + ' stopped') + ': ' + why + '; ' + s.notStarted.length + ' hosts not started' +
        (s.notStarted.length ? '<div class="small">not started: ' + esc(s.notStarted.join(', ')) + '</div>' : '') + (s.playsNotRun.length ? '<div class="small">plays not run: ' + esc(s.playsNotRun.join(', ')) + '</div>' : '') + '</div>';
    }).join(''));
  }

  function seg(left, width, cls, title, text) {
    return '<span class="seg ' + cls + '" style="left:' + left.toFixed(3) + '%;width:' + Math.max(0.15, width).toFixed(3) + '%" title="' + esc(title) + '">' + (text ? esc(text) : '') + '</span>';
  }

  function timeline() {
    var html = [];
    m.plays.forEach(function (p, pi) {
      var span = Math.max(1, p.end - p.start);
      var pct = function (t) { return ((t - p.start) / span) * 100; };
      html.push('<h3 class="play">PLAY ' + esc(p.name) + ' <span class="small">' + p.hosts + ' hosts · ' + secs(p.end - p.start) + '</span></h3>');
      var batches = p.batches.length ? p.batches : [{ index: 1, count: 1, hosts: [], start: p.start, end: p.end }];
      batches.forEach(function (b, bi) {
        var tasks = [];
        m.tasks.forEach(function (t, ti) { if (t.play === pi && t.batch === bi) tasks.push(ti); });
        var hosts = b.hosts.length ? b.hosts : uniqueHosts(tasks);
        html.push('<div class="batch" data-batch="' + b.index + '"><div class="row head"><span class="name">' + (b.count > 1 ? 'batch ' + b.index + '/' + b.count : 'tasks') + ' <span class="small">' + secs(b.end - b.start) + '</span></span><span class="track">');
        tasks.forEach(function (ti) {
          var t = m.tasks[ti];
          var bad = byTask[ti].some(function (r) { return r[2] === 2 || r[2] === 3; });
          html.push(seg(pct(t.start), pct(t.end) - pct(t.start), 'task' + (bad ? ' bad' : ''), taskLabel(t) + ' · ' + secs(t.end - t.start), taskLabel(t)));
        });
        html.push('</span></div>');
        hosts.forEach(function (h) {
          html.push('<div class="row"><span class="name">' + esc(m.hosts[h]) + '</span><span class="track">');
          byHost[h].forEach(function (r) {
            var t = m.tasks[r[0]];
            if (t.play !== pi || t.batch !== bi) return;
            html.push(seg(pct(r[3]), (r[4] / span) * 100, 's-' + ST[r[2]], m.hosts[h] + ' · ' + taskLabel(t) + ' · ' + ST[r[2]] + ' · ' + secs(r[4])));
          });
          html.push('</span></div>');
        });
        html.push('</div>');
      });
    });
    set('timeline', html.join(''));
  }

  function uniqueHosts(tasks) {
    var seen = {};
    var out = [];
    tasks.forEach(function (ti) { byTask[ti].forEach(function (r) { if (!seen[r[1]]) { seen[r[1]] = 1; out.push(r[1]); } }); });
    return out;
  }

  function matrix() {
    // one row per task of a play (its batches merged), one column per host, in inventory order
    var rows = [];
    var rowOf = {};
    m.tasks.forEach(function (t, ti) {
      var key = t.play + '\u0000' + taskLabel(t);
      var row = rowOf[key];
      if (row === undefined) { row = rowOf[key] = rows.length; rows.push({ t: t, cells: {} }); }
      byTask[ti].forEach(function (r) { rows[row].cells[r[1]] = r; });
    });
    var head = '<tr><th>task</th><th class="small">' + m.hosts.length + ' hosts, one column each (hover a cell)</th></tr>';
    var html = rows.map(function (row) {
      var cells = [];
      for (var h = 0; h < m.hosts.length; h++) {
        var r = row.cells[h];
        cells.push(r ? '<i class="s-' + ST[r[2]] + '" title="' + esc(m.hosts[h] + ': ' + ST[r[2]] + ' · ' + secs(r[4])) + '"></i>' : '<i class="none" title="' + esc(m.hosts[h]) + ': not run"></i>');
      }
      return '<tr><th class="tname">' + esc(m.plays[row.t.play] ? m.plays[row.t.play].name + ' › ' : '') + esc(taskLabel(row.t)) + '</th><td class="cells">' + cells.join('') + '</td></tr>';
    });
    set('matrix', '<table>' + head + html.join('') + '</table>');
  }

  function where(d) { return '<b>' + esc(taskLabel(m.tasks[d.task])) + '</b> on <b>' + esc(m.hosts[d.host]) + '</b>'; }

  function failures() {
    var list = m.details.filter(function (d) { return d.status === 'failed' || d.status === 'unreachable' || d.status === 'ignored'; });
    var shown = list.slice(0, MAX_ROWS_DETAIL).map(function (d) {
      var body = {};
      if (d.msg !== undefined) body.msg = d.msg;
      Object.keys(d.detail || {}).forEach(function (k) { body[k] = d.detail[k]; });
      var r = m.results.find(function (x) { return x[0] === d.task && x[1] === d.host; });
      return '<div class="failure s-' + d.status + '-border">' + where(d) + ' · ' + d.status.toUpperCase() + (r ? ' after ' + secs(r[4]) : '') + '<pre>' + esc(JSON.stringify(body, null, 2)) + '</pre></div>';
    });
    set('failures', shown.length ? shown.join('') + more(list.length) : '<p class="small">no failures</p>');
  }

  function more(n) { return n > MAX_ROWS_DETAIL ? '<p class="small">and ' + (n - MAX_ROWS_DETAIL) + ' more</p>' : ''; }

  function diffs() {
    var list = m.details.filter(function (d) { return d.diff; });
    var shown = list.slice(0, MAX_ROWS_DETAIL).map(function (d) {
      var lines = d.diff.replace(/\n$/, '').split('\n').map(function (l) {
        var c = /^(\+\+\+|---)/.test(l) ? 'dh' : l[0] === '+' ? 'da' : l[0] === '-' ? 'dd' : l.slice(0, 2) === '@@' ? 'dk' : '';
        return '<span class="' + c + '">' + esc(l) + '</span>';
      });
      return '<details class="diff"><summary>' + where(d) + '</summary><pre>' + lines.join('\n') + '</pre></details>';
    });
    var outs = m.details.filter(function (d) { return d.output !== undefined; }).slice(0, MAX_ROWS_DETAIL).map(function (d) {
      return '<details class="diff"><summary>' + where(d) + ' (output)</summary><pre>' + esc(typeof d.output === 'string' ? d.output : JSON.stringify(d.output, null, 2)) + '</pre></details>';
    });
    set('diffs', shown.length || outs.length ? shown.join('') + more(list.length) + outs.join('') : '<p class="small">no diffs (run with --diff to record them)</p>');
  }

  function recap() {
    var cols = ['ok', 'changed', 'unreachable', 'failed', 'skipped', 'rescued', 'ignored'];
    var rows = Object.keys(m.recap).map(function (h) {
      var s = m.recap[h];
      var cls = s.unreachable ? 's-unreachable' : s.failed ? 's-failed' : s.changed ? 's-changed' : 's-ok';
      return '<tr><th class="' + cls + '-text">' + esc(h) + '</th>' + cols.map(function (k) { return '<td' + (s[k] ? ' class="nz"' : '') + '>' + s[k] + '</td>'; }).join('') + '</tr>';
    });
    set('recap', '<table class="recap"><tr><th>host</th>' + cols.map(function (k) { return '<th>' + k + '</th>'; }).join('') + '</tr>' + rows.join('') + '</table>');
  }

  function warnings() {
    set('warnings', m.warnings.map(function (w) { return '<div class="warn">[WARNING] ' + esc(w) + '</div>'; }).join(''));
  }

  var t0 = performance.now();
  summary(); stops(); warnings(); timeline(); matrix(); failures(); diffs(); recap();
  document.body.setAttribute('data-rendered-ms', String(Math.round(performance.now() - t0)));
  document.body.classList.add('ready');
})();
`;
