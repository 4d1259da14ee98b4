import { defineRule } from '../define-rule.ts';
import type { NormalizedEvent } from '../../normalize/event.ts';

/** An account that appears with uid 0, or an existing one whose uid becomes 0: a second root. */
export const newRootAccount = defineRule({
  id: 'host.users.new-root-account',
  datasets: ['host.users'],
  severity: 'critical',
  title: 'New account with uid 0',
  match: (event) => {
    const uid = (event.delta?.new as { uid?: unknown } | undefined)?.uid;
    if (uid !== 0) return false;
    return event.event.action === 'added' || (event.event.action === 'modified' && (event.delta?.changed_paths ?? []).includes('uid'));
  },
  alertTitle: (event) => `New account with uid 0: ${event.delta?.key} on agent ${event.agent.id}`,
  dedup: (event) => `${event.agent.id}/${event.delta?.key}`,
  tests: [
    { name: 'a new uid-0 account', event: userEvent('added', { name: 'toor', uid: 0 }), match: true, title: 'New account with uid 0: toor on agent a1', dedup: 'a1/toor' },
    { name: 'an ordinary new account', event: userEvent('added', { name: 'alice', uid: 1000 }), match: false },
    { name: 'an account whose uid becomes 0', event: userEvent('modified', { name: 'bob', uid: 0 }, ['uid']), match: true, dedup: 'a1/bob' },
    { name: 'root changing its shell', event: userEvent('modified', { name: 'root', uid: 0 }, ['shell']), match: false },
    { name: 'a removed uid-0 account', event: userEvent('removed', undefined), match: false },
  ],
});

function userEvent(action: string, next: { name: string; uid: number } | undefined, changed?: string[]): NormalizedEvent {
  const key = next?.name ?? 'gone';
  return {
    '@timestamp': '2026-11-22T10:00:00.000Z',
    event: { dataset: 'host.users', kind: 'state', action, created: '2026-11-22T10:00:00.000Z' },
    agent: { id: 'a1' },
    delta: { generator: 'host.users', run_id: 'r1', baseline: false, key, ...(next ? { new: next } : { old: { name: key, uid: 0 } }), ...(changed ? { changed_paths: changed } : {}) },
    picket: { seq: 1 },
  };
}
