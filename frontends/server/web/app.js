// DailyDrug web app: plain JavaScript over the server's /api (docs/SERVER.md). No build step.
'use strict';

const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) =>
  ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));

// ---- HTTP -------------------------------------------------------------------------------------

function headers(extra) {
  const h = Object.assign({ 'Content-Type': 'application/json' }, extra || {});
  const token = localStorage.getItem('dailydrug-token');
  if (token) h.Authorization = 'Bearer ' + token;
  return h;
}

/** The error message of a JSON error response, in Korean where we know the kind. */
function errorText(body, status) {
  const e = body && body.error;
  if (!e) return `요청 실패 (HTTP ${status})`;
  const known = {
    QueueFull: '요청이 많습니다. 잠시 후 다시 시도하세요.',
    NotFound: '찾을 수 없습니다.',
    Conflict: '변경할 수 없습니다.',
    Unauthorized: '인증 토큰이 필요합니다.',
    PayloadTooLarge: '입력이 너무 큽니다.',
  };
  return (known[e.kind] ? known[e.kind] + ' ' : '') + `(${e.kind}: ${e.message})`;
}

async function api(method, path, body) {
  const res = await fetch(path, { method, headers: headers(), body: body ? JSON.stringify(body) : undefined });
  const data = await res.json().catch(() => null);
  if (res.status === 401) askToken();
  if (!res.ok) throw new Error(errorText(data, res.status));
  return data;
}

function askToken() {
  const t = prompt('이 서버는 토큰이 필요합니다. 토큰을 입력하세요:');
  if (t) localStorage.setItem('dailydrug-token', t);
}

let toastTimer = 0;
function toast(text, isError) {
  const t = $('toast');
  t.textContent = text;
  t.className = 'show' + (isError ? ' error' : '');
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => { t.className = ''; }, 3500);
}

// ---- Tabs -------------------------------------------------------------------------------------

function showTab(name) {
  document.querySelectorAll('.tab').forEach((b) => b.classList.toggle('active', b.dataset.tab === name));
  document.querySelectorAll('.panel').forEach((p) => p.classList.toggle('active', p.id === name));
  if (name === 'today') loadToday();
  if (name === 'medicines') loadMedicines();
}
document.querySelectorAll('.tab').forEach((b) => b.addEventListener('click', () => showTab(b.dataset.tab)));

// ---- Today ------------------------------------------------------------------------------------

const STATUS_LABEL = { pending: '복용 전', taken: '복용 완료', skipped: '건너뜀' };

async function loadToday() {
  try {
    const t = await api('GET', '/api/today');
    $('today-title').textContent = `${t.date} (${t.weekday}) 복용 일정`;
    $('today-summary').textContent = t.total === 0
      ? '오늘 복용할 약이 없습니다. "약 관리"에서 약을 추가하세요.'
      : `${t.total}개 중 ${t.taken}개 복용 · 남은 약 ${t.pending}개`;
    $('today-groups').innerHTML = t.groups.map((g) => `
      <div class="group" data-period="${esc(g.period)}">
        <h3><span>${esc(g.emoji)} ${esc(g.name)}</span>
            <span class="muted small">${g.all_taken ? '모두 복용' : '남은 약 ' + g.pending_count}</span></h3>
        ${g.doses.map((d) => `
          <div class="dose ${esc(d.status)}" data-dose="${d.id}">
            <span class="time">${esc(d.scheduled_at.slice(11, 16))}</span>
            <span class="name">${esc(d.medicine.name)} <span class="muted">${esc(d.medicine.dosage)}</span></span>
            <span class="status">${STATUS_LABEL[d.status] || esc(d.status)}</span>
            <button class="take" data-id="${d.id}" ${d.status === 'taken' ? 'disabled' : ''}>복용</button>
            <button class="skip" data-id="${d.id}" ${d.status !== 'pending' ? 'disabled' : ''}>건너뛰기</button>
          </div>`).join('')}
      </div>`).join('');
  } catch (e) {
    toast(e.message, true);
  }
}

$('today-groups').addEventListener('click', async (ev) => {
  const b = ev.target.closest('button');
  if (!b) return;
  const action = b.classList.contains('take') ? 'take' : 'skip';
  b.disabled = true;
  try {
    await api('POST', `/api/doses/${b.dataset.id}/${action}`, {});
    toast(action === 'take' ? '복용을 기록했습니다.' : '건너뛰었습니다.');
  } catch (e) {
    toast(e.message, true);
  }
  loadToday();
});

// ---- Medicines ----------------------------------------------------------------------------------

let medicines = [];

/** "#AARRGGBB" (the app's form) or "#RRGGBB" -> a CSS colour. */
function cssColor(c) {
  return c && c.length === 9 ? '#' + c.slice(3) : c;
}

function patternText(s) {
  return s.rest_days > 0 ? `${s.take_days}일 복용 · ${s.rest_days}일 휴약` : '매일';
}

async function loadMedicines() {
  try {
    medicines = (await api('GET', '/api/medicines')).medicines;
    $('med-list').innerHTML = medicines.length === 0 ? '<li class="muted">등록된 약이 없습니다.</li>' :
      medicines.map((m) => {
        const s = m.schedules[m.schedules.length - 1];
        return `<li data-med="${m.id}">
          <div><strong><span class="swatch" style="background:${esc(cssColor(m.color))}"></span>${esc(m.name)}</strong>
            <span class="muted">${esc(m.dosage)}</span><br>
            ${s ? `<span class="small">${esc(s.time_slots.join(', '))} · ${patternText(s)} ·
              ${esc(s.start_date)} ~ ${esc(s.end_date || '종료일 없음')}${s.active ? '' : ' · 중지됨'}</span>` : ''}
            ${m.memo ? `<br><span class="muted small">${esc(m.memo)}</span>` : ''}</div>
          <div class="actions"><button class="edit" data-id="${m.id}">수정</button>
            <button class="delete" data-id="${m.id}">삭제</button></div></li>`;
      }).join('');
  } catch (e) {
    toast(e.message, true);
  }
}

function resetForm() {
  $('med-form').reset();
  $('med-id').value = '';
  $('med-submit').textContent = '약 추가';
  $('med-cancel-edit').hidden = true;
}

$('med-list').addEventListener('click', async (ev) => {
  const b = ev.target.closest('button');
  if (!b) return;
  const m = medicines.find((x) => String(x.id) === b.dataset.id);
  if (!m) return;
  if (b.classList.contains('edit')) {
    const s = m.schedules[m.schedules.length - 1] || {};
    $('med-id').value = m.id;
    $('med-name').value = m.name;
    $('med-dosage').value = m.dosage;
    $('med-times').value = (s.time_slots || []).join(', ');
    $('med-take').value = s.take_days ?? 1;
    $('med-rest').value = s.rest_days ?? 0;
    $('med-start').value = s.start_date || '';
    $('med-end').value = s.end_date || '';
    $('med-memo').value = m.memo;
    $('med-submit').textContent = '수정 저장';
    $('med-cancel-edit').hidden = false;
    $('med-name').focus();
  } else if (b.classList.contains('delete')) {
    if (!confirm(`${m.name}을(를) 삭제할까요? 복용 기록도 함께 삭제됩니다.`)) return;
    try {
      await api('POST', `/api/medicines/${m.id}/delete`, {});
      toast('삭제했습니다.');
      loadMedicines();
    } catch (e) {
      toast(e.message, true);
    }
  }
});

$('med-cancel-edit').addEventListener('click', resetForm);

$('med-form').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  const id = $('med-id').value;
  const body = {
    name: $('med-name').value.trim(),
    dosage: $('med-dosage').value.trim(),
    times: $('med-times').value,
    take: Number($('med-take').value || 1),
    rest: Number($('med-rest').value || 0),
    memo: $('med-memo').value.trim(),
    end: $('med-end').value || null,
  };
  if ($('med-start').value) body.start = $('med-start').value;
  try {
    await api('POST', id ? `/api/medicines/${id}` : '/api/medicines', body);
    toast(id ? '수정했습니다.' : `${body.name}을(를) 추가했습니다.`);
    resetForm();
    loadMedicines();
  } catch (e) {
    toast(e.message, true);
  }
});

// ---- Scan -------------------------------------------------------------------------------------

const TIMING = { before_meal: '식전', after_meal: '식후', with_meal: '식사 중', bedtime: '취침 전',
  as_needed: '필요시', empty_stomach: '공복', morning: '아침' };

// How a value was read (the scan result's field_sources): anything but "text" was inferred from
// the layout, so the preview marks it for the user to confirm before saving.
const FIELD_SOURCE = { table_cell: '표의 칸 순서로 읽음', continuation: '다음 줄에서 가져옴',
  shared: '여러 약에 함께 적힌 복용법', document: '머리말·꼬리말의 기간', derived: '아침·저녁 등에서 셈',
  model: '모델이 고름' };

function scanCell(m, field, text) {
  const source = (m.field_sources || {})[field];
  const line = (m.field_lines || {})[field];
  if (m[field] === null || m[field] === undefined) {
    return `<td class="confirm missing" title="찾지 못했습니다. 직접 입력해 주세요.">${esc(text)}</td>`;
  }
  if (source && source !== 'text') {
    const why = `${FIELD_SOURCE[source] || source}${line ? ` (${line}번째 줄)` : ''}: 확인해 주세요`;
    return `<td class="confirm" data-source="${esc(source)}" title="${esc(why)}">${esc(text)}<span class="confirm-mark">확인</span></td>`;
  }
  return `<td title="${line ? `${line}번째 줄` : ''}">${esc(text)}</td>`;
}

function renderScan(r) {
  const meds = r.medications || [];
  const toConfirm = meds.some((m) => Object.values(m.field_sources || {}).some((s) => s && s !== 'text'));
  let html = meds.length === 0 ? '<p>처방 약을 찾지 못했습니다.</p>' : `
    <table id="scan-table"><thead><tr><th>약 이름</th><th>1회</th><th>1일</th><th>기간</th><th>복용 시점</th><th>복용 시간</th><th>메모</th></tr></thead>
    <tbody>${meds.map((m) => `<tr>
      ${(m.field_sources || {}).name === 'model'
        ? `<td class="confirm" data-source="model" title="${esc(FIELD_SOURCE.model)} (${m.source_line}번째 줄): 확인해 주세요">${esc(m.name)}<span class="confirm-mark">확인</span></td>`
        : `<td title="${m.source_line}번째 줄">${esc(m.name)}</td>`}${scanCell(m, 'dose', m.dose || '?')}
      ${scanCell(m, 'times_per_day', m.times_per_day ? m.times_per_day + '회' : '?')}
      ${scanCell(m, 'duration_days', m.duration_days ? m.duration_days + '일' : '미상')}
      ${m.timing ? scanCell(m, 'timing', TIMING[m.timing] || m.timing) : '<td></td>'}
      <td>${esc((m.time_slots || []).join(', '))}</td>
      <td>${esc((m.notes || []).join(' · '))}</td></tr>`).join('')}</tbody></table>` +
    (toConfirm ? '<p class="confirm-legend"><span class="confirm-mark">확인</span> 표시는 다른 줄이나 표의 배치에서 추론한 값입니다. 저장하기 전에 처방전과 맞는지 확인해 주세요.</p>' : '');
  if ((r.warnings || []).length) {
    html += `<div class="warnings"><strong>확인이 필요합니다</strong><ul>${r.warnings.map((w) =>
      `<li>${esc(w.message)}</li>`).join('')}</ul></div>`;
  }
  return html;
}

$('scan-preview').addEventListener('click', async () => {
  try {
    const r = await api('POST', '/api/scan', { text: $('scan-text').value });
    $('scan-result').innerHTML = renderScan(r);
    $('scan-save').disabled = (r.medications || []).length === 0;
  } catch (e) {
    $('scan-result').innerHTML = '';
    $('scan-save').disabled = true;
    toast(e.message, true);
  }
});

$('scan-save').addEventListener('click', async () => {
  try {
    const r = await api('POST', '/api/scan/save', { text: $('scan-text').value });
    $('scan-result').innerHTML = renderScan(r.scan) +
      `<p id="scan-saved"><strong>${r.saved.length}개 약을 일정으로 저장했습니다.</strong></p>` +
      (r.not_saved.length ? `<ul>${r.not_saved.map((n) => `<li>${esc(n.name)}: ${esc(n.message)}</li>`).join('')}</ul>` : '');
    $('scan-save').disabled = true;
    toast(`${r.saved.length}개 약을 저장했습니다.`);
  } catch (e) {
    toast(e.message, true);
  }
});

// ---- Coaching and questions (server-sent events over fetch) ------------------------------------

let generation = null;  // { controller }

const STATE_LABEL = { queued: '대기 중', loading: '모델 불러오는 중', generating: '답변 생성 중' };

function setGenerating(on) {
  $('gen-progress').hidden = !on;
  $('coach-start').disabled = on;
  $('ask-submit').disabled = on;
}

/** Streams POST `path` and shows the text token by token; 취소 aborts the request, which makes
 *  the server cancel the generation. */
async function streamGeneration(path, body) {
  if (generation) return;
  const controller = new AbortController();
  generation = { controller };
  const out = $('gen-output');
  out.textContent = '';
  $('gen-state').textContent = STATE_LABEL.queued;
  $('gen-tokens').textContent = '0';
  setGenerating(true);
  let finished = false;
  try {
    const res = await fetch(path, { method: 'POST', headers: headers(), body: JSON.stringify(body),
      signal: controller.signal });
    if (!res.ok) {
      const data = await res.json().catch(() => null);
      throw new Error(errorText(data, res.status));
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        let data = '';
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (!data) continue;
        const msg = JSON.parse(data);
        if (event === 'status') {
          $('gen-state').textContent = STATE_LABEL[msg.state] +
            (msg.state === 'queued' && msg.position ? ` (${msg.position}번째)` : '');
        } else if (event === 'token') {
          out.append(msg.text);
          if (msg.tokens !== undefined) $('gen-tokens').textContent = msg.tokens;
        } else if (event === 'done') {
          finished = true;
          if (msg.usage.completion_tokens) $('gen-tokens').textContent = msg.usage.completion_tokens;
          if (msg.emergency) {
            // Triage found an emergency sign: the instruction goes above everything else.
            const banner = document.createElement('div');
            banner.className = 'emergency-banner';
            banner.id = 'gen-emergency';
            banner.setAttribute('role', 'alert');
            // "unspecified": no rule named a sign, triage's second opinion found the message
            // reads like an emergency, so the instruction is conditional (docs/ASSISTANT.md).
            const unsure = msg.emergency === 'unspecified';
            banner.textContent = body.lang === 'en'
              ? (unsure
                ? '🚨 If this is happening now, it may be an emergency. Call your local emergency number (119 in Korea) or go to the nearest emergency room.'
                : '🚨 This may be an emergency. Call your local emergency number (119 in Korea) or go to the nearest emergency room now.')
              : (unsure
                ? '🚨 지금 이런 증상이 있다면 응급 상황일 수 있어요. 바로 119에 전화하거나 가까운 응급실로 가세요.'
                : '🚨 응급 상황일 수 있어요. 지금 바로 119에 전화하거나 가까운 응급실로 가세요.');
            out.prepend(banner);
          }
          if (msg.notice && !msg.model_text_used) {
            const note = document.createElement('span');
            note.className = 'note';
            note.textContent = 'ℹ️ DailyDrug 약 정보로 구성한 답변입니다 (약사 검토 전).';
            out.append(note);
          }
        } else if (event === 'error') {
          finished = true;
          throw new Error(errorText(msg, 500));
        }
      }
    }
    if (!finished) throw new Error('연결이 끊겼습니다.');
  } catch (e) {
    if (e.name === 'AbortError') {
      const note = document.createElement('span');
      note.className = 'note';
      note.id = 'gen-cancelled';
      note.textContent = '⏹ 취소했습니다.';
      out.append(note);
    } else {
      toast(e.message, true);
    }
  } finally {
    generation = null;
    setGenerating(false);
  }
}

$('coach-start').addEventListener('click', () => streamGeneration('/api/coach', { lang: $('gen-lang').value }));
$('ask-form').addEventListener('submit', (ev) => {
  ev.preventDefault();
  const q = $('ask-text').value.trim();
  if (q) streamGeneration('/api/ask', { message: q, lang: $('gen-lang').value });
});
$('gen-cancel').addEventListener('click', () => {
  if (generation) generation.controller.abort();
});

showTab('today');
