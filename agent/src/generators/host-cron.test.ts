import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostCron, parseCrontab, type CronJob } from './host-cron.ts';

const fixture = join(import.meta.dirname, 'testdata/host-cron');
const collect = (root: string, signal = new AbortController().signal) => hostCron.collect(hostCron.schema.parse({ type: 'host.cron', root }), { signal });

test('collects system, user and run-parts jobs from a Debian-like tree', async () => {
  const runParts = (dir: string) => `test -x /usr/sbin/anacron || { cd / && run-parts --report /etc/cron.${dir}; }`;
  const expected: CronJob[] = [
    // SHELL= and PATH = lines are environment settings, not jobs.
    { file: '/etc/crontab', user: 'root', schedule: '17 * * * *', command: 'cd / && run-parts --report /etc/cron.hourly' },
    { file: '/etc/crontab', user: 'root', schedule: '25 6 * * *', command: runParts('daily') },
    { file: '/etc/crontab', user: 'root', schedule: '47 6 * * 7', command: runParts('weekly') },
    { file: '/etc/crontab', user: 'root', schedule: '52 6 1 * *', command: runParts('monthly') },
    {
      file: '/etc/cron.d/e2scrub_all', user: 'root', schedule: '30 3 * * 0',
      command: 'test -e /run/systemd/system || SERVICE_MODE=1 /usr/lib/x86_64-linux-gnu/e2fsprogs/e2scrub_all_cron',
    },
    { file: '/etc/cron.d/e2scrub_all', user: 'root', schedule: '10 3 * * *', command: 'test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all -A -r' },
    // .placeholder and local~ are skipped; so are local's malformed lines.
    { file: '/etc/cron.d/local', user: 'root', schedule: '@reboot', command: '/usr/local/bin/on-boot.sh' },
    {
      file: '/etc/cron.d/local', user: 'www-data', schedule: '*/5 9-17 * jan-jun mon-fri',
      command: '/usr/bin/php /var/www/app/artisan schedule:run >> /dev/null 2>&1',
    },
    {
      file: '/etc/cron.d/php', user: 'root', schedule: '09,39 * * * *',
      command: '[ -x /usr/lib/php/sessionclean ] && if [ ! -d /run/systemd/system ]; then /usr/lib/php/sessionclean; fi',
    },
    { file: '/var/spool/cron/crontabs/alice', user: 'alice', schedule: '*/15 * * * *', command: '/home/alice/bin/sync-notes >/dev/null 2>&1' },
    { file: '/var/spool/cron/crontabs/alice', user: 'alice', schedule: '@daily', command: '/home/alice/bin/backup --quiet' },
    // Red Hat's layout, with a CRLF line ending; the crontabs/ directory beside it is not a crontab.
    { file: '/var/spool/cron/bob', user: 'bob', schedule: '0 2 * * mon-fri', command: '/usr/bin/python3 /home/bob/report.py %Report for today%' },
    {
      file: '/etc/cron.hourly/update-check', user: 'root', schedule: '@hourly', command: '/etc/cron.hourly/update-check',
      sha256: '9a8b6366babfb69310f06891a054566aeb5ebd9f257e5b955633cd451a0f9054', executable: true,
    },
    {
      file: '/etc/cron.daily/dpkg', user: 'root', schedule: '@daily', command: '/etc/cron.daily/dpkg',
      sha256: 'c53136257c4341fdfcee081633e48481484f71933fa939cf6041a9081c795a6a', executable: true,
    },
    {
      file: '/etc/cron.daily/logrotate', user: 'root', schedule: '@daily', command: '/etc/cron.daily/logrotate',
      sha256: '159cceb21e5d9bfa9d6c18b4d5658df1261d1cbb09c6199546cb5652b0b7d58a', executable: true,
    },
    {
      file: '/etc/cron.weekly/cleanup-disabled', user: 'root', schedule: '@weekly', command: '/etc/cron.weekly/cleanup-disabled',
      sha256: 'a2297e761f51552f0f02d1a113ff9de15d2b4fd9013070de38ee0b33d6fb9fad', executable: false,
    },
  ];
  assert.deepEqual(await collect(fixture), expected);
});

test('keys: jobs by file, schedule and command; scripts by file', async () => {
  const keys = (await collect(fixture)).map(hostCron.key);
  assert.equal(keys[0], '/etc/crontab:17 * * * * cd / && run-parts --report /etc/cron.hourly');
  assert.equal(keys.at(-1), '/etc/cron.weekly/cleanup-disabled');
  assert.equal(new Set(keys).size, keys.length);
});

test('a host without cron has no jobs; a directory in place of a crontab is skipped', async () => {
  const root = await mkdtemp(join(tmpdir(), 'picket-cron-'));
  try {
    assert.deepEqual(await collect(root), []);
    await mkdir(join(root, 'etc/crontab'), { recursive: true });
    await mkdir(join(root, 'etc/cron.daily/subdir'), { recursive: true });
    assert.deepEqual(await collect(root), []);
  } finally {
    await rm(root, { recursive: true });
  }
});

test('collect honours an aborted signal', async () => {
  const controller = new AbortController();
  controller.abort();
  await assert.rejects(collect(fixture, controller.signal), { name: 'AbortError' });
});

test('crontab lines, with and without a user field', () => {
  const text = [
    'MAILTO=ops@example.com',
    '"QUOTED"=x',
    '  # indented comment',
    '',
    '0 4 * * * /usr/bin/backup   --full   ',
    '@weekly\t/usr/bin/weekly',
    '0 0 1 1 * echo "a  b"  %stdin%',
  ].join('\n');
  assert.deepEqual(parseCrontab(text, { hasUserField: false }), [
    { schedule: '0 4 * * *', command: '/usr/bin/backup   --full' },
    { schedule: '@weekly', command: '/usr/bin/weekly' },
    { schedule: '0 0 1 1 *', command: 'echo "a  b"  %stdin%' },
  ]);
  // Read as a system crontab, the first word after the schedule is the user.
  assert.deepEqual(parseCrontab('0 4 * * * backup /usr/bin/backup\n@reboot root /sbin/start', { hasUserField: true }), [
    { schedule: '0 4 * * *', user: 'backup', command: '/usr/bin/backup' },
    { schedule: '@reboot', user: 'root', command: '/sbin/start' },
  ]);
  // A system line without a command is not a job.
  assert.deepEqual(parseCrontab('0 4 * * * backup', { hasUserField: true }), []);
});

test('garbage lines are skipped without throwing', () => {
  const garbage = [
    '* * * *', '* * * * *', '@reboot', '@often /bin/true', '* * * * * ', 'x * * * * /bin/true', '* * * * $ /bin/true',
    '\u0000\u0001', '@', '*', '=', '= value', 'NAME', '\\', '"', '* * * * *\t', 'x'.repeat(100_000),
  ];
  for (const line of garbage) assert.deepEqual(parseCrontab(line, { hasUserField: false }), [], line.slice(0, 80));
  for (const line of garbage) assert.deepEqual(parseCrontab(line, { hasUserField: true }), [], line.slice(0, 80));
});
