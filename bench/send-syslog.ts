/**
 * Load generator: sends COUNT syslog lines over CONNECTIONS TCP connections
 * to HOST:PORT as fast as the receiver takes them, then exits.
 * Usage: node bench/send-syslog.ts HOST:PORT COUNT CONNECTIONS
 */
import { connect } from 'node:net';

const [target = '127.0.0.1:5514', countText = '1000000', connectionsText = '4'] = process.argv.slice(2);
const colon = target.lastIndexOf(':');
const host = target.slice(0, colon);
const port = Number(target.slice(colon + 1));
const count = Number(countText);
const connections = Number(connectionsText);

// About 120 bytes, the size of a typical sshd or sudo line.
const line = (n: number) => `<38>Nov 22 10:00:00 web1 sshd[811]: Failed password for invalid user u${n} from 198.51.100.23 port 52344 ssh2\n`;
const LINES_PER_WRITE = 500;

async function sendShare(first: number, last: number): Promise<void> {
  const socket = connect({ host, port });
  socket.setNoDelay(true);
  await new Promise((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  for (let n = first; n <= last; ) {
    let chunk = '';
    for (let i = 0; i < LINES_PER_WRITE && n <= last; i++) chunk += line(n++);
    if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
  }
  await new Promise<void>((resolve) => socket.end(() => resolve()));
}

const share = Math.ceil(count / connections);
await Promise.all(Array.from({ length: connections }, (_, i) => sendShare(i * share + 1, Math.min(count, (i + 1) * share))));
