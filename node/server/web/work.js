// The Work and Pipeline pages of the front desk (docs/web.md), and the
// deals on the client card.
//
// Work: the office's queue of open tasks (headquarters' reminders, greetings
// and tasks among them) with the mine / overdue / today filters, and the
// actions on a task: done, reassign to a user of the office, snooze.
// Pipeline: the office's deals by stage with their amounts, and moving a
// deal along. Uses app.js's helpers (h, ut, fill, api, writer, showPanel,
// showError, errorBox, toast, money, when, openCard, section, entry, state);
// loaded after it.
'use strict';

const DEAL_STAGES = ['lead', 'qualified', 'proposal', 'negotiation', 'won', 'lost'];
const OPEN_STAGES = DEAL_STAGES.slice(0, 4);
const STAGE_NAMES = {lead: 'Lead', qualified: 'Qualified', proposal: 'Proposal',
                     negotiation: 'Negotiation', won: 'Won', lost: 'Lost'};

const work = {
  filters: {mine: false, overdue: false, today: false},
  deals: {mine: false, open: false},
};

// "£1,200.00 + ₽35,000.00" from [{currency, amount}]; "—" for none.
function amountsText(amounts) {
  const parts = (amounts || []).map((a) => money(a.amount, a.currency));
  return parts.length ? parts.join(' + ') : '—';
}

// A checkbox that reloads `reload` when flipped; its state lives in `into[key]`.
function filterBox(id, label, into, key, reload) {
  const box = h('input', {id, type: 'checkbox', class: 'work-filter'});
  box.checked = into[key];
  box.addEventListener('change', () => { into[key] = box.checked; reload(); });
  return h('label', {class: 'check', for: id}, box, ' ', label);
}

// ------------------------------------------------------------------ Work

// The actions of one task: done, reassign, snooze. A task the caller may not
// work (another's, for a cashier) gets none, and says why.
function taskActions(item, box) {
  if (!item.mayWork) return h('span', {class: 'muted'}, 'assigned to someone else');
  const act = (op, payload, done) => async (event) => {
    const button = event.currentTarget;
    button.disabled = true;
    showError(box, null);
    try {
      await writer(op)(payload);
      toast(done);
      await openWork();
    } catch (e) {
      showError(box, e);
      button.disabled = false;
    }
  };
  const to = h('input', {class: 'task-reassign-to', size: 10, placeholder: 'login', autocomplete: 'off',
                         spellcheck: 'false', 'aria-label': `Give "${item.task.title}" to (login)`});
  const until = h('input', {class: 'task-snooze-until', type: 'datetime-local',
                            'aria-label': `Snooze "${item.task.title}" until (the office's time)`});
  return h('div', {class: 'task-actions'},
    h('button', {type: 'button', class: 'btn btn-small btn-primary task-done',
                 onclick: act('completeTask', item.id, 'Task done')}, 'Done'),
    h('span', {class: 'task-action'}, to,
      h('button', {type: 'button', class: 'btn btn-small task-reassign', onclick: (event) => {
        if (!to.value.trim()) return showError(box, {message: 'Type the login of the user to give the task to.'});
        return act('reassignTask', {task: item.id, to: to.value.trim()}, `Task given to ${to.value.trim()}`)(event);
      }}, 'Reassign')),
    h('span', {class: 'task-action'}, until,
      h('button', {type: 'button', class: 'btn btn-small task-snooze', onclick: (event) => {
        if (!until.value) return showError(box, {message: 'Choose the day and time to snooze the task until.'});
        return act('snoozeTask', {task: item.id, untilLocal: until.value}, 'Task snoozed')(event);
      }}, 'Snooze'),
      h('button', {type: 'button', class: 'btn btn-small task-snooze-day',
                   onclick: act('snoozeTask', {task: item.id, days: 1}, 'Task snoozed a day')}, '+1 day')));
}

function taskRow(item) {
  const t = item.task || {};
  const box = errorBox(null);
  const client = t.client && item.client
    ? h('button', {type: 'button', class: 'btn btn-link task-client', onclick: () => openCard(t.client)}, ut('span', item.client))
    : ut('span', item.client || '—');
  const from = item.fromHeadquarters
    ? h('span', {class: 'badge badge-hq'}, 'Headquarters')
    : ut('span', personName(item.createdByLogin, item.createdByName));
  return h('tr', {class: 'task-row' + (item.overdue ? ' overdue' : ''), data: {id: item.id}},
    h('td', {class: 'task-due'}, Number(t.due || 0) ? when(t.due) : '—',
      item.overdue && h('span', {class: 'badge badge-warn'}, 'overdue')),
    h('td', {}, ut('strong', t.title, {class: 'task-title'})),
    h('td', {}, client),
    h('td', {class: 'task-assignee'}, item.assigneeLogin
      ? ut('span', personName(item.assigneeLogin, item.assigneeName))
      : h('span', {class: 'muted'}, 'unassigned')),
    h('td', {class: 'task-from'}, from),
    h('td', {}, taskActions(item, box), box));
}

async function openWork() {
  const view = $('#work-view');
  showPanel('work');
  let answer = null, failure = null;
  try {
    answer = await api('listTasks', {...work.filters, limit: 500});
  } catch (e) {
    failure = e;
  }
  const items = (answer && answer.tasks) || [];
  const error = errorBox('work-error');
  fill(view,
    h('div', {class: 'panel-head'},
      h('h2', {id: 'work-title'}, 'Work queue ', h('span', {class: 'count'}, String(items.length))),
      h('div', {class: 'filters', role: 'group', 'aria-label': 'Show'},
        filterBox('work-mine', 'Mine', work.filters, 'mine', openWork),
        filterBox('work-overdue', 'Overdue', work.filters, 'overdue', openWork),
        filterBox('work-today', 'Due today', work.filters, 'today', openWork))),
    h('p', {class: 'muted'}, 'Open tasks of this office, headquarters\' among them, and those given to you; soonest due first.'),
    error,
    items.length
      ? h('table', {id: 'work-table', class: 'table'},
          h('thead', {}, h('tr', {}, ...['Due', 'Task', 'Client', 'Assignee', 'From', ''].map((t) => h('th', {scope: 'col'}, t)))),
          h('tbody', {}, items.map(taskRow)))
      : h('p', {id: 'work-empty', class: 'muted'}, failure ? '' : 'Nothing to do here.'));
  if (failure) showError(error, failure);
}

// ------------------------------------------------------------------ deals

// A select of the stages a deal at `stage` may move to, and its button.
function dealMover(item, box, after) {
  const stage = (item.deal || {}).stage || 'lead';
  if (!OPEN_STAGES.includes(stage)) return null;
  const choose = h('select', {class: 'deal-stage', 'aria-label': `Move "${item.deal.title}" to`},
    DEAL_STAGES.filter((s) => s !== stage).map((s) => h('option', {value: s}, STAGE_NAMES[s])));
  const move = h('button', {type: 'button', class: 'btn btn-small deal-move', onclick: async () => {
    move.disabled = true;
    showError(box, null);
    try {
      await writer('saveDeal')({deal: item.id, stage: choose.value});
      toast(`Deal moved to ${STAGE_NAMES[choose.value]}`);
      await after();
    } catch (e) {
      showError(box, e);
      move.disabled = false;
    }
  }}, 'Move');
  return h('span', {class: 'deal-mover'}, choose, move);
}

// The deal's facts in a line: stage, amount, owner, age.
function dealFacts(item) {
  const d = item.deal || {};
  return [h('span', {class: `badge stage stage-${d.stage}`}, STAGE_NAMES[d.stage] || d.stage),
          h('strong', {class: 'amount'}, money(d.amount, d.currency)),
          ut('span', personName(item.ownerLogin, item.ownerName), {class: 'deal-owner'}),
          h('span', {class: 'muted'}, `${item.ageDays || 0} d`)];
}

async function openPipeline() {
  const view = $('#pipeline-view');
  showPanel('pipeline');
  let answer = null, failure = null;
  try {
    answer = (await api('listDeals', {...work.deals, limit: 1000})).deals || {};
  } catch (e) {
    failure = e;
  }
  const list = answer || {};
  const deals = list.deals || [];
  const stages = list.pipeline || [];
  const error = errorBox('pipeline-error');
  const column = (stage) => {
    const figures = stages.find((s) => s.stage === stage) || {};
    const here = deals.filter((d) => (d.deal || {}).stage === stage);
    return h('section', {class: `pipeline-stage stage-${stage}`, data: {stage}, 'aria-label': STAGE_NAMES[stage]},
      h('h3', {}, STAGE_NAMES[stage], ' ', h('span', {class: 'count'}, String(figures.count || 0))),
      h('p', {class: 'pipeline-amount'}, amountsText(figures.amounts)),
      h('ul', {class: 'entries'}, here.map((item) => {
        const box = errorBox(null);
        return h('li', {class: 'pipeline-deal', data: {id: item.id}},
          ut('strong', (item.deal || {}).title, {class: 'deal-title'}),
          h('div', {}, item.client && h('button', {type: 'button', class: 'btn btn-link',
            onclick: () => openCard(item.deal.client)}, ut('span', item.client))),
          h('div', {class: 'deal-facts'}, dealFacts(item).slice(1)),
          dealMover(item, box, openPipeline), box);
      })));
  };
  fill(view,
    h('div', {class: 'panel-head'},
      h('h2', {id: 'pipeline-title'}, 'Pipeline ', h('span', {class: 'count'}, String(list.total || 0))),
      h('div', {class: 'filters', role: 'group', 'aria-label': 'Show'},
        filterBox('pipeline-mine', 'Mine', work.deals, 'mine', openPipeline),
        filterBox('pipeline-open', 'Open only', work.deals, 'open', openPipeline))),
    error,
    h('div', {id: 'pipeline-board', class: 'pipeline-board'},
      (work.deals.open ? OPEN_STAGES : DEAL_STAGES).map(column)),
    Number(list.total || 0) > deals.length &&
      h('p', {class: 'muted'}, `${deals.length} of ${list.total} deals shown.`));
  if (failure) showError(error, failure);
}

// The Deals section of the client card (app.js's renderCard calls it).
function cardDeals(card) {
  return section('Deals', card.deals || [], (item) => {
    const box = errorBox(null);
    return entry({class: 'card-deal', data: {id: item.id}},
      [ut('strong', (item.deal || {}).title), ...dealFacts(item), dealMover(item, box, reloadCard)], box);
  });
}

document.addEventListener('DOMContentLoaded', () => {
  $('#work-button').addEventListener('click', openWork);
  $('#pipeline-button').addEventListener('click', openPipeline);
});
