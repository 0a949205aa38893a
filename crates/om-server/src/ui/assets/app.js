// om UI: small progressive enhancements. Every page works without this file; nothing here
// inserts HTML built from data (text only), and nothing opens a dialog.
'use strict';
(function () {
  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));

  // Selects that change the view submit their form.
  $$('select[data-autosubmit]').forEach((s) => s.addEventListener('change', () => {
    if (s.form && s.form.id === 'cascade') {
      // A new function category resets the application category below it.
      if (s.name === 'fun') { const app = $('#app'); if (app) app.value = ''; }
    }
    s.form.submit();
  }));

  // Relative and absolute times in the viewer's zone.
  function relative(ms) {
    const s = Math.round((Date.now() - ms) / 1000);
    const abs = Math.abs(s);
    const unit = abs < 60 ? [abs, 's'] : abs < 3600 ? [Math.round(abs / 60), 'min'] : abs < 86400 ? [Math.round(abs / 3600), 'h'] : [Math.round(abs / 86400), 'd'];
    return s >= 0 ? unit[0] + ' ' + unit[1] + ' ago' : 'in ' + unit[0] + ' ' + unit[1];
  }
  function times() {
    $$('time[data-ts]').forEach((t) => {
      const ms = Number(t.dataset.ts);
      if (!ms) return;
      const local = new Date(ms).toLocaleString();
      t.title = local + ' (' + new Date(ms).toISOString() + ')';
      t.textContent = relative(ms) + ' · ' + local;
    });
  }
  times();
  setInterval(times, 30000);

  // Server list: filter box and select-all over the visible servers.
  const filter = $('#server-filter');
  if (filter) {
    filter.addEventListener('input', () => {
      const q = filter.value.trim().toLowerCase();
      $$('#server-list li[data-name]').forEach((li) => { li.hidden = q !== '' && !li.dataset.name.includes(q); });
    });
  }
  const all = $('#select-all');
  if (all) {
    all.addEventListener('change', () => {
      $$('#server-list li[data-name]:not([hidden]) input[type=checkbox]:not([disabled])').forEach((c) => { c.checked = all.checked; });
    });
  }

  // Job page: per-host tabs and live output over SSE.
  const job = $('#job');
  if (!job) return;
  const tabs = $$('#host-tabs button');
  function show(host) {
    tabs.forEach((b) => b.setAttribute('aria-selected', String(b.dataset.tab === host)));
    $$('#terminal .pane').forEach((p) => { p.hidden = host !== '*' && p.dataset.host !== host; });
  }
  tabs.forEach((b) => b.addEventListener('click', () => show(b.dataset.tab)));
  $$('a.host-tab-link').forEach((a) => a.addEventListener('click', (e) => { e.preventDefault(); show(a.dataset.host); }));
  if (job.dataset.live !== 'true') return;

  const pane = (host) => $$('#terminal .pane').find((p) => p.dataset.host === host);
  const row = (host) => $$('#hosts tr[data-host]').find((r) => r.dataset.host === host);
  function setStatus(el, status) {
    if (!el) return;
    el.textContent = status;
    el.className = 'status s-' + status;
  }
  function setHost(host, status, rc, duration, message) {
    const r = row(host);
    if (r) {
      setStatus($('[data-field=status]', r), status);
      if (rc !== undefined) $('[data-field=rc]', r).textContent = rc === null ? '' : String(rc);
      if (duration !== undefined) $('[data-field=duration]', r).textContent = duration;
      if (message !== undefined) $('[data-field=message]', r).textContent = message;
    }
    const p = pane(host);
    if (p) setStatus($('header [data-field=status]', p), status);
  }
  // ANSI SGR colours become classes on text spans; every other byte stays text.
  const state = {};
  function append(host, stream, text) {
    const p = pane(host);
    if (!p) return;
    const pre = $('pre', p);
    const st = state[host] || (state[host] = { classes: [] });
    const parts = text.split(/\x1b\[([0-9;]*)m/);
    for (let i = 0; i < parts.length; i++) {
      if (i % 2 === 1) {
        const codes = parts[i] === '' ? ['0'] : parts[i].split(';');
        codes.forEach((c) => {
          if (c === '0' || c === '') st.classes = [];
          else if (c === '1') st.classes.push('a-bold');
          else if (/^3[0-7]$/.test(c)) st.classes = st.classes.filter((k) => !/^a-3/.test(k)).concat('a-' + c);
        });
        continue;
      }
      if (parts[i] === '') continue;
      const span = document.createElement('span');
      span.className = [stream].concat(st.classes).join(' ');
      span.textContent = parts[i].replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      pre.appendChild(span);
    }
  }
  function ms(us) { return us < 1e6 ? Math.round(us / 1000) + ' ms' : (us / 1e6).toFixed(1) + ' s'; }

  const source = new EventSource('/api/v1/jobs/' + job.dataset.job + '/events');
  setStatus($('#job-status'), 'running');
  source.addEventListener('output', (e) => {
    const ev = JSON.parse(e.data);
    const r = row(ev.host);
    if (r && /pending/.test($('[data-field=status]', r).textContent)) setHost(ev.host, 'running');
    append(ev.host, ev.stream, ev.data);
  });
  source.addEventListener('host_result', (e) => {
    const ev = JSON.parse(e.data);
    const o = ev.outcome || {};
    const res = o.result || {};
    const msg = o.error ? (o.error.phase + ': ' + o.error.message) : (res.msg || '');
    setHost(ev.host, o.status, res.rc === undefined ? null : res.rc, ms(o.elapsed_us || 0), msg);
  });
  source.addEventListener('job_finished', (e) => {
    const ev = JSON.parse(e.data);
    setStatus($('#job-status'), ev.status);
    const c = ev.counts;
    $('#job-recap').textContent = 'ok ' + c.ok + ' · changed ' + c.changed + ' · failed ' + c.failed + ' · unreachable ' + c.unreachable + ' · lost ' + c.lost + ' · of ' + ev.hosts_total;
    $('#job-reason').textContent = ev.reason || '';
    job.dataset.live = 'false';
    job.dataset.finished = 'true';
    source.close();
    // Hosts closed without a result (cancelled, lost) get their final status from the page.
    setTimeout(() => { if (document.visibilityState === 'visible') window.location.reload(); }, 1500);
  });
})();
