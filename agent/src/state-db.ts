/**
 * The agent's one LevelDB database (`<home>/state`). The outbox and the
 * snapshot store share it so that a delta, its snapshot and its outbox
 * records commit in one atomic batch. Key prefixes keep them apart:
 * `c!`/`m!` for the outbox, `s!` for snapshots (see each module's header).
 */
import { ClassicLevel } from 'classic-level';

export type StateDb = ClassicLevel<string, Buffer>;
export type StateOp = { type: 'put'; key: string; value: Buffer } | { type: 'del'; key: string };

export async function openStateDb(directory: string, options: { createIfMissing?: boolean } = {}): Promise<StateDb> {
  const db = new ClassicLevel<string, Buffer>(directory, { keyEncoding: 'utf8', valueEncoding: 'buffer' });
  await db.open({ createIfMissing: options.createIfMissing ?? true });
  return db;
}
