/**
 * A module generator that does what its options say: the tests' stand-in
 * for a real generator. `busy_ms` spins on the thread without ever looking
 * at the abort signal, as CPU-heavy or blocking code would; `exit` ends the
 * thread it runs on.
 */
import { z } from 'zod';

interface Account {
  name: string;
  uid: number;
  pid?: number;
}

const options = z.strictObject({
  items: z.array(z.object({ name: z.string(), uid: z.number(), pid: z.number().optional() })).default([]),
  fail: z.string().optional(),
  hang: z.boolean().default(false),
  busy_ms: z.number().default(0),
  exit: z.number().optional(),
});

export const generator = {
  name: 'test.scripted',
  schema: options,
  key: (item: Account) => item.name,
  ignoredFields: ['pid'],
  async collect(config: z.output<typeof options>): Promise<Account[]> {
    const until = Date.now() + config.busy_ms;
    while (Date.now() < until) {
      // spinning, deaf to the abort signal
    }
    if (config.exit !== undefined) process.exit(config.exit);
    if (config.hang) await new Promise(() => {});
    if (config.fail) throw new Error(config.fail);
    return config.items;
  },
};
