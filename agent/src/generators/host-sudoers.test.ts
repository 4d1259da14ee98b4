import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hostSudoers, isIncludedName, logicalLines, parseInclude, parseSudoers, type SudoersEntry } from './host-sudoers.ts';

const fixture = join(import.meta.dirname, 'testdata/host-sudoers');
const collect = (root: string) =>
  hostSudoers.collect(hostSudoers.schema.parse({ type: 'host.sudoers', root }), { signal: new AbortController().signal });
const parse = (text: string) => parseSudoers(text, '/etc/sudoers').entries;

async function withTree(files: Record<string, string>, run: (root: string) => Promise<void>): Promise<void> {
  const root = await mkdtemp(join(tmpdir(), 'picket-sudoers-'));
  try {
    for (const [path, text] of Object.entries(files)) {
      await mkdir(join(root, path, '..'), { recursive: true });
      await writeFile(join(root, path), text);
    }
    await run(root);
  } finally {
    await rm(root, { recursive: true });
  }
}

test('collects the main file and its includes from a Debian-like tree', async () => {
  const main = '/etc/sudoers';
  const admins = '/etc/sudoers.d/90-admins';
  const expected: SudoersEntry[] = [
    { file: main, kind: 'defaults', principals: [], settings: ['env_reset'], text: 'Defaults env_reset' },
    { file: main, kind: 'defaults', principals: [], settings: ['mail_badpass'], text: 'Defaults mail_badpass' },
    {
      file: main, kind: 'defaults', principals: [],
      settings: ['secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"'],
      text: 'Defaults secure_path="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"',
    },
    { file: main, kind: 'defaults', principals: [], settings: ['use_pty'], text: 'Defaults use_pty' },
    {
      file: main, kind: 'alias', principals: [], alias_type: 'Host_Alias', name: 'WEBSERVERS',
      members: ['web1', 'web2.example.com', '192.168.10.0/24'], text: 'Host_Alias WEBSERVERS = web1, web2.example.com, 192.168.10.0/24',
    },
    {
      file: main, kind: 'alias', principals: [], alias_type: 'User_Alias', name: 'ADMINS',
      members: ['alice', 'bob', '%wheel'], text: 'User_Alias ADMINS = alice, bob, %wheel',
    },
    {
      // Written over two lines with a continuation.
      file: main, kind: 'alias', principals: [], alias_type: 'Cmnd_Alias', name: 'SERVICES',
      members: ['/bin/systemctl restart nginx', '/bin/systemctl reload nginx'],
      text: 'Cmnd_Alias SERVICES = /bin/systemctl restart nginx, /bin/systemctl reload nginx',
    },
    { file: main, kind: 'rule', principals: ['root'], hosts: ['ALL'], runas: 'ALL:ALL', commands: ['ALL'], text: 'root ALL=(ALL:ALL) ALL' },
    { file: main, kind: 'rule', principals: ['%sudo'], hosts: ['ALL'], runas: 'ALL:ALL', commands: ['ALL'], text: '%sudo ALL=(ALL:ALL) ALL' },
    // README holds only comments; '10-backup.disabled' and '99-mallory~' are names sudo skips.
    {
      file: admins, kind: 'rule', principals: ['alice'], hosts: ['ALL'], runas: 'ALL:ALL', tags: ['NOPASSWD'],
      commands: ['/usr/bin/apt', '/bin/systemctl restart nginx'],
      text: 'alice ALL=(ALL:ALL) NOPASSWD: /usr/bin/apt, /bin/systemctl restart nginx',
    },
    { file: admins, kind: 'rule', principals: ['%admin'], hosts: ['ALL'], runas: 'ALL', commands: ['ALL'], text: '%admin ALL=(ALL) ALL' },
    // One specification, two items: the tags change halfway through the command list.
    {
      file: admins, kind: 'rule', principals: ['deploy'], hosts: ['WEBSERVERS'], runas: 'root', tags: ['NOPASSWD'],
      commands: ['SERVICES'], text: 'deploy WEBSERVERS=(root) NOPASSWD: SERVICES',
    },
    {
      file: admins, kind: 'rule', principals: ['deploy'], hosts: ['WEBSERVERS'], runas: 'root', tags: ['PASSWD'],
      commands: ['/usr/bin/journalctl'], text: 'deploy WEBSERVERS=(root) PASSWD: /usr/bin/journalctl',
    },
    {
      file: admins, kind: 'defaults', principals: ['deploy'], settings: ['!requiretty', 'env_keep+="DEPLOY_ENV"'],
      text: 'Defaults:deploy !requiretty, env_keep+="DEPLOY_ENV"',
    },
    {
      file: admins, kind: 'rule', principals: ['bob'], hosts: ['web1'], runas: 'www-data',
      commands: ['/usr/bin/php'], text: 'bob web1=(www-data) /usr/bin/php',
    },
    {
      file: admins, kind: 'rule', principals: ['bob'], hosts: ['db1'], runas: 'postgres', tags: ['NOPASSWD'],
      commands: ['/usr/bin/psql'], text: 'bob db1=(postgres) NOPASSWD: /usr/bin/psql',
    },
    {
      file: admins, kind: 'rule', principals: ['ADMINS'], hosts: ['ALL'], runas: 'ALL', tags: ['NOPASSWD'],
      commands: ['ALL'], text: 'ADMINS ALL=(ALL) NOPASSWD: ALL',
    },
    // Reached through 95-chain's relative `@include extra/monitoring`; its include of /etc/sudoers is a cycle.
    {
      file: '/etc/sudoers.d/extra/monitoring', kind: 'rule', principals: ['nagios'], hosts: ['ALL'], runas: 'root', tags: ['NOPASSWD'],
      commands: ['/usr/lib/nagios/plugins/check_*', '!/usr/lib/nagios/plugins/check_by_ssh'],
      text: 'nagios ALL=(root) NOPASSWD: /usr/lib/nagios/plugins/check_*, !/usr/lib/nagios/plugins/check_by_ssh',
    },
  ];
  assert.deepEqual(await collect(fixture), expected);
});

test('a host without sudoers has no entries', async () => {
  await withTree({ 'etc/hostname': 'box\n' }, async (root) => {
    assert.deepEqual(await collect(root), []);
  });
});

test('includes nest at most eight levels deep', async () => {
  const files: Record<string, string> = { 'etc/sudoers': 'user0 ALL=ALL\n@include level1\n' };
  for (let level = 1; level <= 10; level++) files[`etc/level${level}`] = `user${level} ALL=ALL\n@include level${level + 1}\n`;
  await withTree(files, async (root) => {
    const principals = (await collect(root)).map((entry) => entry.principals[0]);
    assert.deepEqual(principals, ['user0', 'user1', 'user2', 'user3', 'user4', 'user5', 'user6', 'user7', 'user8']);
  });
});

test('a file that includes itself is read once; missing includes are ignored', async () => {
  await withTree({
    'etc/sudoers': '#include /etc/sudoers\n@include /etc/nowhere\n@includedir /etc/nodir\nroot ALL=ALL\n',
  }, async (root) => {
    assert.deepEqual((await collect(root)).map((entry) => entry.text), ['root ALL=ALL']);
  });
});

test('collect honours an aborted signal', async () => {
  const controller = new AbortController();
  controller.abort();
  const config = hostSudoers.schema.parse({ type: 'host.sudoers', root: fixture });
  await assert.rejects(hostSudoers.collect(config, { signal: controller.signal }), { name: 'AbortError' });
});

test('rules: tags, runas, options and commands', () => {
  const rule = (text: string) => parse(text).map(({ file: _file, kind: _kind, ...fields }) => fields);
  assert.deepEqual(rule('alice ALL=(ALL:ALL) NOPASSWD: /usr/bin/apt, /bin/systemctl restart nginx'), [{
    principals: ['alice'], hosts: ['ALL'], runas: 'ALL:ALL', tags: ['NOPASSWD'],
    commands: ['/usr/bin/apt', '/bin/systemctl restart nginx'],
    text: 'alice ALL=(ALL:ALL) NOPASSWD: /usr/bin/apt, /bin/systemctl restart nginx',
  }]);
  // Whitespace does not matter, so reformatting a rule does not look like a new one.
  assert.deepEqual(rule('alice\tALL = ( ALL : ALL )  NOPASSWD :/usr/bin/apt ,/bin/systemctl   restart nginx'),
    rule('alice ALL=(ALL:ALL) NOPASSWD: /usr/bin/apt, /bin/systemctl restart nginx'));
  assert.deepEqual(rule('%admin ALL=(ALL) ALL'), [
    { principals: ['%admin'], hosts: ['ALL'], runas: 'ALL', commands: ['ALL'], text: '%admin ALL=(ALL) ALL' },
  ]);
  // Tags accumulate and are inherited until overridden; a ':' starts afresh.
  assert.deepEqual(rule('frank ALL = NOEXEC: SETENV: /usr/bin/less, NOPASSWD: /usr/bin/vi : ALL = EXEC: /usr/bin/env'), [
    { principals: ['frank'], hosts: ['ALL'], tags: ['NOEXEC', 'SETENV'], commands: ['/usr/bin/less'], text: 'frank ALL=NOEXEC: SETENV: /usr/bin/less' },
    {
      principals: ['frank'], hosts: ['ALL'], tags: ['NOEXEC', 'NOPASSWD', 'SETENV'], commands: ['/usr/bin/vi'],
      text: 'frank ALL=NOEXEC: NOPASSWD: SETENV: /usr/bin/vi',
    },
    { principals: ['frank'], hosts: ['ALL'], tags: ['EXEC'], commands: ['/usr/bin/env'], text: 'frank ALL=EXEC: /usr/bin/env' },
  ]);
  // Runas changes split the list too; an empty Runas_Spec and a group-only one are kept as written.
  assert.deepEqual(rule('dave ALL = (root) /bin/ls, (:wheel) /bin/id, () /bin/true').map((entry) => [entry.runas, entry.commands]), [
    ['root', ['/bin/ls']], [':wheel', ['/bin/id']], ['', ['/bin/true']],
  ]);
  assert.deepEqual(rule('carol ALL=(ALL) CWD=/var/www TIMEOUT=10m NOPASSWD: /usr/bin/make'), [{
    principals: ['carol'], hosts: ['ALL'], runas: 'ALL', tags: ['NOPASSWD'], options: ['CWD=/var/www', 'TIMEOUT=10m'],
    commands: ['/usr/bin/make'], text: 'carol ALL=(ALL) CWD=/var/www TIMEOUT=10m NOPASSWD: /usr/bin/make',
  }]);
});

test('rules: names, negation, digests, regexes, sudoedit and escapes', () => {
  const only = (text: string) => {
    const entries = parse(text);
    assert.equal(entries.length, 1, text);
    return entries[0]!;
  };
  assert.deepEqual(only('#1000 ALL=(#0) ALL').principals, ['#1000']);
  assert.equal(only('#1000 ALL=(#0) ALL').runas, '#0');
  assert.deepEqual(only('ALL, !mallory, !!erin ALL = /bin/true').principals, ['ALL', '!mallory', 'erin']);
  assert.deepEqual(only('%:domain\\ admins, +netops ALL = ALL').principals, ['%:domain\\ admins', '+netops']);
  assert.deepEqual(only('"domain users" ALL = ALL').principals, ['"domain users"']);
  assert.deepEqual(only('gina ALL = (root) ALL, ! /usr/bin/su').commands, ['ALL', '!/usr/bin/su']);
  const digest = 'sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';
  assert.deepEqual(only(`alice ALL = ${digest} /usr/bin/foo`).commands, [`${digest} /usr/bin/foo`]);
  assert.deepEqual(only('carol ALL = ^/usr/bin/(ls|cat)$, sudoedit /etc/hosts').commands, ['^/usr/bin/(ls|cat)$', 'sudoedit /etc/hosts']);
  assert.deepEqual(only('eve ALL = /bin/echo a\\,b\\:c\\#d, /usr/bin/env FOO=bar').commands, ['/bin/echo a\\,b\\:c\\#d', '/usr/bin/env FOO=bar']);
  assert.deepEqual(only('eve ALL = /usr/local/bin/').commands, ['/usr/local/bin/']);
  assert.deepEqual(only('eve fe80::1, 2001:db8::/32 = ALL').hosts, ['fe80::1', '2001:db8::/32']);
});

test('Defaults entries and their bindings', () => {
  assert.deepEqual(parse([
    'Defaults:%sudo, alice env_keep += "http_proxy https_proxy", !lecture',
    'Defaults@web1,web2 log_output',
    'Defaults>root !set_logname',
    'Defaults!/usr/bin/sudoreplay !log_output',
    'Defaults passprompt="#pass: ", ! ! lecture , badpass_message = "no#pe"',
  ].join('\n')), [
    {
      file: '/etc/sudoers', kind: 'defaults', principals: ['%sudo', 'alice'], settings: ['env_keep+="http_proxy https_proxy"', '!lecture'],
      text: 'Defaults:%sudo,alice env_keep+="http_proxy https_proxy", !lecture',
    },
    { file: '/etc/sudoers', kind: 'defaults', principals: [], hosts: ['web1', 'web2'], settings: ['log_output'], text: 'Defaults@web1,web2 log_output' },
    { file: '/etc/sudoers', kind: 'defaults', principals: [], runas: 'root', settings: ['!set_logname'], text: 'Defaults>root !set_logname' },
    {
      file: '/etc/sudoers', kind: 'defaults', principals: [], commands: ['/usr/bin/sudoreplay'], settings: ['!log_output'],
      text: 'Defaults!/usr/bin/sudoreplay !log_output',
    },
    {
      // '#' inside quotes is not a comment; a double negation cancels out.
      file: '/etc/sudoers', kind: 'defaults', principals: [], settings: ['passprompt="#pass: "', 'lecture', 'badpass_message="no#pe"'],
      text: 'Defaults passprompt="#pass: ", lecture, badpass_message="no#pe"',
    },
  ]);
});

test('aliases: one entry per definition, Cmd_Alias read as Cmnd_Alias', () => {
  assert.deepEqual(parse('Cmd_Alias EDIT = /usr/bin/vi, /usr/bin/nano : PAGER = /usr/bin/less\nRunas_Alias DB = postgres, #120').map((e) => e.text), [
    'Cmnd_Alias EDIT = /usr/bin/vi, /usr/bin/nano',
    'Cmnd_Alias PAGER = /usr/bin/less',
    'Runas_Alias DB = postgres, #120',
  ]);
});

test('lines: continuations, comments, CRLF and include directives', () => {
  assert.deepEqual(logicalLines([
    '# comment',
    'gina ALL = (root) ALL \\',
    '   , !/usr/bin/su # trailing comment',
    'root ALL=ALL\r',
    '#includedir /etc/sudoers.d',
    '  #include /not/a/directive',
    'Defaults a # comment ending in a backslash \\',
    'heidi ALL = ALL \\',
  ].join('\n')), [
    'gina ALL = (root) ALL , !/usr/bin/su',
    'root ALL=ALL',
    '#includedir /etc/sudoers.d',
    'Defaults a',
    'heidi ALL = ALL',
  ]);
  assert.deepEqual(parseInclude('@includedir /etc/sudoers.d'), { path: '/etc/sudoers.d', directory: true });
  assert.deepEqual(parseInclude('  @include "/etc/sudo rules"  '), { path: '/etc/sudo rules', directory: false });
  assert.deepEqual(parseInclude('#include sudoers.local'), { path: 'sudoers.local', directory: false });
  assert.equal(parseInclude('#included by hand'), undefined);
  assert.equal(parseInclude(' #include /x'), undefined);
  assert.deepEqual(['90-admins', 'README', 'x.conf', 'ops~', '.hidden', ''].map(isIncludedName), [true, true, false, false, false, false]);
});

test('malformed statements are skipped without throwing', () => {
  const garbage = [
    'this is not sudoers', 'alice', 'alice ALL', 'alice ALL =', 'alice ALL = (root', 'alice ALL = (root) NOPASSWD:', '= = =',
    '"unterminated ALL = ALL', 'User_Alias lower = x', 'Cmnd_Alias X =', 'Cmnd_Alias X = /bin/ls :', 'alice ALL = /bin/ls,',
    'alice ALL = /bin/ls : ', 'alice ALL = CWD=', '>>> <<<', 'Defaults', 'Defaults:', 'Defaults:alice', 'Defaults 9lives', 'Defaults x=',
    '\u0000\u0001\u0002', '((((', '))))', '!!!!', ':::', ',,,', '\\', '"', 'alice ALL = (root:wheel:extra) ALL',
  ];
  for (const line of garbage) assert.deepEqual(parse(line), [], line);
  assert.doesNotThrow(() => parse(garbage.join('\n').repeat(50)));
  const alphabet = 'aZ%#!=:,()"\\ \t/^$@>\n';
  let seed = 1;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let round = 0; round < 2000; round++) {
    const text = Array.from({ length: 40 }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
    assert.doesNotThrow(() => parseSudoers(text, '/etc/sudoers'), JSON.stringify(text));
  }
});
