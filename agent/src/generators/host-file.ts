/**
 * Reading the host's files for generators. Opens are non-blocking, so a FIFO
 * planted where a file should be cannot hang a run; only regular files are
 * read. A missing file is normal; any other failure throws, so the runner
 * keeps the previous snapshot instead of reporting everything in the file as
 * removed.
 */
import { constants, open } from 'node:fs/promises';

export type FileHandle = Awaited<ReturnType<typeof open>>;

const MAX_TEXT_BYTES = 4 * 1024 * 1024;

/** Runs `use` on the file when it is a regular file; undefined when it is missing or is not one. */
export async function withRegularFile<T>(path: string, use: (handle: FileHandle, size: number, mode: number) => Promise<T | undefined>): Promise<T | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw new Error(`cannot read ${path}: ${code ?? (err as Error).message}`, { cause: err });
  }
  try {
    const stats = await handle.stat();
    return stats.isFile() ? await use(handle, stats.size, stats.mode) : undefined;
  } finally {
    await handle.close();
  }
}

/** The text of a configuration-sized file; undefined when missing, not a regular file, or larger than such files get. */
export function readOptionalText(path: string, signal: AbortSignal, maxBytes = MAX_TEXT_BYTES): Promise<string | undefined> {
  return withRegularFile(path, async (handle, size) => (size > maxBytes ? undefined : handle.readFile({ encoding: 'utf8', signal })));
}

/** The text of a file the snapshot cannot do without: missing, odd or oversized is an error. */
export async function readRequiredText(path: string, signal: AbortSignal, maxBytes: number): Promise<string> {
  const handle = await open(path, constants.O_RDONLY | constants.O_NONBLOCK).catch((err: NodeJS.ErrnoException) => {
    throw new Error(`cannot read ${path}: ${err.code ?? err.message}`, { cause: err });
  });
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new Error(`cannot read ${path}: not a regular file`);
    if (stats.size > maxBytes) throw new Error(`cannot read ${path}: ${stats.size} bytes is over the ${maxBytes}-byte limit`);
    return await handle.readFile({ encoding: 'utf8', signal });
  } finally {
    await handle.close();
  }
}
