// The trtc-mock inspector: one page, a view per hash (#overview, #rooms, …), no library.
// Everything shown is read from /_mock/ (the control plane and /_mock/ui/api/); charts are SVG
// drawn by the server. A pulse every second tells whether the view is stale.
'use strict';

const VIEWS = {};
const state = { view: 'overview', comm: '', user: '', request: null, pulseKey: '', busy: false };

// ---- helpers ----------------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) node.addEventListener(key.slice(2), value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : value);
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function table(headers, rows, attrs) {
  return el('table', attrs || {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))), el('tbody', {}, rows));
}

// Unix seconds as `YYYY-MM-DD HH:MM:SS` in UTC+8, the zone of TRTC's console.
function when(t) {
  if (t === null || t === undefined) return '';
  return new Date((Number(t) + 8 * 3600) * 1000).toISOString().slice(0, 19).replace('T', ' ');
}
function hms(t) { return when(t).slice(11); }

function status(message) { document.getElementById('status').textContent = message || ''; }

async function request(method, path, body) {
  const init = { method, credentials: 'same-origin', headers: {} };
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers['Content-Type'] = 'application/json';
  }
  const response = await fetch(path, init);
  const type = response.headers.get('Content-Type') || '';
  const payload = type.startsWith('application/json') ? await response.json() : await response.text();
  if (!response.ok) throw new Error((payload && payload.error) || `${method} ${path}: ${response.status}`);
  return payload;
}
const get = (path) => request('GET', path);
const post = (path, body) => request('POST', path, body === undefined ? {} : body);

function app() { return document.getElementById('app').value.trim(); }
function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) q.set(k, v);
  return q.toString();
}

function svgInto(container, svgText) {
  container.innerHTML = svgText; // server-drawn SVG, every text in it escaped there
  return container;
}

async function act(what, fn) {
  try {
    status('');
    await fn();
    await refresh(true);
    await pulse();
  } catch (e) {
    status(`${what}: ${e.message}`);
  }
}

function needApp(view) {
  if (/^\d+$/.test(app())) return true;
  view.append(el('section', {}, el('p', { class: 'muted' }, 'Enter an SdkAppId above (the overview lists the apps in use).')));
  return false;
}

// ---- overview ---------------------------------------------------------------------------------

VIEWS.overview = async (view) => {
  const o = await get('/_mock/ui/api/overview');
  if (!app() && o.apps.length) document.getElementById('app').value = o.apps[0];
  const clock = el('section', { id: 'clock-panel' },
    el('h2', {}, 'Virtual clock'),
    el('dl', { class: 'kv' },
      el('dt', {}, 'now'), el('dd', { id: 'clock-now', dataset: { now: o.clock.now } }, `${when(o.clock.now)} (UTC+8) · ${o.clock.now}`),
      el('dt', {}, 'state'), el('dd', { id: 'clock-frozen' }, o.clock.frozen ? 'frozen' : 'running')),
    el('form', { onsubmit: (e) => { e.preventDefault(); act('advance', () => post('/_mock/clock', { advance: Number(document.getElementById('advance-secs').value) })); } },
      'advance by', el('input', { id: 'advance-secs', type: 'number', min: 0, value: 60, style: 'width:90px' }), 's',
      el('button', { id: 'advance-btn', type: 'submit' }, 'Advance'),
      [60, 600, 3600].map((s) => el('button', { type: 'button', onclick: () => act('advance', () => post('/_mock/clock', { advance: s })) }, `+${s}s`))),
    el('form', { onsubmit: (e) => { e.preventDefault(); act('set', () => post('/_mock/clock', { set: Number(document.getElementById('set-time').value) })); } },
      'set to (Unix s)', el('input', { id: 'set-time', type: 'number', value: o.clock.now, style: 'width:120px' }),
      el('button', { id: 'set-btn', type: 'submit' }, 'Set'),
      el('button', { id: 'freeze-btn', type: 'button', onclick: () => act('freeze', () => post('/_mock/clock', { freeze: !o.clock.frozen })) }, o.clock.frozen ? 'Unfreeze' : 'Freeze')));
  const about = el('section', {}, el('h2', {}, 'Emulator'),
    el('dl', { class: 'kv' },
      el('dt', {}, 'version'), el('dd', {}, o.version),
      el('dt', {}, 'seed'), el('dd', { id: 'seed' }, o.seed),
      el('dt', {}, 'requests'), el('dd', {}, `${o.counts.journal} held of ${o.counts.journal_capacity} (${o.counts.dropped} dropped)`),
      el('dt', {}, 'tasks'), el('dd', {}, o.counts.tasks),
      el('dt', {}, 'callbacks'), el('dd', {}, o.counts.deliveries),
      el('dt', {}, 'faults'), el('dd', {}, o.counts.faults),
      el('dt', {}, 'apps'), el('dd', {}, o.apps.length ? o.apps.map((a) => el('button', { type: 'button', class: 'app-pick', onclick: () => { document.getElementById('app').value = a; location.hash = '#rooms'; } }, a)) : 'none yet'),
      el('dt', {}, 'fixtures'), el('dd', {}, o.fixtures.documents.length ? o.fixtures.documents.join(', ') : 'none')));
  const accounts = el('section', {}, el('h2', {}, 'Accounts'),
    table(['SecretId', 'SdkAppIds', 'temporary'], o.accounts.map((a) => el('tr', {}, el('td', {}, el('code', {}, a.secret_id)), el('td', {}, a.sdk_app_ids ? a.sdk_app_ids.join(', ') : 'any'), el('td', {}, a.temporary ? 'yes' : 'no')))));
  const activity = el('section', {}, el('h2', {}, 'Latest requests'), requestsTable(o.activity));
  view.append(el('div', { class: 'grid' }, clock, about, accounts), activity);
};

// ---- rooms ------------------------------------------------------------------------------------

function roomId(text) { return /^\d+$/.test(text) ? Number(text) : text; }

VIEWS.rooms = async (view) => {
  if (!needApp(view)) return;
  const r = await get(`/_mock/ui/api/rooms?${query({ sdk_app_id: app() })}`);
  const join = el('form', { id: 'join-form', onsubmit: (e) => {
    e.preventDefault();
    const f = e.target.elements;
    const body = { sdk_app_id: Number(app()), room_id: roomId(f.room.value.trim()), user_id: f.user.value.trim(), role: f.role.value,
      audio: f.audio.checked, video: f.video.checked, sub_stream: f.sub.checked };
    act('join', async () => {
      const joined = await post('/_mock/rooms/join', body);
      if (joined.room) state.comm = joined.room.comm_id;
    });
  } },
  'room', el('input', { id: 'join-room', name: 'room', required: true, size: 10 }),
  'user', el('input', { id: 'join-user', name: 'user', required: true, size: 12 }),
  el('select', { id: 'join-role', name: 'role' }, el('option', { value: 'anchor' }, 'anchor'), el('option', { value: 'audience' }, 'audience')),
  el('label', {}, el('input', { type: 'checkbox', name: 'audio', checked: true }), 'audio'),
  el('label', {}, el('input', { type: 'checkbox', name: 'video', checked: true }), 'video'),
  el('label', {}, el('input', { type: 'checkbox', name: 'sub' }), 'sub-stream'),
  el('button', { id: 'join-submit', type: 'submit' }, 'Join'));
  const rows = r.live.map((room) => {
    const id = room.room_id;
    const users = room.users.map((u) => el('div', { class: 'user', dataset: { user: u.user_id } },
      el('code', {}, u.user_id), ` ${u.role} ${u.publishing.join('+')} `,
      el('button', { type: 'button', class: 'leave', onclick: () => act('leave', () => post('/_mock/rooms/leave', { sdk_app_id: Number(app()), room_id: id, user_id: u.user_id })) }, 'leave'),
      el('button', { type: 'button', class: 'kick', onclick: () => act('kick', () => post('/_mock/rooms/leave', { sdk_app_id: Number(app()), room_id: id, user_id: u.user_id, reason: 'kicked' })) }, 'kick')));
    return el('tr', { class: state.comm === room.comm_id ? 'selected' : null, dataset: { comm: room.comm_id } },
      el('td', {}, el('code', {}, String(id))), el('td', {}, el('code', {}, room.comm_id)), el('td', {}, when(room.create_time)),
      el('td', {}, users.length > 12 ? [users.slice(0, 12), el('div', { class: 'muted' }, `… ${users.length - 12} more`)] : users),
      el('td', {}, room.tasks.map((t) => el('div', {}, el('code', {}, t.task_id), ' ', el('span', { class: `pill ${t.state}` }, t.state)))),
      el('td', {}, pickRoom(room.comm_id)));
  });
  const recent = r.recent.map((room) => el('tr', { class: state.comm === room.comm_id ? 'selected' : null },
    el('td', {}, el('code', {}, room.room_id)), el('td', {}, el('code', {}, room.comm_id)), el('td', {}, when(room.create_time)),
    el('td', {}, room.finished ? when(room.destroy_time) : 'open'), el('td', {}, room.users), el('td', {}, pickRoom(room.comm_id))));
  view.append(
    el('section', {}, el('h2', {}, `Rooms in use (${r.live_total})`), join,
      table(['room', 'CommId', 'created', 'users', 'tasks', ''], rows, { id: 'live-rooms' })),
    el('section', {}, el('h2', {}, 'Timeline'), el('div', { id: 'timeline' }, el('p', { class: 'muted' }, 'Pick a room.'))),
    el('section', {}, el('h2', {}, `Rooms of the last 24 hours (latest ${r.recent.length} of ${r.recent_total})`),
      table(['room', 'CommId', 'created', 'ended', 'users', ''], recent, { id: 'recent-rooms' })));
  if (state.comm) {
    // The view is not in the document yet: look inside it.
    const box = view.querySelector('#timeline');
    try {
      svgInto(box, await get(`/_mock/ui/api/timeline.svg?${query({ sdk_app_id: app(), comm_id: state.comm })}`));
    } catch (e) {
      box.textContent = e.message;
    }
  }
};

function pickRoom(comm) {
  return [
    el('button', { type: 'button', class: 'show-timeline', onclick: () => { state.comm = comm; refresh(true); } }, 'timeline'),
    el('button', { type: 'button', class: 'show-quality', onclick: () => { state.comm = comm; state.user = ''; location.hash = '#call'; } }, 'quality'),
  ];
}

// ---- call quality -----------------------------------------------------------------------------

VIEWS.call = async (view) => {
  if (!needApp(view)) return;
  const form = el('form', { onsubmit: (e) => { e.preventDefault(); state.comm = document.getElementById('comm-id').value.trim(); state.user = ''; refresh(true); } },
    'CommId', el('input', { id: 'comm-id', size: 34, value: state.comm }), el('button', { id: 'call-load', type: 'submit' }, 'Show'));
  view.append(el('section', {}, el('h2', {}, 'Call quality'), form));
  const dash = el('section', { id: 'dashboard' }, el('h2', {}, 'Dashboard, last 14 days'));
  if (state.comm) {
    const c = await get(`/_mock/ui/api/call?${query({ sdk_app_id: app(), comm_id: state.comm })}`);
    if (!c.users.some((u) => u.user_id === state.user)) state.user = c.users.length ? c.users[0].user_id : '';
    const users = el('select', { id: 'call-user', onchange: (e) => { state.user = e.target.value; refresh(true); } },
      c.users.map((u) => el('option', { value: u.user_id, selected: u.user_id === state.user }, u.user_id)));
    const info = el('section', { id: 'call-window', dataset: { start: c.start, end: c.end, comm: c.comm_id } },
      el('h2', {}, `Room ${c.room_id} · ${c.comm_id}`),
      el('p', {}, `${when(c.create_time)} – ${c.finished ? when(c.destroy_time) : 'now'} · charts of ${when(c.start)} – ${hms(c.end)}, every 2 s, as DescribeCallDetailInfo gives them`),
      table(['user', 'stays'], c.users.map((u) => el('tr', {}, el('td', {}, el('code', {}, u.user_id)),
        el('td', {}, u.stays.map((s) => `${hms(s.join_ts)}–${hms(s.leave_ts)} ${s.role} ${s.device_type}`).join(' · '))))),
      el('form', {}, 'user', users));
    const charts = el('div', { id: 'charts' });
    const abnormal = el('section', {}, el('h2', {}, `Abnormal events (${c.abnormal.length})`),
      table(['time', 'user', 'experience', 'causes'], c.abnormal.slice(0, 200).map((a) => el('tr', {},
        el('td', {}, hms(a.time)), el('td', {}, a.user_id), el('td', {}, { 1: 'slow entry', 4: 'video lag', 5: 'audio lag' }[a.experience_id] || a.experience_id),
        el('td', {}, a.causes.map((x) => `${x.abnormal_event_id}${x.peer_id ? ' from ' + x.peer_id : ''}`).join(', '))))));
    view.append(info, el('section', {}, el('h2', {}, 'Upstream and downstream'), charts), abnormal);
    if (state.user) {
      const groups = [['Upstream', (m) => m.direction !== 'down'], ['Downstream', (m) => m.direction !== 'up']];
      const done = new Set();
      for (const [title, keep] of groups) {
        const grid = el('div', { class: 'grid' });
        charts.append(el('h3', {}, title), grid);
        for (const m of c.metrics.filter(keep)) {
          if (done.has(m.name)) continue;
          done.add(m.name);
          const box = el('div', { class: 'chart-box' });
          grid.append(box);
          svgInto(box, await get(`/_mock/ui/api/chart.svg?${query({ sdk_app_id: app(), comm_id: c.comm_id, user_id: state.user, metric: m.name, start: c.start, end: c.end })}`));
        }
      }
    }
  }
  view.append(dash);
  for (const chart of ['scale', 'quality', 'usage']) {
    const box = el('div', { class: 'dashboard-chart' });
    dash.append(box);
    svgInto(box, await get(`/_mock/ui/api/dashboard.svg?${query({ sdk_app_id: app(), chart })}`));
  }
};

// ---- tasks ------------------------------------------------------------------------------------

VIEWS.tasks = async (view) => {
  if (!needApp(view)) return;
  const t = await get(`/_mock/ui/api/tasks?${query({ sdk_app_id: app() })}`);
  const rows = t.tasks.map((task) => {
    const history = task.history.map((h) => el('div', {}, `${hms(h.at)} `, el('span', { class: `pill ${h.state}` }, h.state)));
    const details = el('details', {},
      el('summary', {}, 'parameters and files'),
      el('pre', {}, JSON.stringify(task.params, null, 2)),
      task.files ? table(['user', 'file', 'url'], task.files.map((f) => el('tr', {}, el('td', {}, f.user_id), el('td', {}, f.file_name || f.path), el('td', {}, el('code', {}, f.url))))) : null);
    return el('tr', { dataset: { task: task.task_id } },
      el('td', { class: 'task-id' }, el('code', {}, task.task_id)), el('td', {}, task.family),
      el('td', { class: 'state' }, el('span', { class: `pill ${task.state}` }, task.state)),
      el('td', { class: 'api-status' }, task.api_status ? el('span', { class: `pill ${task.api_status}` }, task.api_status) : ''),
      el('td', {}, task.room ? `${task.room.room_id}` : ''), el('td', {}, task.robot ? task.robot.user_id : ''),
      el('td', { class: 'history' }, history, task.ended ? el('div', { class: 'muted' }, `ended: ${task.ended.reason} at ${hms(task.ended.at)}`) : ''),
      el('td', {}, details));
  });
  view.append(el('section', {}, el('h2', {}, `Tasks (${t.total})`),
    table(['TaskId', 'family', 'state', 'Status', 'room', 'robot', 'history (virtual clock)', ''], rows, { id: 'tasks' })));
};

// ---- requests ---------------------------------------------------------------------------------

function requestsTable(entries, onpick) {
  return table(['#', 'virtual time', 'action', 'SdkAppId', 'SecretId', 'code', 'message'], entries.map((e) => el('tr', {
    class: [onpick ? 'clickable' : '', state.request === e.seq ? 'selected' : ''].join(' ').trim() || null,
    dataset: { seq: e.seq, code: e.code },
    onclick: onpick ? () => onpick(e) : null,
  },
  el('td', {}, e.seq), el('td', {}, when(e.virtual_time)), el('td', {}, e.action || ''), el('td', {}, e.sdk_app_id || ''),
  el('td', {}, el('code', {}, e.secret_id || '')), el('td', { class: e.code === 'Success' ? 'code-ok' : 'code-bad' }, e.code),
  el('td', {}, e.message || '', e.signature ? el('span', { class: 'pill' }, ' signature ') : ''))));
}

const filters = { action: '', code: '', sdk_app_id: '', secret_id: '' };

VIEWS.requests = async (view) => {
  const form = el('form', { id: 'request-filters', onsubmit: (e) => {
    e.preventDefault();
    for (const k of Object.keys(filters)) filters[k] = document.getElementById(`f-${k}`).value.trim();
    refresh(true);
  } }, Object.keys(filters).map((k) => [k, el('input', { id: `f-${k}`, value: filters[k], size: k === 'action' ? 22 : 12 })]),
  el('button', { id: 'f-apply', type: 'submit' }, 'Filter'),
  el('button', { type: 'button', onclick: () => act('clear', () => request('DELETE', '/_mock/requests')) }, 'Clear journal'));
  const page = await get(`/_mock/requests?${query({ ...filters, limit: 200 })}`);
  const entries = page.entries.slice().reverse();
  const detail = el('section', { id: 'request-detail' });
  const show = (e) => {
    state.request = e.seq;
    detail.replaceChildren(el('h2', {}, `Request #${e.seq} · ${e.action || '(no action)'} · ${e.code}`),
      el('dl', { class: 'kv' }, el('dt', {}, 'RequestId'), el('dd', {}, e.request_id), el('dt', {}, 'method'), el('dd', {}, `${e.method} ${e.signature_method || ''}`),
        el('dt', {}, 'message'), el('dd', {}, e.message || ''), el('dt', {}, 'note'), el('dd', {}, e.note || ''),
        el('dt', {}, 'duration'), el('dd', {}, `${e.duration_us} µs`)),
      e.signature ? el('div', { id: 'signature' },
        el('h3', {}, 'What the server signed — compare with your own'),
        el('div', { class: 'side' },
          el('div', {}, el('strong', {}, 'Canonical request'), el('pre', { id: 'canonical-request' }, e.signature.canonical_request || '(v1 signature: none)'),
            el('div', { class: 'muted' }, e.signature.canonical_request_sha256 ? `${e.signature.canonical_request_bytes} bytes · SHA-256 ${e.signature.canonical_request_sha256}` : '')),
          el('div', {}, el('strong', {}, 'String to sign'), el('pre', { id: 'string-to-sign' }, e.signature.string_to_sign),
            el('div', { class: 'muted' }, `${e.signature.string_to_sign_bytes} bytes · SHA-256 ${e.signature.string_to_sign_sha256}`)))) : null);
    for (const row of view.querySelectorAll('#requests tbody tr')) row.classList.toggle('selected', Number(row.dataset.seq) === e.seq);
  };
  view.append(el('section', {}, el('h2', {}, `Requests (${page.entries.length} shown, ${page.held} held, ${page.dropped} dropped)`), form,
    el('div', { id: 'requests' }, requestsTable(entries, show))), detail);
  const picked = entries.find((e) => e.seq === state.request);
  if (picked) show(picked);
};

// ---- callbacks --------------------------------------------------------------------------------

VIEWS.callbacks = async (view) => {
  const c = await get(`/_mock/callbacks?${query({ sdk_app_id: app() })}`);
  const rows = c.deliveries.slice(-300).reverse().map((d) => el('tr', { dataset: { delivery: d.id, status: d.status } },
    el('td', {}, d.id), el('td', {}, when(Math.floor(d.event_ms / 1000))), el('td', {}, `${d.category} ${d.event_group}/${d.event_type}`),
    el('td', {}, el('code', {}, d.url)), el('td', {}, el('span', { class: `pill ${d.status}` }, d.status)),
    el('td', { class: 'attempts' }, d.attempts.map((a) => `${hms(Math.floor(a.at_ms / 1000))} ${a.status || a.error || ''}${a.replay ? ' (replay)' : ''}`).join(' · ')),
    el('td', {}, el('details', {}, el('summary', {}, 'body'), el('pre', {}, d.body || '(not sent yet)'), el('div', {}, 'Sign ', el('code', {}, d.sign || '')))),
    el('td', {}, el('button', { type: 'button', class: 'replay', disabled: !d.body, onclick: () => act('replay', () => post(`/_mock/callbacks/${d.id}/replay`)) }, 'replay'))));
  view.append(el('section', {}, el('h2', {}, `Callbacks (${c.deliveries.length}, ${c.dropped} dropped)`),
    el('button', { id: 'deliver-btn', type: 'button', onclick: () => act('deliver', () => post('/_mock/callbacks/deliver')) }, 'Deliver what is due'),
    table(['#', 'event time', 'event', 'URL', 'status', 'attempts', 'body and Sign', ''], rows, { id: 'callbacks' })));
};

// ---- faults -----------------------------------------------------------------------------------

VIEWS.faults = async (view) => {
  const f = await get('/_mock/faults');
  const add = el('form', { id: 'fault-form', onsubmit: (e) => {
    e.preventDefault();
    const x = e.target.elements;
    const spec = {};
    if (x.action.value.trim()) spec.action = x.action.value.trim();
    if (x.app.value.trim()) spec.sdk_app_id = Number(x.app.value.trim());
    if (x.code.value.trim()) spec.error = { code: x.code.value.trim() };
    if (x.latency.value) spec.latency_ms = Number(x.latency.value);
    if (x.count.value) spec.count = Number(x.count.value);
    if (x.probability.value) spec.probability = Number(x.probability.value);
    spec.drop_connection = x.drop.checked;
    act('add fault', () => post('/_mock/faults', spec));
  } },
  'action', el('input', { name: 'action', placeholder: '* (all)', size: 22 }),
  'SdkAppId', el('input', { name: 'app', size: 11 }),
  'code', el('input', { name: 'code', placeholder: 'InternalError', size: 22 }),
  'latency ms', el('input', { name: 'latency', type: 'number', min: 0, style: 'width:80px' }),
  'count', el('input', { name: 'count', type: 'number', min: 1, style: 'width:60px' }),
  'probability', el('input', { name: 'probability', type: 'number', step: 'any', min: 0, max: 1, style: 'width:60px' }),
  el('label', {}, el('input', { name: 'drop', type: 'checkbox' }), 'drop connection'),
  el('button', { type: 'submit' }, 'Add'));
  const rows = f.faults.map((x) => el('tr', { dataset: { fault: x.id } },
    el('td', {}, x.id), el('td', {}, x.action || '*'), el('td', {}, x.sdk_app_id || 'any'),
    el('td', {}, x.error ? x.error.code : ''), el('td', {}, x.latency_ms || ''), el('td', {}, x.drop_connection ? 'yes' : ''),
    el('td', {}, x.remaining === null ? '∞' : x.remaining), el('td', {}, x.probability || 1), el('td', {}, x.hits),
    el('td', {}, el('button', { type: 'button', class: 'remove', onclick: () => act('remove', () => request('DELETE', `/_mock/faults/${x.id}`)) }, 'remove'))));
  view.append(el('section', {}, el('h2', {}, `Faults (${f.faults.length})`), add,
    table(['#', 'action', 'SdkAppId', 'code', 'latency', 'drop', 'remaining', 'probability', 'hits', ''], rows, { id: 'faults' }),
    el('button', { type: 'button', onclick: () => act('clear', () => request('DELETE', '/_mock/faults')) }, 'Remove all')));
};

// ---- refresh and pulse ------------------------------------------------------------------------

let rendering = null;

async function refresh(force) {
  if (rendering) { await rendering; if (!force) return; }
  rendering = (async () => {
    const name = (location.hash || '#overview').slice(1).split('?')[0];
    state.view = VIEWS[name] ? name : 'overview';
    for (const a of document.querySelectorAll('header nav a')) a.classList.toggle('active', a.dataset.view === state.view);
    const next = el('div', { id: `view-${state.view}` });
    try {
      await VIEWS[state.view](next);
      // The view is built aside and swapped in whole (the pulse never refreshes while a field has focus).
      document.getElementById('view').replaceChildren(next);
      document.body.dataset.view = state.view;
      document.body.dataset.rendered = String(Date.now());
    } catch (e) {
      status(e.message);
    }
  })();
  try { await rendering; } finally { rendering = null; }
}

async function pulse() {
  try {
    const p = await get('/_mock/ui/api/pulse');
    document.getElementById('clock').textContent = `${when(p.clock.now)}${p.clock.frozen ? ' ❄' : ''}`;
    // A running clock changes the world continuously: look again every 5 virtual seconds.
    const key = [p.next_seq, p.deliveries, p.attempts, p.faults, p.clock.frozen, p.clock.frozen ? p.clock.now : Math.floor(p.clock.now / 5)].join('/');
    const editing = document.activeElement && ['INPUT', 'SELECT', 'TEXTAREA'].includes(document.activeElement.tagName);
    if (key !== state.pulseKey && !editing && !rendering) {
      state.pulseKey = key;
      await refresh(false);
    }
  } catch (e) {
    status(e.message);
  }
}

window.addEventListener('hashchange', () => refresh(true));
document.getElementById('app').addEventListener('change', () => { state.comm = ''; refresh(true); });
refresh(true).then(() => setInterval(pulse, 1000));
