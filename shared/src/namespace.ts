/**
 * Dotted namespaces ("host.users", "aws.cloudtrail") and the patterns units
 * subscribe with: `*` matches one segment, `**` matches one or more, and any
 * other segment matches itself. "host.*" matches "host.users" but not
 * "host.users.sudo"; "aws.**" matches both "aws.cloudtrail" and "aws.iam.users".
 */
export function compileNamespacePattern(pattern: string): (name: string) => boolean {
  if (!/^(\*\*|\*|[a-z0-9_-]+)(\.(\*\*|\*|[a-z0-9_-]+))*$/.test(pattern)) {
    throw new Error(`invalid namespace pattern "${pattern}": use dotted lowercase segments, '*' or '**'`);
  }
  const source = pattern
    .split('.')
    .map((segment) => (segment === '**' ? '[^.]+(?:\\.[^.]+)*' : segment === '*' ? '[^.]+' : escapeRegExp(segment)))
    .join('\\.');
  const regexp = new RegExp(`^${source}$`);
  return (name) => regexp.test(name);
}

/** True when any of the patterns matches the name. */
export function compileNamespacePatterns(patterns: readonly string[]): (name: string) => boolean {
  const matchers = patterns.map(compileNamespacePattern);
  return (name) => matchers.some((matches) => matches(name));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
}
