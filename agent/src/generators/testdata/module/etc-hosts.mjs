/**
 * A module generator in plain JavaScript, as in the README: the entries of
 * a hosts file (option `file`), one item per address. Nothing is imported
 * from the agent.
 */
import { readFile } from 'node:fs/promises';

export default {
  name: 'example.etc_hosts',
  key: (entry) => entry.address,
  async collect(config, { signal }) {
    const text = await readFile(config.file, { encoding: 'utf8', signal });
    return text
      .split('\n')
      .map((line) => line.replace(/#.*/, '').trim().split(/\s+/))
      .filter((fields) => fields.length >= 2)
      .map(([address, ...names]) => ({ address, names }));
  },
};
