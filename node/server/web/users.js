// The Users page of the front desk (docs/web.md): an office manager or admin
// lists the office's users, deactivates or activates one, changes a role and
// resets a password. Uses app.js's helpers (h, ut, fill, api, writer,
// showPanel, showError, toast, ROLES, state); loaded after it.
'use strict';

const USER_MANAGERS = ['officeManager', 'hqManager', 'admin'];

function userRow(user) {
  const role = h('select', {class: 'user-role', 'aria-label': `Role of ${user.login}`},
    ...Object.entries(ROLES).map(([value, label]) => {
      const option = h('option', {value}, label);
      option.selected = value === user.role;
      return option;
    }));
  const setRole = h('button', {class: 'btn user-set-role', type: 'button'}, 'Set role');
  const toggle = h('button', {class: 'btn user-toggle', type: 'button'}, user.active ? 'Deactivate' : 'Activate');
  const password = h('input', {class: 'user-password', type: 'password', autocomplete: 'new-password',
                               placeholder: 'New password', 'aria-label': `New password for ${user.login}`});
  const reset = h('button', {class: 'btn user-reset', type: 'button'}, 'Reset password');
  const act = (op, payload, done) => async () => {
    showError($('#users-error'), null);
    try {
      await writer(op)(payload);
      toast(done);
      await openUsers();
    } catch (e) {
      showError($('#users-error'), e);
    }
  };
  setRole.addEventListener('click', () => act('setUserRole', {login: user.login, role: role.value},
                                              `${user.login} is now ${ROLES[role.value]}`)());
  toggle.addEventListener('click', act('setUserActive', {login: user.login, active: !user.active},
    user.active ? `${user.login} is deactivated` : `${user.login} may log in again`));
  reset.addEventListener('click', () => {
    const value = password.value;
    password.value = '';
    act('resetPassword', {login: user.login, password: value}, `${user.login} has a new password`)();
  });
  return h('tr', {class: user.active ? 'user-row' : 'user-row inactive'},
    h('td', {}, ut('code', user.login)), ut('td', user.displayName || '', {dir: 'auto'}),
    ut('td', ROLES[user.role] || user.role || ''),
    ut('td', (user.active ? 'active' : 'deactivated') + (user.locked ? ', locked' : '')),
    h('td', {class: 'user-actions'}, role, setRole, toggle, password, reset));
}

async function openUsers() {
  const view = $('#users-view');
  showPanel('users');
  let answer;
  try {
    answer = await api('listUsers', {});
  } catch (e) {
    fill(view, h('h2', {id: 'users-title'}, 'Users'), h('p', {id: 'users-error', class: 'form-error', role: 'alert'}));
    showError($('#users-error'), e);
    return;
  }
  const rows = (answer.users || []).map(userRow);
  fill(view,
    h('h2', {id: 'users-title'}, 'Users of ', state.session ? state.session.office : ''),
    h('p', {class: 'muted'}, 'Deactivating a user or resetting a password ends their sessions at every office.'),
    h('p', {id: 'users-error', class: 'form-error', role: 'alert', hidden: ''}),
    h('table', {id: 'users-table', class: 'table'},
      h('thead', {}, h('tr', {}, ...['Login', 'Name', 'Role', 'State', ''].map((t) => ut('th', t)))),
      h('tbody', {}, ...rows)));
}

document.addEventListener('DOMContentLoaded', () => {
  $('#users-button').addEventListener('click', openUsers);
});
