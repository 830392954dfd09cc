// The AITBC web console: one page, routed by the URL's fragment (#/jobs, #/jobs/ID, #/stats,
// #/submit, #/ops). It talks to the public API with the signed-in key in X-Api-Key and to the
// WebSocket feed (authenticated by its first message), exactly as any other client does.
//
// Safety rules kept throughout: every text from clients or miners is put into the page with
// textContent / text nodes (the el() helper below), never parsed as HTML; the key lives only in
// sessionStorage and in request headers, never in a URL, the page or a log.
'use strict';

(() => {
  const KEY = 'aitbc.console.key';
  const ROLE = 'aitbc.console.role';
  const STATUSES = ['pending', 'assigned', 'running', 'canceling', 'completed', 'failed', 'canceled'];
  const FINAL = new Set(['completed', 'failed', 'canceled']);
  const main = document.getElementById('main');
  let pageFeed = null; // the WebSocket of the page shown, closed when the page changes
  let charts = []; // ECharts instances of the page shown, disposed with it

  // ---- DOM and formatting helpers ------------------------------------------------------

  /** Builds an element; string children become text nodes, so nothing is ever parsed as HTML. */
  function el(tag, props, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') e[k] = v;
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  function toast(message) {
    const t = el('div', {}, message);
    document.getElementById('toast').append(t);
    setTimeout(() => t.remove(), 5000);
  }

  /** A time in the browser's local time, with the UTC instant on hover. */
  function time(iso) {
    if (!iso) return el('span', { class: 'muted' }, '–');
    const d = new Date(iso);
    return el('time', { datetime: iso, title: 'UTC ' + d.toISOString() }, d.toLocaleString());
  }

  function money(v) {
    if (v === null || v === undefined) return '–';
    return Number(v).toLocaleString(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 6 }) + ' AITBC';
  }

  function bytes(n) {
    if (n === null || n === undefined) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    let v = Number(n);
    while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return (i === 0 ? String(v) : v.toFixed(1)) + ' ' + units[i];
  }

  function seconds(s) {
    if (s === null || s === undefined) return '–';
    s = Number(s);
    if (s < 90) return s.toFixed(1) + ' s';
    if (s < 5400) return (s / 60).toFixed(1) + ' min';
    return (s / 3600).toFixed(1) + ' h';
  }

  function statusBadge(status) {
    return el('span', { class: 'status status-' + status, 'data-status': status }, status);
  }

  function progressCell(p) {
    return [el('progress', { max: 100, value: p || 0 }), ' ', el('span', { class: 'pct' }, (p || 0) + '%')];
  }

  // ---- the API -------------------------------------------------------------------------

  const key = () => sessionStorage.getItem(KEY);
  const isAdmin = () => sessionStorage.getItem(ROLE) === 'admin';

  class ApiError extends Error {
    constructor(status, body) {
      super((body && body.message) || 'HTTP ' + status);
      this.status = status;
      this.body = body || {};
    }
  }

  /** One call with the signed-in key; JSON in and out; the API's error shape becomes an ApiError. */
  async function api(method, path, body, { raw = false, signedIn = key() } = {}) {
    const headers = { Accept: 'application/json' };
    if (signedIn) headers['X-Api-Key'] = signedIn;
    const binary = body instanceof Blob;
    if (body !== undefined) headers['Content-Type'] = binary ? 'application/octet-stream' : 'application/json';
    const r = await fetch(path, {
      method, headers, cache: 'no-store', credentials: 'omit',
      body: body === undefined ? undefined : binary ? body : JSON.stringify(body),
    });
    if (raw && r.ok) return r;
    const text = await r.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
    if (!r.ok) {
      if (r.status === 401 && signedIn === key()) {
        signOut('Your key was not accepted any more; sign in again.');
      }
      throw new ApiError(r.status, data && data.error);
    }
    return data;
  }

  function qs(params) {
    const u = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') u.set(k, v);
    const s = u.toString();
    return s ? '?' + s : '';
  }

  /** Shows an API error where the page is; returns the element. */
  function errorBox(e) {
    return el('p', { class: 'error', role: 'alert' }, e instanceof ApiError
      ? (e.body.code ? e.body.code + ': ' : '') + e.message
      : 'The request did not complete: ' + e.message);
  }

  // ---- the live feed -------------------------------------------------------------------

  /**
   * Follows the WebSocket feed: all of the caller's jobs, or one job. After a dropped connection
   * it reconnects and subscribes after the last event id it received, so nothing is missed, and
   * says so in the status element.
   */
  function openFeed({ jobId = null, after = null, onEvent, statusEl }) {
    let last = after;
    let ws = null;
    let closed = false;
    let drops = 0;
    let resumeFrom = null;
    let pinger = null;
    const say = (text, live) => {
      if (!statusEl) return;
      statusEl.textContent = text;
      statusEl.className = 'feed ' + (live ? 'live' : 'down');
      statusEl.dataset.state = live ? 'live' : 'down';
      if (resumeFrom !== null) statusEl.dataset.resumedAfter = String(resumeFrom);
    };
    function connect() {
      const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/v1/jobs/ws';
      ws = new WebSocket(url);
      say('connecting…', false);
      ws.onopen = () => ws.send(JSON.stringify({ action: 'auth', api_key: key() }));
      ws.onmessage = (m) => {
        let d;
        try { d = JSON.parse(m.data); } catch (e) { return; }
        if (d.type === 'authenticated') {
          if (jobId) ws.send(JSON.stringify({ action: 'subscribe', job_id: jobId, after_event_id: last || 0 }));
          else if (last !== null) ws.send(JSON.stringify({ action: 'subscribe', after_event_id: last }));
          else { last = d.after_event_id; say('live', true); }
        } else if (d.type === 'caught_up') {
          say(drops > 0 ? 'live (reconnected, resumed after event ' + resumeFrom + ')' : 'live', true);
        } else if (d.type === 'resync') {
          last = d.last_event_id;
        } else if (d.type === 'error') {
          say('feed: ' + ((d.error && d.error.message) || 'error'), false);
        } else if (typeof d.event_id === 'number') {
          if (last === null || d.event_id > last) {
            last = d.event_id;
            onEvent(d);
          }
        }
      };
      ws.onclose = () => {
        if (closed) return;
        drops++;
        resumeFrom = last;
        say('connection lost; reconnecting…', false);
        setTimeout(() => { if (!closed) connect(); }, Math.min(5000, 500 * drops));
      };
    }
    connect();
    pinger = setInterval(() => { if (ws && ws.readyState === 1) ws.send('{"action":"ping"}'); }, 30000);
    return {
      close() { closed = true; clearInterval(pinger); if (ws) ws.close(); },
      /** Drops the connection as a network would: for showing (and testing) the resume. */
      drop() { if (ws) ws.close(); },
      get lastEventId() { return last; },
    };
  }

  // ---- sign-in -------------------------------------------------------------------------

  function signOut(message) {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLE);
    if (location.hash !== '#/signin') location.hash = '#/signin';
    else route();
    if (message) toast(message);
  }

  function signInPage() {
    const input = el('input', { id: 'api-key', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true, 'aria-label': 'API key' });
    const problem = el('p', { class: 'error', id: 'signin-error', role: 'alert' });
    const form = el('form', { class: 'card signin', id: 'signin-form', onsubmit: async (ev) => {
      ev.preventDefault();
      problem.textContent = '';
      const candidate = input.value.trim();
      if (!candidate) { problem.textContent = 'Enter your API key.'; return; }
      try {
        await api('GET', '/v1/jobs?limit=1', undefined, { signedIn: candidate });
      } catch (e) {
        problem.textContent = e.status === 401 ? 'That key is not accepted.' : 'Sign-in failed: ' + e.message;
        return;
      }
      let role = 'client';
      try {
        await api('GET', '/v1/admin/miners?limit=1', undefined, { signedIn: candidate });
        role = 'admin';
      } catch (e) { /* 403: not an admin key */ }
      sessionStorage.setItem(KEY, candidate);
      sessionStorage.setItem(ROLE, role);
      input.value = '';
      location.hash = '#/jobs';
    } },
    el('h1', {}, 'Sign in'),
    el('p', { class: 'muted' }, 'With your API key (a client key sees its own jobs, an admin key every client\'s and the operator pages). ' +
      'It is kept in this tab\'s session storage only and forgotten when you sign out or close the tab.'),
    el('label', {}, 'API key', input),
    problem,
    el('p', {}, el('button', { type: 'submit', class: 'primary', id: 'sign-in' }, 'Sign in')));
    main.replaceChildren(form);
    input.focus();
  }

  // ---- jobs ----------------------------------------------------------------------------

  function hashParams() {
    const h = location.hash;
    const i = h.indexOf('?');
    return new URLSearchParams(i < 0 ? '' : h.slice(i + 1));
  }

  function jobRow(j) {
    return el('tr', { 'data-job-id': j.job_id, 'data-created': j.created_at },
      el('td', { class: 'mono' }, el('a', { href: '#/jobs/' + encodeURIComponent(j.job_id) }, j.job_id)),
      el('td', { class: 'c-status' }, statusBadge(j.status)),
      el('td', { class: 'c-progress' }, progressCell(j.progress)),
      el('td', { class: 'c-model' }, j.model || '–'),
      el('td', { class: 'hide-narrow' }, j.priority),
      el('td', { class: 'c-miner hide-narrow' }, j.miner_id || '–'),
      el('td', {}, time(j.created_at)),
      el('td', { class: 'c-cost' }, j.cost !== null && j.cost !== undefined ? money(j.cost) : '≈ ' + money(j.estimated_cost)));
  }

  function updateRow(row, j) {
    row.querySelector('.c-status').replaceChildren(statusBadge(j.status));
    row.querySelector('.c-progress').replaceChildren(...progressCell(j.progress));
    row.querySelector('.c-miner').textContent = j.miner_id || '–';
    if (j.cost !== undefined) {
      row.querySelector('.c-cost').textContent = j.cost !== null ? money(j.cost) : '≈ ' + money(j.estimated_cost);
    }
  }

  async function jobsPage() {
    const p = hashParams();
    const chosen = new Set((p.get('status') || '').split(',').filter(Boolean));
    const filters = { status: [...chosen].join(','), days: p.get('days') || '', from: p.get('from') || '', to: p.get('to') || '', limit: p.get('limit') || '20' };
    const boxes = STATUSES.map((s) => el('label', { class: 'inline' },
      el('input', { type: 'checkbox', name: 'status', value: s, checked: chosen.has(s), 'data-status-filter': s }), s));
    const days = el('input', { type: 'number', min: 1, max: 36500, id: 'f-days', value: filters.days, style: undefined, size: 5 });
    const from = el('input', { type: 'date', id: 'f-from', value: filters.from });
    const to = el('input', { type: 'date', id: 'f-to', value: filters.to });
    const form = el('form', { class: 'card', id: 'filters', onsubmit: (ev) => {
      ev.preventDefault();
      const st = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      location.hash = '#/jobs' + qs({ status: st.join(','), days: days.value, from: from.value, to: to.value, limit: filters.limit === '20' ? '' : filters.limit });
    } },
    el('div', { class: 'row' }, boxes),
    el('div', { class: 'row' },
      el('label', {}, 'Last N days', days), el('label', {}, 'From (UTC date)', from), el('label', {}, 'To (UTC date)', to),
      el('button', { type: 'submit', id: 'apply-filters' }, 'Apply'),
      el('a', { href: '#/jobs' }, 'Clear')));
    const feedStatus = el('span', { id: 'feed-status', class: 'feed' });
    const summary = el('p', { class: 'muted', id: 'jobs-summary' });
    const body = el('tbody', { id: 'jobs-body' });
    const table = el('div', { class: 'table-wrap' }, el('table', { id: 'jobs-table' },
      el('thead', {}, el('tr', {}, ['Job', 'Status', 'Progress', 'Model', 'Priority', 'Miner', 'Created', 'Cost'].map((t, i) =>
        el('th', { class: i === 4 || i === 5 ? 'hide-narrow' : undefined }, t)))), body));
    const older = el('button', { type: 'button', id: 'older', hidden: true }, 'Older');
    const empty = el('div', { class: 'empty', id: 'jobs-empty', hidden: true },
      'No jobs yet: submit one with ', el('code', {}, 'aitbc client submit'), ' or ', el('a', { href: '#/submit' }, 'the form'), '.');
    const problem = el('div');
    main.replaceChildren(el('h1', {}, 'Jobs ', feedStatus), form, problem, summary, empty, table, el('p', {}, older));

    let cursor = null;
    let hasMore = false;
    let total = 0;
    const summarize = () => {
      summary.textContent = total + (total === 1 ? ' job' : ' jobs') + ' match; ' + body.children.length + ' shown.';
    };
    async function load(next) {
      try {
        const page = await api('GET', '/v1/jobs' + qs({ ...filters, cursor: next }));
        for (const j of page.jobs) body.append(jobRow(j));
        cursor = page.next_cursor;
        hasMore = page.has_more;
        older.hidden = !hasMore;
        total = page.total;
        summarize();
        empty.hidden = body.children.length > 0;
        table.hidden = body.children.length === 0;
      } catch (e) {
        problem.replaceChildren(errorBox(e));
      }
    }
    older.addEventListener('click', () => load(cursor));
    await load(null);

    const matches = (j) => {
      if (chosen.size && !chosen.has(j.status)) return false;
      const created = Date.parse(j.created_at);
      if (filters.from && created < Date.parse(filters.from + 'T00:00:00Z')) return false;
      if (filters.to && created >= Date.parse(filters.to + 'T00:00:00Z') + 86400000) return false;
      if (filters.days && created < Date.now() - Number(filters.days) * 86400000) return false;
      return true;
    };
    const fetching = new Set();
    pageFeed = openFeed({ statusEl: feedStatus, onEvent: async (ev) => {
      const row = body.querySelector('tr[data-job-id="' + CSS.escape(ev.job_id) + '"]');
      if (row) {
        updateRow(row, { status: ev.status, progress: ev.progress, miner_id: ev.miner_id });
        if (FINAL.has(ev.status)) {
          // The final cost is known only to the job view.
          api('GET', '/v1/jobs/' + encodeURIComponent(ev.job_id)).then((j) => updateRow(row, j)).catch(() => {});
        }
        return;
      }
      if (fetching.has(ev.job_id)) return;
      fetching.add(ev.job_id);
      try {
        const j = await api('GET', '/v1/jobs/' + encodeURIComponent(ev.job_id));
        if (!matches(j) || body.querySelector('tr[data-job-id="' + CSS.escape(j.job_id) + '"]')) return;
        // Newest first: above the first row created earlier.
        const before = [...body.children].find((r) => r.dataset.created < j.created_at);
        if (!before && hasMore) return; // older than everything shown: it belongs to a later page
        body.insertBefore(jobRow(j), before || null);
        total++;
        summarize();
        empty.hidden = true;
        table.hidden = false;
      } catch (e) { /* gone or not ours: nothing to show */ } finally { fetching.delete(ev.job_id); }
    } });
  }

  // ---- one job -------------------------------------------------------------------------

  async function jobPage(id) {
    let job;
    try {
      job = await api('GET', '/v1/jobs/' + encodeURIComponent(id));
    } catch (e) {
      main.replaceChildren(el('h1', {}, 'Job'), e.status === 404
        ? el('p', { class: 'error', id: 'job-missing', role: 'alert' }, 'No job ' + id + ' among your jobs.')
        : errorBox(e), el('p', {}, el('a', { href: '#/jobs' }, 'Back to the jobs')));
      return;
    }
    const head = el('h1', { id: 'job-title' });
    const bar = el('progress', { class: 'wide', max: 100, id: 'job-progress' });
    const barText = el('p', { id: 'job-progress-text', class: 'muted' });
    const fields = el('dl', { class: 'fields', id: 'job-fields' });
    const errorPart = el('div', { id: 'job-error' });
    const actions = el('div', { class: 'row', id: 'job-actions' });
    const results = el('div', { id: 'job-results' });
    const timeline = el('ol', { class: 'timeline', id: 'job-timeline' });
    const feedStatus = el('span', { id: 'feed-status', class: 'feed' });
    main.replaceChildren(el('p', {}, el('a', { href: '#/jobs' }, '← Jobs')), head,
      el('div', { class: 'card' }, bar, barText, errorPart, actions),
      el('div', { class: 'card' }, el('h2', {}, 'Results'), results),
      el('div', { class: 'card' }, el('h2', {}, 'Fields'), fields),
      el('div', { class: 'card' }, el('h2', {}, 'Timeline ', feedStatus), timeline));

    let resultsShown = null;
    function show(j) {
      job = j;
      head.replaceChildren(el('span', { class: 'mono' }, j.job_id), ' ', statusBadge(j.status));
      bar.value = j.progress || 0;
      barText.replaceChildren(j.progress + '% ', j.estimated_completion && !FINAL.has(j.status)
        ? ['· estimated completion ', time(j.estimated_completion)] : '');
      fields.replaceChildren(...Object.entries(j).flatMap(([k, v]) => [el('dt', {}, k), el('dd', { 'data-field': k },
        v === null ? '–' : /_at$|^estimated_completion$/.test(k) && typeof v === 'string' ? time(v)
          : typeof v === 'object' ? el('span', { class: 'mono' }, JSON.stringify(v)) : String(v))]));
      errorPart.replaceChildren(j.error ? el('p', { class: 'error', id: 'job-error-text' }, 'Failed: ' + j.error.code + (j.error.message ? ' — ' + j.error.message : '')) : '');
      actions.replaceChildren();
      if (!FINAL.has(j.status) && j.status !== 'canceling') {
        const confirmBox = el('div', { class: 'confirm', hidden: true, id: 'cancel-confirm' },
          'Cancel this job? A running job stops when its miner next reports. ',
          el('button', { type: 'button', class: 'danger', id: 'cancel-yes', onclick: async () => {
            try { show(await api('DELETE', '/v1/jobs/' + encodeURIComponent(j.job_id))); } catch (e) { actions.append(errorBox(e)); }
          } }, 'Yes, cancel it'), ' ',
          el('button', { type: 'button', onclick: () => { confirmBox.hidden = true; } }, 'Keep it'));
        actions.append(el('button', { type: 'button', class: 'danger', id: 'cancel', onclick: () => { confirmBox.hidden = false; } }, 'Cancel job'), confirmBox);
      }
      const state = j.result ? (j.result.available ? 'available' : j.result.deleted_at ? 'deleted' : 'none') : 'none';
      if (state !== resultsShown) {
        resultsShown = state;
        showResults(j);
      }
    }

    async function showResults(j) {
      if (!j.result || !j.result.available) {
        results.replaceChildren(el('p', { class: 'muted', id: 'no-results' }, j.result && j.result.deleted_at
          ? 'The results were deleted ' : 'No results yet.', j.result && j.result.deleted_at ? time(j.result.deleted_at) : ''));
        return;
      }
      const base = '/v1/jobs/' + encodeURIComponent(j.job_id);
      const files = el('tbody', { id: 'result-files' });
      const verdict = el('p', { id: 'verify-result' });
      const shares = el('ul', { id: 'share-list' });
      const shareOut = el('div', { id: 'share-new' });
      const expiry = el('select', { id: 'share-expiry', 'aria-label': 'Link expires after' },
        ['1h', '1d', '7d', '30d'].map((v) => el('option', { value: v, selected: v === '7d' }, v)));
      const deleteConfirm = el('div', { class: 'confirm', hidden: true },
        'Delete the result files? The job stays; its results cannot be downloaded again. ',
        el('button', { type: 'button', class: 'danger', id: 'delete-yes', onclick: async () => {
          try {
            await api('DELETE', base + '/results');
            show(await api('GET', base));
          } catch (e) { results.append(errorBox(e)); }
        } }, 'Yes, delete'), ' ',
        el('button', { type: 'button', onclick: () => { deleteConfirm.hidden = true; } }, 'Keep them'));
      results.replaceChildren(
        el('p', {}, 'Package: ', bytes(j.result.size_bytes), ', SHA-256 ', el('span', { class: 'mono' }, j.result.sha256 || '–'),
          ', kept until ', time(j.result.expires_at)),
        el('div', { class: 'row' },
          el('button', { type: 'button', class: 'primary', id: 'download-zip', onclick: () => download(base + '/download', j.job_id + '.zip') }, 'Download zip'),
          el('button', { type: 'button', id: 'verify', onclick: verify }, 'Verify'),
          el('button', { type: 'button', class: 'danger', id: 'delete-results', onclick: () => { deleteConfirm.hidden = false; } }, 'Delete results')),
        deleteConfirm, verdict,
        el('div', { class: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'File'), el('th', {}, 'Size'), el('th', {}, 'SHA-256'), el('th', {}, 'Check'), el('th', {}, ''))), files)),
        el('h2', {}, 'Share links'),
        el('div', { class: 'row' }, el('label', {}, 'Expires after', expiry), el('button', { type: 'button', id: 'share-create', onclick: createShare }, 'Create link')),
        shareOut, shares);

      function fileRow(path, sha, size, ok) {
        return el('tr', { 'data-path': path },
          el('td', { class: 'mono' }, path), el('td', { class: 'c-size' }, size === undefined ? '–' : bytes(size)),
          el('td', { class: 'mono c-sha' }, sha), el('td', { class: 'c-check' }, ok === undefined ? '' : el('span', { class: ok ? 'ok' : 'error' }, ok ? 'OK' : 'mismatch')),
          el('td', {}, el('button', { type: 'button', class: 'download-file', onclick: () => download(base + '/download' + qs({ file: path }), path.split('/').pop()) }, 'Download')));
      }
      try {
        const r = await api('GET', base + '/download?checksum=true', undefined, { raw: true });
        const text = await r.text();
        files.replaceChildren(...text.split('\n').map((l) => /^([0-9a-f]{64}) [ *](.+)$/.exec(l)).filter(Boolean)
          .map((m) => fileRow(m[2].replace(/^job_[^/]+\//, ''), m[1])));
      } catch (e) { files.replaceChildren(el('tr', {}, el('td', { colspan: 5 }, errorBox(e)))); }

      async function verify() {
        try {
          const v = await api('POST', base + '/verify');
          verdict.replaceChildren(el('span', { class: v.verified ? 'ok' : 'error', id: 'verify-verdict' }, v.verified ? 'Every file matches its SHA-256.' : 'Some files do not match.'));
          files.replaceChildren(...v.files.map((f) => fileRow(f.path, f.sha256, f.size_bytes, f.ok)));
        } catch (e) { verdict.replaceChildren(errorBox(e)); }
      }
      async function loadShares() {
        try {
          const list = await api('GET', base + '/shares');
          shares.replaceChildren(...list.shares.map((s) => el('li', { 'data-share-id': s.share_id },
            el('span', { class: 'mono' }, s.share_id), ' · expires ', time(s.expires_at),
            s.revoked_at ? [' · revoked ', time(s.revoked_at)] : [' ', el('button', { type: 'button', class: 'share-revoke', onclick: async () => {
              try { await api('DELETE', base + '/shares/' + encodeURIComponent(s.share_id)); loadShares(); } catch (e) { shares.append(errorBox(e)); }
            } }, 'Revoke')])));
        } catch (e) { shares.replaceChildren(errorBox(e)); }
      }
      async function createShare() {
        try {
          const link = await api('POST', base + '/share', { expires: expiry.value });
          const out = el('input', { type: 'text', readonly: true, id: 'share-url', value: link.url, size: 60, 'aria-label': 'Share link' });
          shareOut.replaceChildren(el('p', {}, out, ' ', el('button', { type: 'button', id: 'share-copy', onclick: async () => {
            try { await navigator.clipboard.writeText(link.url); toast('Link copied.'); } catch (e) { out.select(); toast('Select and copy the link.'); }
          } }, 'Copy'), ' expires ', time(link.expires_at)));
          loadShares();
        } catch (e) { shareOut.replaceChildren(errorBox(e)); }
      }
      loadShares();
    }

    show(job);
    let last = 0;
    try {
      const ev = await api('GET', '/v1/jobs/' + encodeURIComponent(id) + '/events?limit=1000');
      for (const e of ev.events) { timeline.append(eventItem(e)); last = Math.max(last, e.event_id); }
    } catch (e) { timeline.append(el('li', {}, errorBox(e))); }
    let refresh = null;
    pageFeed = openFeed({ jobId: id, after: last, statusEl: feedStatus, onEvent: (e) => {
      timeline.append(eventItem(e));
      // Fold the events of a moment into one read of the job view.
      clearTimeout(refresh);
      refresh = setTimeout(() => api('GET', '/v1/jobs/' + encodeURIComponent(id)).then(show).catch(() => {}), 150);
    } });
  }

  function eventItem(e) {
    return el('li', { 'data-event-id': e.event_id }, time(e.at), ' ', statusBadge(e.status),
      e.type === 'progress' ? ' ' + e.progress + '%' : '', e.miner_id ? ' · ' + e.miner_id : '',
      e.message ? [' · ', el('span', { class: 'event-message' }, e.message)] : '');
  }

  /** Fetches with the key (a link cannot carry it) and hands the bytes to the browser as a download. */
  async function download(path, name) {
    try {
      const r = await api('GET', path, undefined, { raw: true });
      const blob = await r.blob();
      const url = URL.createObjectURL(blob);
      const a = el('a', { href: url, download: name, hidden: true });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60000);
    } catch (e) { toast('Download failed: ' + e.message); }
  }

  // ---- statistics ----------------------------------------------------------------------

  async function statsPage() {
    const p = hashParams();
    const today = new Date().toISOString().slice(0, 10);
    const from = el('input', { type: 'date', id: 's-from', value: p.get('from') || '' });
    const to = el('input', { type: 'date', id: 's-to', value: p.get('to') || '' });
    const numbers = el('div', { class: 'numbers', id: 'stats-numbers' });
    const byDay = el('div', { class: 'chart', id: 'chart-jobs' });
    const spend = el('div', { class: 'chart', id: 'chart-spend' });
    const problem = el('div');
    main.replaceChildren(el('h1', {}, 'Statistics'),
      el('form', { class: 'card row', onsubmit: (ev) => { ev.preventDefault(); location.hash = '#/stats' + qs({ from: from.value, to: to.value }); } },
        el('label', {}, 'From (UTC date)', from), el('label', {}, 'To (UTC date)', to), el('button', { type: 'submit', id: 'stats-apply' }, 'Show')),
      problem, numbers, el('h2', {}, 'Jobs per day by final status'), byDay, el('h2', {}, 'Spend per day'), spend,
      el('p', { class: 'muted' }, 'Jobs are counted on the UTC day they were submitted; the charts count those that have ended.'));
    const range = { from: from.value, to: to.value };
    try {
      const s = await api('GET', '/v1/jobs/stats' + qs(range));
      const number = (id, label, text, value) => el('div', { class: 'number' }, el('div', { class: 'muted' }, label),
        el('div', { class: 'value', id, 'data-value': value === null || value === undefined ? '' : String(value) }, text));
      numbers.replaceChildren(
        number('stat-total', 'Total jobs', Number(s.total_jobs).toLocaleString(), s.total_jobs),
        number('stat-success', 'Success rate', s.success_rate === null ? '–' : (s.success_rate * 100).toFixed(1) + ' %', s.success_rate),
        number('stat-average', 'Average completion', seconds(s.average_completion_seconds), s.average_completion_seconds),
        number('stat-spent', 'Total spent', money(s.total_spent), s.total_spent));
    } catch (e) { problem.replaceChildren(errorBox(e)); return; }
    try {
      const dailyRange = range.from || range.to ? range : { from: '', to: today };
      const d = await api('GET', '/v1/jobs/stats/daily' + qs(dailyRange));
      if (!window.echarts) { problem.replaceChildren(el('p', { class: 'error' }, 'The chart library did not load.')); return; }
      const dates = d.days.map((x) => x.date);
      const colors = { completed: '#16a34a', failed: '#dc2626', canceled: '#d97706' };
      const c1 = window.echarts.init(byDay);
      c1.setOption({
        tooltip: { trigger: 'axis' }, legend: {}, grid: { left: 40, right: 16, bottom: 30 },
        xAxis: { type: 'category', data: dates }, yAxis: { type: 'value', minInterval: 1 },
        series: ['completed', 'failed', 'canceled'].map((st) => ({ name: st, type: 'bar', stack: 'jobs', color: colors[st], data: d.days.map((x) => x.by_status[st] || 0) })),
      });
      const c2 = window.echarts.init(spend);
      c2.setOption({
        tooltip: { trigger: 'axis' }, grid: { left: 60, right: 16, bottom: 30 },
        xAxis: { type: 'category', data: dates }, yAxis: { type: 'value', name: 'AITBC' },
        series: [{ name: 'spent', type: 'line', areaStyle: {}, data: d.days.map((x) => Number(x.spent)) }],
      });
      charts.push(c1, c2);
      byDay.dataset.days = String(d.days.length);
    } catch (e) { problem.replaceChildren(errorBox(e)); }
  }

  // ---- submit --------------------------------------------------------------------------

  function submitPage() {
    const field = (name, label, input, hint) => el('label', { 'data-for': name }, label, input, hint ? el('span', { class: 'muted' }, hint) : '',
      el('span', { class: 'field-error', 'data-error-for': name }));
    const model = el('input', { id: 'j-model', value: 'gpt2', required: true });
    const kind = el('select', { id: 'j-kind' }, el('option', { value: 'text' }, 'text'), el('option', { value: 'json' }, 'JSON'));
    const input = el('textarea', { id: 'j-input' }, 'Hello');
    const file = el('input', { id: 'j-file', type: 'file' });
    const gpu = el('input', { id: 'j-gpu', list: 'gpu-types', placeholder: 'any' });
    const gpus = el('datalist', { id: 'gpu-types' }, ['a100', 'v100', 'rtx3090'].map((g) => el('option', { value: g })));
    const count = el('input', { id: 'j-gpu-count', type: 'number', min: 1, value: 1 });
    const region = el('input', { id: 'j-region', placeholder: 'any' });
    const priority = el('select', { id: 'j-priority' }, ['low', 'normal', 'high', 'urgent'].map((v) => el('option', { value: v, selected: v === 'normal' }, v)));
    const timeout = el('input', { id: 'j-timeout', type: 'number', min: 1, value: 600 });
    const estimate = el('p', { id: 'j-estimate', class: 'muted' }, 'Estimated cost: –');
    const problem = el('div', { id: 'submit-error' });

    function body() {
      let inp = input.value;
      if (kind.value === 'json') {
        try { inp = JSON.parse(input.value); } catch (e) { throw new ApiError(422, { code: 'VALIDATION_FAILED', message: 'input is not valid JSON', fields: [{ field: 'input', message: 'is not valid JSON: ' + e.message }] }); }
      }
      const req = {};
      if (gpu.value.trim()) req.gpu_type = gpu.value.trim();
      if (count.value) req.gpu_count = Number(count.value);
      if (region.value.trim()) req.region = region.value.trim();
      return { model: model.value, input: inp, requirements: req, priority: priority.value, timeout_seconds: Number(timeout.value) };
    }
    function showFields(e) {
      form.querySelectorAll('.field-error').forEach((s) => { s.textContent = ''; });
      if (!e) { problem.replaceChildren(); return; }
      let unplaced = false;
      for (const f of (e.body && e.body.fields) || []) {
        const name = f.field.replace(/^requirements\./, '');
        const slot = form.querySelector('[data-error-for="' + CSS.escape(name) + '"]');
        if (slot) slot.textContent = f.message; else unplaced = true;
      }
      problem.replaceChildren(!e.body || !e.body.fields || unplaced ? errorBox(e) : '');
    }
    let timer = null;
    async function quote() {
      try {
        const q = await api('POST', '/v1/jobs/quote', body());
        estimate.textContent = 'Estimated cost: ' + money(q.estimated_cost) + ' for about ' + seconds(q.estimated_time_seconds);
        showFields(null);
      } catch (e) { estimate.textContent = 'Estimated cost: –'; if (e instanceof ApiError) showFields(e); }
    }
    const form = el('form', { class: 'card', id: 'submit-form', oninput: () => { clearTimeout(timer); timer = setTimeout(quote, 300); }, onsubmit: async (ev) => {
      ev.preventDefault();
      try {
        const b = body();
        if (file.files.length) {
          const up = await api('POST', '/v1/files', file.files[0]);
          b.input = { file_id: up.file_id };
        }
        const j = await api('POST', '/v1/jobs', b);
        location.hash = '#/jobs/' + encodeURIComponent(j.job_id);
      } catch (e) { if (e instanceof ApiError) showFields(e); else problem.replaceChildren(errorBox(e)); }
    } },
    el('div', { class: 'row' }, field('model', 'Model', model), field('priority', 'Priority', priority), field('timeout_seconds', 'Timeout (s)', timeout)),
    el('div', { class: 'row' }, field('kind', 'Input is', kind)),
    field('input', 'Input', input),
    field('file_id', 'Or an input file (uploaded first through /v1/files; used instead of the input above)', file),
    el('div', { class: 'row' }, field('gpu_type', 'GPU type', gpu), gpus, field('gpu_count', 'GPUs', count), field('region', 'Region', region)),
    estimate, problem,
    el('p', {}, el('button', { type: 'submit', class: 'primary', id: 'j-submit' }, 'Submit job')));
    main.replaceChildren(el('h1', {}, 'Submit a job'), form);
    quote();
  }

  // ---- operator pages ------------------------------------------------------------------

  async function opsPage() {
    if (!isAdmin()) {
      main.replaceChildren(el('h1', {}, 'Operator'), el('p', { class: 'error', id: 'ops-forbidden' }, 'The operator pages need an admin key.'));
      return;
    }
    const queue = el('tbody', { id: 'queue' });
    const ready = el('div', { id: 'readiness' });
    const miners = el('tbody', { id: 'miners' });
    const perMinute = el('div', { class: 'chart', id: 'chart-minute' });
    const minuteText = el('p', { class: 'muted', id: 'minute-summary' });
    const accounts = el('tbody', { id: 'accounts' });
    const newKey = el('div', { id: 'new-account' });
    const accountsNote = el('p', { class: 'muted' });
    const role = el('select', { id: 'a-role' }, ['client', 'miner', 'admin'].map((r) => el('option', { value: r }, r)));
    const plan = el('select', { id: 'a-plan' }, ['free', 'pro', 'enterprise'].map((p) => el('option', { value: p, selected: p === 'pro' }, p)));
    const name = el('input', { id: 'a-name', placeholder: 'name' });
    main.replaceChildren(el('h1', {}, 'Operator'),
      el('div', { class: 'numbers' },
        el('div', { class: 'card' }, el('h2', {}, 'Jobs by state now'), el('table', {}, queue)),
        el('div', { class: 'card' }, el('h2', {}, 'Readiness'), ready)),
      el('div', { class: 'card' }, el('h2', {}, 'Submissions and completions per minute, last hour'), perMinute, minuteText),
      el('div', { class: 'card' }, el('h2', {}, 'Miners'), el('div', { class: 'table-wrap' }, el('table', {},
        el('thead', {}, el('tr', {}, ['Miner', 'GPUs', 'Region', 'Last heartbeat', 'Jobs held', 'State'].map((t) => el('th', {}, t)))), miners))),
      el('div', { class: 'card' }, el('h2', {}, 'Accounts'),
        el('form', { class: 'row', id: 'account-form', onsubmit: async (ev) => {
          ev.preventDefault();
          try {
            const body = { role: role.value, name: name.value || 'console' };
            if (role.value === 'client') body.plan = plan.value;
            const a = await api('POST', '/v1/admin/accounts', body);
            newKey.replaceChildren(el('p', { class: 'confirm' }, 'New key for ', el('span', { class: 'mono' }, a.id), ' (shown once, copy it now): ',
              el('input', { type: 'text', readonly: true, id: 'new-key', value: a.api_key, size: 50, 'aria-label': 'New API key' })));
            loadAccounts();
          } catch (e) { newKey.replaceChildren(errorBox(e)); }
        } }, el('label', {}, 'Role', role), el('label', {}, 'Plan', plan), el('label', {}, 'Name', name), el('button', { type: 'submit', id: 'a-create' }, 'Create account')),
        newKey, accountsNote, el('div', { class: 'table-wrap' }, el('table', {},
          el('thead', {}, el('tr', {}, ['Account', 'Name', 'Role', 'Plan', 'Created', ''].map((t) => el('th', {}, t)))), accounts))));

    api('GET', '/v1/jobs/stats').then((s) => queue.replaceChildren(...STATUSES.filter((st) => !FINAL.has(st)).map((st) =>
      el('tr', {}, el('td', {}, st), el('td', { 'data-state': st }, String(s.by_status[st])))))).catch((e) => queue.replaceChildren(el('tr', {}, el('td', {}, errorBox(e)))));
    fetch('/health/ready', { cache: 'no-store' }).then(async (r) => {
      const h = await r.json();
      ready.replaceChildren(el('p', { id: 'ready-status', class: h.status === 'UP' ? 'ok' : 'error' }, h.status),
        el('ul', {}, (h.checks || []).map((c) => el('li', {}, c.name + ': ' + c.status))));
    }).catch((e) => ready.replaceChildren(errorBox(e)));
    api('GET', '/v1/admin/miners?limit=500').then((page) => {
      const now = Date.now();
      miners.replaceChildren(...(page.miners.length ? page.miners.map((m) => {
        const seen = m.last_seen_at ? Date.parse(m.last_seen_at) : 0;
        const online = now - seen < 120000;
        return el('tr', { 'data-miner-id': m.miner_id }, el('td', { class: 'mono' }, m.miner_id),
          el('td', {}, m.gpu_count + (m.gpu_names && m.gpu_names.length ? ' × ' + m.gpu_names.join(', ') : '')),
          el('td', {}, m.region || '–'), el('td', {}, time(m.last_seen_at)), el('td', {}, String(m.held_jobs)),
          el('td', {}, el('span', { class: online ? 'ok' : 'muted' }, online ? 'online' : 'stale')));
      }) : [el('tr', {}, el('td', { colspan: 6, class: 'muted' }, 'No miner has registered yet.'))]));
    }).catch((e) => miners.replaceChildren(el('tr', {}, el('td', {}, errorBox(e)))));
    perMinuteChart(perMinute, minuteText);

    async function loadAccounts() {
      try {
        const list = await api('GET', '/v1/admin/accounts');
        const all = (Array.isArray(list) ? list : []).slice().sort((x, y) => (x.created_at < y.created_at ? 1 : -1));
        accountsNote.textContent = all.length > 200 ? all.length + ' accounts; the newest 200 are shown.' : all.length + ' accounts.';
        accounts.replaceChildren(...all.slice(0, 200).map((a) => el('tr', { 'data-account-id': a.id },
          el('td', { class: 'mono' }, a.id), el('td', {}, a.name || ''), el('td', {}, a.role), el('td', {}, a.plan || '–'), el('td', {}, time(a.created_at)),
          el('td', {}, a.revoked_at ? ['revoked ', time(a.revoked_at)] : el('button', { type: 'button', class: 'danger account-revoke', onclick: async () => {
            try { await api('DELETE', '/v1/admin/accounts/' + encodeURIComponent(a.id)); loadAccounts(); } catch (e) { accounts.append(errorBox(e)); }
          } }, 'Revoke')))));
      } catch (e) { accounts.replaceChildren(el('tr', {}, el('td', {}, errorBox(e)))); }
    }
    loadAccounts();
  }

  /** Submissions and completions per minute over the last hour, from the jobs submitted in it. */
  async function perMinuteChart(node, text) {
    const now = Date.now();
    const start = now - 3600000;
    const minutes = [...Array(60).keys()].map((i) => start + i * 60000);
    const submitted = new Array(60).fill(0);
    const completed = new Array(60).fill(0);
    let cursor = null;
    let pages = 0;
    try {
      do {
        const page = await api('GET', '/v1/jobs' + qs({ days: 1, limit: 1000, cursor }));
        let older = false;
        for (const j of page.jobs) {
          const c = Date.parse(j.created_at);
          if (c < start) { older = true; break; }
          submitted[Math.min(59, Math.floor((c - start) / 60000))]++;
          const done = j.completed_at ? Date.parse(j.completed_at) : 0;
          if (j.status === 'completed' && done >= start) completed[Math.min(59, Math.floor((done - start) / 60000))]++;
        }
        cursor = !older && page.has_more ? page.next_cursor : null;
      } while (cursor && ++pages < 10);
    } catch (e) { text.replaceChildren(errorBox(e)); return; }
    const sum = (a) => a.reduce((x, y) => x + y, 0);
    text.textContent = sum(submitted) + ' submitted and ' + sum(completed) + ' of them completed in the last hour.';
    node.dataset.submitted = String(sum(submitted));
    if (!window.echarts) return;
    const c = window.echarts.init(node);
    c.setOption({
      tooltip: { trigger: 'axis' }, legend: {}, grid: { left: 40, right: 16, bottom: 30 },
      xAxis: { type: 'category', data: minutes.map((m) => new Date(m).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })) },
      yAxis: { type: 'value', minInterval: 1 },
      series: [{ name: 'submitted', type: 'line', data: submitted }, { name: 'completed', type: 'line', data: completed }],
    });
    charts.push(c);
  }

  // ---- routing -------------------------------------------------------------------------

  function route() {
    if (pageFeed) { pageFeed.close(); pageFeed = null; }
    charts.forEach((c) => c.dispose());
    charts = [];
    const signedIn = !!key();
    document.getElementById('nav').hidden = !signedIn;
    document.getElementById('nav-ops').hidden = !isAdmin();
    document.getElementById('whoami').textContent = signedIn ? (isAdmin() ? 'admin key' : 'client key') : '';
    const path = location.hash.replace(/^#/, '').split('?')[0] || '/jobs';
    document.querySelectorAll('#nav a').forEach((a) => a.classList.toggle('active', path.startsWith('/' + a.dataset.nav)));
    if (!signedIn) { signInPage(); return; }
    const job = /^\/jobs\/([^/]+)$/.exec(path);
    const page = job ? jobPage(decodeURIComponent(job[1]))
      : path === '/stats' ? statsPage()
      : path === '/submit' ? submitPage()
      : path === '/ops' ? opsPage()
      : path === '/signin' ? (location.hash = '#/jobs', null)
      : jobsPage();
    Promise.resolve(page).catch((e) => main.replaceChildren(errorBox(e)));
  }

  document.getElementById('sign-out').addEventListener('click', () => signOut('Signed out; the key is forgotten.'));
  window.addEventListener('hashchange', route);
  window.addEventListener('resize', () => charts.forEach((c) => c.resize()));
  // For the browser tests and curious users: drop the live connection as a network would.
  window.aitbcConsole = { dropFeed: () => pageFeed && pageFeed.drop() };
  route();
})();
