import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePasswd } from './host-users.ts';

test('passwd lines become accounts; malformed ones are skipped', () => {
  const users = parsePasswd([
    'root:x:0:0:root:/root:/bin/bash',
    '# a comment',
    '',
    'daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin',
    'broken line without fields',
    'bad:x:notanumber:1::/:/bin/sh',
    'alice:x:1000:1000:Alice,,,:/home/alice:/bin/zsh',
  ].join('\n'));
  assert.deepEqual(users.map((u) => [u.name, u.uid, u.shell]), [
    ['root', 0, '/bin/bash'],
    ['daemon', 1, '/usr/sbin/nologin'],
    ['alice', 1000, '/bin/zsh'],
  ]);
  assert.equal(users[2]!.gecos, 'Alice,,,');
});
