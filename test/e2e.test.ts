/**
 * One syslog line and one changed account travel from a real agent process
 * to alerts at a real server process; then the agent is killed with SIGKILL
 * in the middle of a stream and every line it had accepted must reach the
 * server exactly once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { eventually, getJson, startAgent, startServer } from './processes.ts';

const run = promisify(execFile);

interface Alert { ruleId: string; dedupKey: string; count: number; title: string }
interface EventDoc { id: number; message?: string; event: { dataset: string } }

async function alerts(http: string): Promise<Alert[]> {
  return (await getJson<{ alerts: Alert[] }>(`${http}/api/v1/alerts`)).alerts;
}

async function allEvents(http: string, dataset: string): Promise<EventDoc[]> {
  const events: EventDoc[] = [];
  for (let after = 0; ;) {
    const page = await getJson<{ events: EventDoc[]; next: number }>(`${http}/api/v1/events?dataset=${dataset}&after=${after}&limit=1000`);
    if (page.events.length === 0) return events;
    events.push(...page.events);
    after = page.next;
  }
}

function agentConfig(root: string): string {
  return `
sources:
  - type: syslog-tcp
    listen: 127.0.0.1:0
  - type: syslog-udp
    listen: 127.0.0.1:0
generators:
  - type: host.users
    root: ${JSON.stringify(root)}
    interval: 300ms
shipper:
  backoff_min: 50ms
  backoff_max: 500ms
`;
}

test('syslog and account changes become alerts; a killed agent loses nothing it accepted and repeats nothing', { timeout: 180_000 }, async (t) => {
  const home = await mkdtemp(join(tmpdir(), 'picket-e2e-'));
  const root = join(home, 'root');
  await mkdir(join(root, 'etc'), { recursive: true });
  await writeFile(join(root, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000:Alice:/home/alice:/bin/bash\n');
  const server = await startServer(home);
  let agent = await startAgent(home, server.grpc, agentConfig(root));
  t.after(async () => {
    // PICKET_TEST_LOGS=1 shows what both processes logged, for debugging.
    if (process.env.PICKET_TEST_LOGS) for (const line of [...server.stderrLines, ...agent.stderrLines]) t.diagnostic(line);
    await agent.stop();
    await server.stop();
    await rm(home, { recursive: true, force: true });
  });

  await t.test('logger lines over TCP and UDP raise one deduplicated sshd alert', async () => {
    const [tcpHost, tcpPort] = agent.tcp.split(':') as [string, string];
    const [udpHost, udpPort] = agent.udp.split(':') as [string, string];
    const line = 'Failed password for root from 203.0.113.7 port 4242 ssh2';
    for (let i = 0; i < 3; i++) await run('logger', ['--tcp', '-n', tcpHost, '-P', tcpPort, '-t', 'sshd', '--id=811', line]);
    await run('logger', ['--udp', '--rfc3164', '-n', udpHost, '-P', udpPort, '-t', 'sshd', line]);
    await run('logger', ['--udp', '-n', udpHost, '-P', udpPort, '-t', 'sshd', line]);
    const [alert] = await eventually('the sshd alert', async () => {
      const found = (await alerts(server.http)).filter((a) => a.ruleId === 'syslog.sshd.brute-force');
      return found.length > 0 ? found : undefined;
    });
    assert.equal(alert!.count, 5);
    assert.match(alert!.dedupKey, /203\.0\.113\.7$/);
    // The stdout emitter printed it as a JSON line.
    await eventually('the alert on stdout', async () => server.stdoutLines.find((l) => l.includes('syslog.sshd.brute-force')));
  });

  await t.test('an account added with uid 0 raises the root-account alert; the baseline does not', async () => {
    await eventually('the host.users baseline', async () => ((await allEvents(server.http, 'host.users')).length >= 2 ? true : undefined));
    assert.deepEqual((await alerts(server.http)).filter((a) => a.ruleId === 'host.users.new-root-account'), []);
    await appendFile(join(root, 'etc/passwd'), 'toor:x:0:0::/root:/bin/sh\n');
    const alert = await eventually('the uid-0 alert', async () => (await alerts(server.http)).find((a) => a.ruleId === 'host.users.new-root-account'));
    assert.match(alert.title, /toor/);
    assert.equal(alert.count, 1);
    // Further runs (every 300 ms) see no change: no new events, no new alert, no higher count.
    const events = (await allEvents(server.http, 'host.users')).length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    assert.equal((await allEvents(server.http, 'host.users')).length, events, 'unchanged runs ship nothing');
    const again = (await alerts(server.http)).filter((a) => a.ruleId === 'host.users.new-root-account');
    assert.deepEqual(again.map((a) => a.count), [1]);
  });

  await t.test('kill -9 of the agent mid-stream: accepted lines arrive exactly once', async () => {
    const total = 20_000;
    const kills = [6_000, 13_000];
    // Each line is an sshd failure from one address, so the brute-force alert
    // counts exactly the lines processed: a repeated line would show there too.
    const message = (n: number) => `<38>Nov 22 10:00:00 web1 sshd[99]: Failed password for user${n} from 198.51.100.23 port 22 ssh2\n`;
    const resumedFrom: number[] = [1];
    let next = 1;
    for (const killAt of [...kills, total + 1]) {
      const [host, port] = agent.tcp.split(':') as [string, string];
      const socket = connect({ host, port: Number(port) });
      await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      socket.on('error', () => {}); // a killed peer resets the connection: expected here
      while (next <= total && socket.writable) {
        let chunk = '';
        for (let i = 0; i < 100 && next <= total; i++) chunk += message(next++);
        // A dead peer closes the socket (with a reset or a plain FIN) instead of draining it.
        if (!socket.write(chunk) && socket.writable) await new Promise((resolve) => socket.once('drain', resolve).once('close', resolve));
        if (next > killAt && next - 100 <= killAt) {
          await agent.kill9();
          // Keep writing until the socket reports the dead peer, as a sender would.
          // Lines written after the kill are lost with the connection.
          await new Promise((resolve) => setTimeout(resolve, 50));
        } else {
          // About 50,000 lines/s: a busy sender, yet one the agent keeps up
          // with, so the socket buffers hold little when the agent dies.
          await new Promise((resolve) => setTimeout(resolve, 2));
        }
      }
      socket.end();
      if (next > total) break;
      agent = await startAgent(home, server.grpc, agentConfig(root));
      resumedFrom.push(next);
    }

    // Lines of the last connection are all accepted; wait for them.
    const last = resumedFrom.at(-1)!;
    const counts = await eventually('the stream to arrive', async () => {
      const seen = new Map<number, number>();
      for (const event of await allEvents(server.http, 'syslog')) {
        const n = /Failed password for user(\d+) from 198\.51\.100\.23/.exec(event.message ?? '')?.[1];
        if (n) seen.set(Number(n), (seen.get(Number(n)) ?? 0) + 1);
      }
      for (let n = last; n <= total; n++) if (!seen.has(n)) return undefined;
      return seen;
    }, 60_000);

    const repeated = [...counts].filter(([, c]) => c > 1).map(([n]) => n);
    assert.deepEqual(repeated.slice(0, 10), [], 'lines that arrived more than once');
    // Per connection, what the agent persisted is a prefix of what was sent:
    // a hole would be an accepted line that was lost.
    let lost = 0;
    for (const [index, from] of resumedFrom.entries()) {
      const to = (resumedFrom[index + 1] ?? total + 1) - 1;
      let end = from - 1;
      while (end < to && counts.has(end + 1)) end++;
      for (let n = end + 1; n <= to; n++) assert.ok(!counts.has(n), `line ${n} arrived although line ${end + 1} of the same connection was lost`);
      lost += to - end;
    }
    t.diagnostic(`${counts.size} of ${total} lines arrived exactly once; ${lost} were in flight (socket or memory) when the agent was killed twice`);
    assert.ok(lost < 5_000, `too many lines lost in flight: ${lost}`);

    const streamAlerts = await eventually('the stream alert count to settle', async () => {
      const found = (await alerts(server.http)).filter((a) => a.dedupKey === 'web1/198.51.100.23');
      return found.length === 1 && found[0]!.count === counts.size ? found : undefined;
    });
    assert.equal(streamAlerts.length, 1, 'one alert for the whole stream');
    const all = await alerts(server.http);
    assert.equal(all.filter((a) => a.ruleId === 'host.users.new-root-account').length, 1, 'the uid-0 alert was not raised again');
    assert.equal(all.find((a) => a.dedupKey.endsWith('203.0.113.7'))!.count, 5, 'earlier alerts were not counted again');
  });
});
