/**
 * Real agent and server processes for end-to-end tests: each started from
 * its CLI with the pinned Node, on ephemeral loopback ports, with its own
 * state directory. Their JSON log lines are read to learn where they listen.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
export const agentCli = join(repo, 'agent/src/cli.ts');
export const serverCli = join(repo, 'server/src/cli.ts');

export interface Running {
  child: ChildProcess;
  /** The fields of the start-up log line. */
  started: Record<string, unknown>;
  stdoutLines: string[];
  stderrLines: string[];
  /** SIGTERM, then waits for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to flush anything. */
  kill9(): Promise<void>;
}

export async function startProcess(cli: string, args: string[], env: Record<string, string>, startedMsg: string): Promise<Running> {
  const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const stdoutLines: string[] = [];
  const stderrLines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => stdoutLines.push(line));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const started = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${cli} did not start in 15 s:\n${stderrLines.join('\n')}`)), 15_000);
    createInterface({ input: child.stderr! }).on('line', (line) => {
      stderrLines.push(line);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        if (entry.msg === startedMsg) {
          clearTimeout(timer);
          resolve(entry);
        }
      } catch {
        // not a log line
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${cli} exited with ${code} before starting:\n${stderrLines.join('\n')}`));
    });
  });
  return {
    child,
    started,
    stdoutLines,
    stderrLines,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return exited;
    },
    async kill9() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

export async function startServer(home: string, extraConfig = ''): Promise<Running & { grpc: string; http: string }> {
  const config = join(home, 'server.yaml');
  await writeFile(config, `home: ${JSON.stringify(join(home, 'server'))}\nlisten:\n  grpc: 127.0.0.1:0\n  http: 127.0.0.1:0\n${extraConfig}`);
  const running = await startProcess(serverCli, ['run', '--config', config], {}, 'server started');
  return { ...running, grpc: String(running.started.grpc), http: String(running.started.http) };
}

export async function startAgent(home: string, server: string, config: string): Promise<Running & { tcp: string; udp: string }> {
  const file = join(home, 'agent.yaml');
  await writeFile(file, `home: ${JSON.stringify(join(home, 'agent'))}\n${config}`);
  const running = await startProcess(agentCli, ['run', '--config', file, '--server', server], {}, 'agent started');
  const listening = running.started.listening as string[];
  const find = (scheme: string) => listening.find((e) => e.startsWith(scheme))?.slice(scheme.length) ?? '';
  return { ...running, tcp: find('tcp://'), udp: find('udp://') };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

export async function getJson<T>(url: string): Promise<T> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
