import { defineRule } from '../define-rule.ts';
import type { NormalizedEvent } from '../../normalize/event.ts';

// OpenSSH's wording for a failed login and for a login to an unknown user.
const FAILURE = /^(?:Failed (?:password|publickey|keyboard-interactive\/pam) for (?:invalid user )?.*?|Invalid user .*?) from (\S+) port \d+/;

/** Repeated sshd authentication failures from one address: password guessing. */
export const sshdBruteForce = defineRule({
  id: 'syslog.sshd.brute-force',
  datasets: ['syslog'],
  severity: 'high',
  title: 'Repeated SSH authentication failures from one address',
  threshold: 5,
  windowMs: 5 * 60 * 1000,
  match: (event) => event.process?.name === 'sshd' && FAILURE.test(event.message ?? ''),
  alertTitle: (event) => `SSH authentication failures from ${failingAddress(event)} on ${event.host?.hostname ?? event.agent.id}`,
  dedup: (event) => `${event.host?.hostname ?? event.agent.id}/${failingAddress(event)}`,
  tests: [
    { name: 'a failed password', event: sshd('Failed password for root from 203.0.113.7 port 4242 ssh2'), match: true, dedup: 'web1/203.0.113.7', title: 'SSH authentication failures from 203.0.113.7 on web1' },
    { name: 'an invalid user', event: sshd('Failed password for invalid user admin from 2001:db8::1 port 22 ssh2'), match: true, dedup: 'web1/2001:db8::1' },
    { name: 'an unknown user probed', event: sshd('Invalid user oracle from 198.51.100.4 port 50022'), match: true, dedup: 'web1/198.51.100.4' },
    { name: 'a successful login', event: sshd('Accepted publickey for alice from 203.0.113.7 port 4242 ssh2'), match: false },
    { name: 'another program saying the same', event: { ...sshd('Failed password for root from 203.0.113.7 port 1 ssh2'), process: { name: 'not-sshd' } }, match: false },
  ],
});

function failingAddress(event: NormalizedEvent): string {
  return FAILURE.exec(event.message ?? '')?.[1] ?? 'unknown';
}

function sshd(message: string): NormalizedEvent {
  return {
    '@timestamp': '2026-11-22T10:00:00.000Z',
    message,
    event: { dataset: 'syslog', kind: 'event', created: '2026-11-22T10:00:00.000Z' },
    agent: { id: 'a1' },
    host: { hostname: 'web1' },
    process: { name: 'sshd', pid: 811 },
    picket: { seq: 1 },
  };
}
