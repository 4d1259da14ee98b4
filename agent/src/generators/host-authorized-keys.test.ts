import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { hostAuthorizedKeys, keyFilePath, parseAuthorizedKeyLine, parseAuthorizedKeys, type AuthorizedKey } from './host-authorized-keys.ts';

const execFileAsync = promisify(execFile);
const fixture = join(import.meta.dirname, 'testdata/host-authorized-keys');
const collect = (options: Record<string, unknown> = {}) => hostAuthorizedKeys.collect(
  hostAuthorizedKeys.schema.parse({ type: 'host.authorized_keys', root: fixture, ...options }),
  { signal: new AbortController().signal },
);

// Fingerprints as `ssh-keygen -lf` printed them for the fixture keys (generated for these tests).
const ALICE_ED25519 = 'SHA256:SoI1ntsxrAU1Ukg6xpaE8iBeqABpumCDxBnkALHa9ns';
const ALICE_RSA = 'SHA256:bmC661diKWjJRM291QSCzfASAtN0tBsk1JeY79IEh1I';
const BOB_ECDSA = 'SHA256:hz/I8SL3qJ3hague4NRYzvcm3ZhxMFEfDTqSN9FGAIY';
const BOB_SK = 'SHA256:Fk+P96+s3l2jGDLTUuwX9I+2Uqp4CQr5FUCgrQD0CkY';
const ROOT_ECDSA384 = 'SHA256:zbtFoEh8Rl+f7zVBziCW3v/tD2qdlV0yeE4hrNJX7lY';
const ROOT_ED25519 = 'SHA256:bZTAV7d6NKolmXyjbbU/guGhkPm29iLHr8uXiaEFHxs';

const KEY_FILES = ['/root/.ssh/authorized_keys', '/home/alice/.ssh/authorized_keys', '/home/alice/.ssh/authorized_keys2', '/home/bob/.ssh/authorized_keys2'];

test('collects every account\'s keys from a fixture tree', async () => {
  const expected: AuthorizedKey[] = [
    {
      user: 'root', file: '/root/.ssh/authorized_keys', type: 'ecdsa-sha2-nistp384', fingerprint: ROOT_ECDSA384, comment: 'backup@vault',
      options: ['from="10.0.0.0/8,192.168.1.1"', 'no-port-forwarding', 'no-pty', 'command="/usr/local/bin/backup --mode \\"full, fast\\""'],
    },
    {
      user: 'root', file: '/root/.ssh/authorized_keys', type: 'ssh-ed25519', fingerprint: ROOT_ED25519, comment: 'deploy',
      options: ['restrict', 'environment="DEPLOY_TOKEN=[redacted]"'],
    },
    // The broken lines after these two (bad base64, a blob of another type, an open quote) are skipped.
    { user: 'alice', file: '/home/alice/.ssh/authorized_keys', type: 'ssh-ed25519', fingerprint: ALICE_ED25519, comment: 'alice@laptop' },
    { user: 'alice', file: '/home/alice/.ssh/authorized_keys', type: 'ssh-rsa', fingerprint: ALICE_RSA, comment: 'Alice Example (work laptop)' },
    {
      user: 'alice', file: '/home/alice/.ssh/authorized_keys2', type: 'ssh-ed25519', fingerprint: ALICE_ED25519,
      comment: 'alice@laptop (legacy file)', options: ['no-agent-forwarding'],
    },
    { user: 'bob', file: '/home/bob/.ssh/authorized_keys2', type: 'ecdsa-sha2-nistp256', fingerprint: BOB_ECDSA },
    {
      user: 'bob', file: '/home/bob/.ssh/authorized_keys2', type: 'sk-ssh-ed25519@openssh.com', fingerprint: BOB_SK,
      comment: 'bob@yubikey', options: ['no-touch-required'],
    },
  ];
  assert.deepEqual(await collect(), expected);
});

test('items never carry key material or environment values', async () => {
  const items = JSON.stringify(await collect());
  for (const file of KEY_FILES) {
    for (const base64 of (await readFile(join(fixture, file), 'utf8')).match(/AAAA[A-Za-z0-9+/]{20,}={0,2}/g) ?? []) {
      assert.ok(!items.includes(base64.slice(0, 24)), `${file} leaks its key`);
    }
  }
  assert.ok(!items.includes('not a real secret'));
});

test('the files option follows sshd\'s AuthorizedKeysFile tokens', async () => {
  const items = await collect({ files: ['%h/.ssh/authorized_keys2'] });
  assert.deepEqual(items.map((key) => `${key.user} ${key.file}`), [
    'alice /home/alice/.ssh/authorized_keys2', 'bob /home/bob/.ssh/authorized_keys2', 'bob /home/bob/.ssh/authorized_keys2',
  ]);
  const alice = { name: 'alice', home: '/home/alice' };
  assert.equal(keyFilePath('.ssh/authorized_keys', alice), '/home/alice/.ssh/authorized_keys');
  assert.equal(keyFilePath('/etc/ssh/keys/%u', alice), '/etc/ssh/keys/alice');
  assert.equal(keyFilePath('100%%/%u', alice), '/home/alice/100%/alice');
  assert.equal(keyFilePath('../../../../etc/shadow', alice), '/etc/shadow');
});

test('a missing passwd file is an error', async () => {
  const root = await mkdtemp(join(tmpdir(), 'picket-keys-'));
  try {
    await assert.rejects(collect({ root }), /cannot read .*etc\/passwd: ENOENT/);
  } finally {
    await rm(root, { recursive: true });
  }
});

/** Runs ssh-keygen, or skips the test when it is not installed. */
async function sshKeygen(t: TestContext, args: string[]): Promise<string | undefined> {
  try {
    return (await execFileAsync('ssh-keygen', args, { encoding: 'utf8' })).stdout;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    t.skip('ssh-keygen is not installed; the fingerprints above were taken from it when the fixtures were made');
    return undefined;
  }
}

test('fingerprints match ssh-keygen -lf on the fixture files', async (t) => {
  for (const file of KEY_FILES) {
    const output = await sshKeygen(t, ['-lf', join(fixture, file)]);
    if (output === undefined) return;
    const theirs = output.trim().split('\n').map((line) => line.split(' ')[1]);
    const ours = parseAuthorizedKeys(await readFile(join(fixture, file), 'utf8')).map((key) => key.fingerprint);
    assert.deepEqual(ours, theirs, file);
  }
});

test('fingerprints match ssh-keygen -lf on freshly generated keys', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'picket-keygen-'));
  try {
    for (const [type, bits] of [['ed25519', '256'], ['rsa', '2048'], ['ecdsa', '521']] as const) {
      const path = join(dir, type);
      if (await sshKeygen(t, ['-q', '-t', type, '-b', bits, '-N', '', '-C', `test ${type}`, '-f', path]) === undefined) return;
      const output = (await sshKeygen(t, ['-lf', `${path}.pub`]))!;
      const key = parseAuthorizedKeyLine(await readFile(`${path}.pub`, 'utf8'));
      assert.equal(key?.fingerprint, output.split(' ')[1], type);
      assert.equal(key?.comment, `test ${type}`);
    }
  } finally {
    await rm(dir, { recursive: true }); // the private keys too
  }
});

test('key lines: options, quoting, whitespace and comments', () => {
  const ed25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIHdIKrNZVITUYcWHBTc61/aModh41JM3BVlmNrCSEPws';
  assert.deepEqual(parseAuthorizedKeyLine(`ssh-ed25519 ${ed25519}`), { type: 'ssh-ed25519', fingerprint: ALICE_ED25519 });
  // sshd allows any blanks between the fields.
  assert.deepEqual(parseAuthorizedKeyLine(`  no-pty,permitopen="host:22"\t  ssh-ed25519\t${ed25519}   a  comment  \r`), {
    type: 'ssh-ed25519', fingerprint: ALICE_ED25519, comment: 'a  comment', options: ['no-pty', 'permitopen="host:22"'],
  });
  assert.deepEqual(parseAuthorizedKeyLine(`command="echo \\"a b, c\\"; exit",ENVIRONMENT="A=b=c" ssh-ed25519 ${ed25519} x`)?.options, [
    'command="echo \\"a b, c\\"; exit"', 'ENVIRONMENT="A=[redacted]"',
  ]);
});

test('key lines sshd would reject are skipped without throwing', () => {
  const ed25519 = 'AAAAC3NzaC1lZDI1NTE5AAAAIHdIKrNZVITUYcWHBTc61/aModh41JM3BVlmNrCSEPws';
  const rejected = [
    '', '   ', '# comment', `#ssh-ed25519 ${ed25519}`, 'ssh-ed25519', `${ed25519}`, 'ssh-ed25519 !!!!', 'ssh-ed25519 AAAA',
    `ssh-rsa ${ed25519}`, `ssh-foo ${ed25519}`, `ssh-foo ssh-bar ${ed25519}`, `command="open ssh-ed25519 ${ed25519}`,
    `from=unquoted ssh-ed25519 ${ed25519}`, `,no-pty ssh-ed25519 ${ed25519}`, `no-pty,, ssh-ed25519 ${ed25519}`, `no-pty ${ed25519}`,
    'AAAA', '\u0000\u0001', '"', '\\', 'x'.repeat(100_000),
  ];
  for (const line of rejected) assert.equal(parseAuthorizedKeyLine(line), undefined, line.slice(0, 80));
  assert.deepEqual(parseAuthorizedKeys(rejected.join('\n')), []);
});
