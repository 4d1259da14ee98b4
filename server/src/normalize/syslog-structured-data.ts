/**
 * RFC 5424 STRUCTURED-DATA: one or more `[SD-ID PARAM-NAME="value" ...]`
 * elements. Used for RFC 5424 messages, and for the SD that rsyslog puts
 * after the TAG of RFC 3164 messages.
 */
import { BACKSLASH, EQUALS, LBRACKET, QUOTE, RBRACKET, SP, SyslogParseError, found, setOwn } from './syslog-common.ts';

const NAME_MAX = 32;

/** End of the SD-NAME starting at `i`: printable US-ASCII except '=', ' ', ']' and '"'; stops after NAME_MAX + 1 characters. */
function nameEnd(s: string, i: number): number {
  const limit = Math.min(s.length, i + NAME_MAX + 1);
  while (i < limit) {
    const c = s.charCodeAt(i);
    if (c <= SP || c >= 127 || c === EQUALS || c === RBRACKET || c === QUOTE) break;
    i++;
  }
  return i;
}

function readName(s: string, start: number, what: string): number {
  const end = nameEnd(s, start);
  if (end === start) {
    throw new SyslogParseError(
      `expected ${what} (1 to ${NAME_MAX} printable US-ASCII characters except '=', ' ', ']' and '"'), found ${found(s, start)}`, start);
  }
  if (end - start > NAME_MAX) throw new SyslogParseError(`${what} longer than ${NAME_MAX} characters`, start + NAME_MAX);
  return end;
}

/**
 * Reads the SD elements starting with the '[' at `start` into `target` and
 * returns the index after the last ']'. Escapes \" \\ \] in values are
 * removed; a backslash before any other character is kept, as RFC 5424 says.
 * Whatever follows the last element is for the caller to check.
 */
export function readStructuredData(s: string, start: number, target: Record<string, Record<string, string>>): number {
  let i = start;
  while (s.charCodeAt(i) === LBRACKET) {
    const idAt = i + 1;
    i = readName(s, idAt, 'SD-ID');
    const id = s.slice(idAt, i);
    if (Object.hasOwn(target, id)) throw new SyslogParseError(`duplicate SD-ID '${id}'`, idAt);
    const params: Record<string, string> = {};
    while (s.charCodeAt(i) === SP) {
      const nameAt = i + 1;
      i = readName(s, nameAt, 'PARAM-NAME');
      const name = s.slice(nameAt, i);
      if (s.charCodeAt(i) !== EQUALS) throw new SyslogParseError(`expected '=' after PARAM-NAME '${name}', found ${found(s, i)}`, i);
      if (s.charCodeAt(++i) !== QUOTE) throw new SyslogParseError(`expected '"' to start the value of '${name}', found ${found(s, i)}`, i);
      // Slices between escapes rather than appending character by character.
      let value = '';
      let from = ++i;
      for (;;) {
        if (i >= s.length) throw new SyslogParseError(`expected '"' to end the value of '${name}', found end of message`, i);
        const c = s.charCodeAt(i);
        if (c === QUOTE) break;
        if (c === RBRACKET) throw new SyslogParseError(`']' in the value of '${name}' must be escaped as '\\]'`, i);
        if (c === BACKSLASH) {
          const next = s.charCodeAt(i + 1);
          if (next === QUOTE || next === BACKSLASH || next === RBRACKET) {
            value += s.slice(from, i);
            from = i + 1;
            i++;
          }
        }
        i++;
      }
      setOwn(params, name, value + s.slice(from, i));
      i++;
    }
    if (s.charCodeAt(i) !== RBRACKET) throw new SyslogParseError(`expected a space or ']' in SD element '${id}', found ${found(s, i)}`, i);
    setOwn(target, id, params);
    i++;
  }
  return i;
}
