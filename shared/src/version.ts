/** Picket's version, one for both halves. Kept in step with package.json by a test. */
export const VERSION = '0.1.0';
