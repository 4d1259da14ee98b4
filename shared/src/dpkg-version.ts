/**
 * Debian package version order (Debian policy §5.6.12), used by the
 * packages generator to sort and by the server to tell a downgrade.
 */
/**
 * Compares two dpkg versions as Debian policy orders them
 * ([epoch:]upstream[-revision]): negative when `a` is older, 0 when they are
 * equal, positive when `a` is newer. Never throws: a non-numeric epoch counts as 0.
 */
export function compareDpkgVersions(a: string, b: string): number {
  const left = splitDpkgVersion(a);
  const right = splitDpkgVersion(b);
  return Math.sign(left.epoch - right.epoch) || compareVersionPart(left.upstream, right.upstream) || compareVersionPart(left.revision, right.revision);
}

function splitDpkgVersion(version: string): { epoch: number; upstream: string; revision: string } {
  let rest = version.trim();
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const epochText = rest.slice(0, colon);
    epoch = /^\d+$/.test(epochText) ? Number(epochText) : 0;
    rest = rest.slice(colon + 1);
  }
  // The revision follows the last hyphen; upstream versions may contain hyphens themselves.
  const hyphen = rest.lastIndexOf('-');
  if (hyphen < 0) return { epoch, upstream: rest, revision: '' };
  return { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) };
}

/**
 * Policy's algorithm: alternately compare a run of non-digits (character by
 * character, see charWeight) and a run of digits (numerically), until both
 * strings are used up.
 */
function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a, i)) || (j < b.length && !isDigit(b, j))) {
      const diff = charWeight(a, i) - charWeight(b, j);
      if (diff !== 0) return Math.sign(diff);
      i++;
      j++;
    }
    const digitsA = digitRun(a, i);
    const digitsB = digitRun(b, j);
    i += digitsA.length;
    j += digitsB.length;
    const diff = compareDigitRuns(digitsA, digitsB);
    if (diff !== 0) return diff;
  }
  return 0;
}

/** `~` sorts before everything, even the end of the string; letters sort before other characters. */
function charWeight(text: string, index: number): number {
  if (index >= text.length || isDigit(text, index)) return 0;
  const char = text[index]!;
  if (char === '~') return -1;
  const code = char.charCodeAt(0);
  return /[A-Za-z]/.test(char) ? code : code + 256;
}

function isDigit(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  return code >= 48 && code <= 57;
}

function digitRun(text: string, start: number): string {
  let end = start;
  while (end < text.length && isDigit(text, end)) end++;
  return text.slice(start, end);
}

/** Numeric comparison of digit strings of any length (an empty run counts as 0). */
function compareDigitRuns(a: string, b: string): number {
  const x = a.replace(/^0+/, '');
  const y = b.replace(/^0+/, '');
  if (x.length !== y.length) return Math.sign(x.length - y.length);
  return compareStrings(x, y);
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
